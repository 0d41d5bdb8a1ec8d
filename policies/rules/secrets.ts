// Secret values belong in Secrets: not in ConfigMaps, env literals or Helm values.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { containersOf, containersUnknown, HELM_CHART_TYPES, isK8sKind, workloadOf } from "./lib/k8s";
import { HELM_CHARTS, Scope, unionScope, validateObjects, WORKLOADS } from "./lib/rule";
import { DEFAULT_SECRET_KEY_CONFIG, isLiteral, isPlaintextLiteral, isReferenceKey, looksSecret, SecretKeyConfig, secretLinesIn } from "./lib/secrets";
import { isRecord, Obj, records, str } from "./lib/values";

const defaults = { exemptions: [] as Exemption[], ...DEFAULT_SECRET_KEY_CONFIG };

const CONFIG_MAPS: Scope = { what: "ConfigMaps", test: (type) => isK8sKind(type, "core", "ConfigMap") };

function configMapFindings(props: Obj, cfg: SecretKeyConfig): string[] {
  const out: string[] = [];
  for (const section of ["data", "binaryData"]) {
    const data = props[section];
    if (!isRecord(data)) continue;
    for (const [key, value] of Object.entries(data)) {
      // A ConfigMap is plain text in etcd and readable by anyone with `get configmaps`:
      // even a value that was a Pulumi secret in the program ends up exposed here.
      if (looksSecret(key, cfg) && !isReferenceKey(key, cfg) && isLiteral(value)) out.push(`${section}.${key} holds a secret-looking value`);
      else if (typeof value === "string" && value.includes("\n")) {
        for (const k of secretLinesIn(value, cfg)) out.push(`${section}.${key} contains a literal ${k}`);
      }
    }
  }
  return out;
}

function envFindings(podSpec: Obj, cfg: SecretKeyConfig): string[] {
  const out: string[] = [];
  for (const c of containersOf(podSpec)) {
    for (const e of records(c.spec["env"])) {
      const name = str(e["name"]);
      // A literal env value is visible in the pod spec to anyone who can read the workload,
      // whatever it was in the program ("[secret]" included): use valueFrom.secretKeyRef.
      if (name !== undefined && looksSecret(name, cfg) && isLiteral(e["value"])) out.push(`${c.label} env ${name} is a literal value`);
    }
  }
  return out;
}

/** Walks Helm values for literals under secret-looking keys and env-style {name, value} entries. */
function helmFindings(values: unknown, path: string, cfg: SecretKeyConfig, out: string[]): void {
  if (Array.isArray(values)) {
    values.forEach((v, i) => helmFindings(v, `${path}[${i}]`, cfg, out));
    return;
  }
  if (!isRecord(values)) return;
  const envName = str(values["name"]);
  if (envName !== undefined && looksSecret(envName, cfg) && isLiteral(values["value"])) {
    out.push(`${path || "(root)"} sets env ${envName} to a literal value`);
  }
  for (const [key, v] of Object.entries(values)) {
    const here = path ? `${path}.${key}` : key;
    if (looksSecret(key, cfg) && !isReferenceKey(key, cfg) && isPlaintextLiteral(v) && !(typeof v === "string" && v.includes("\n"))) {
      out.push(`${here} is a plain-text literal`);
      continue;
    }
    if (typeof v === "string" && v.includes("\n")) {
      // Charts take env lists and config files as YAML strings (keycloakx extraEnv).
      let parsed: unknown;
      try {
        parsed = parseYaml(v);
      } catch {
        parsed = undefined;
      }
      if (isRecord(parsed) || Array.isArray(parsed)) helmFindings(parsed, here, cfg, out);
      else for (const k of secretLinesIn(v, cfg)) out.push(`${here} contains a literal ${k}`);
      continue;
    }
    helmFindings(v, here, cfg, out);
  }
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description: "No secret-looking values (keys matching password, secret, token or access key) in ConfigMaps, literal container env values or Helm values; reference a Secret instead.",
  enforcementLevel: "mandatory",
  remediationSteps: "Put the value in a Kubernetes Secret (from a Pulumi secret or RandomPassword) and reference it: env valueFrom.secretKeyRef, or the chart's existingSecret / *SecretName value.",
  configSchema: schemaWithDefaults(defaults, {
    exemptions: exemptionsSchema,
    referenceKeyPatterns: { type: "array", items: { type: "string" }, description: "Regexes over the lower-cased key (a-z0-9 only) for keys that name a Secret." },
    ignoreKeyPatterns: { type: "array", items: { type: "string" }, description: "Regexes over the lower-cased key for secret-looking keys that hold settings, not secrets." },
  }),
  validateResource: validateObjects(unionScope([CONFIG_MAPS, WORKLOADS, HELM_CHARTS]), defaults, (props, cfg, args, report) => {
    let findings: string[] = [];
    if (isK8sKind(args.type, "core", "ConfigMap")) findings = configMapFindings(props, cfg);
    else if (HELM_CHART_TYPES.has(args.type)) helmFindings(props["values"], "", cfg, findings);
    else {
      const workload = workloadOf(args.type, props);
      if (!workload?.podSpec || containersUnknown(workload.podSpec)) return;
      findings = envFindings(workload.podSpec, cfg);
    }
    for (const f of findings) report(`${f}.`);
  }),
};
