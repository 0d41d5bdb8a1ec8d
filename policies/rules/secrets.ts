// Secret values belong in Secrets: not in ConfigMaps, env literals or Helm values.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { configOf, Exemption, exemptionFor, exemptNamespacesSchema, schemaWithDefaults } from "./lib/config";
import { containersOf, containersUnknown, HELM_CHART_TYPES, isK8sKind, namespaceOf, workloadOf } from "./lib/k8s";
import { DEFAULT_SECRET_KEY_CONFIG, isLiteral, isPlaintextLiteral, isReferenceKey, looksSecret, SecretKeyConfig, secretLinesIn } from "./lib/secrets";
import { isRecord, Obj, plain, records, str } from "./lib/values";

const defaults = { exemptNamespaces: [] as Exemption[], ...DEFAULT_SECRET_KEY_CONFIG };

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
    exemptNamespaces: exemptNamespacesSchema,
    referenceKeyPatterns: { type: "array", items: { type: "string" }, description: "Regexes over the lower-cased key (a-z0-9 only) for keys that name a Secret." },
    ignoreKeyPatterns: { type: "array", items: { type: "string" }, description: "Regexes over the lower-cased key for secret-looking keys that hold settings, not secrets." },
  }),
  validateResource: (args, report) => {
    const props = plain(args.props);
    const cfg = configOf(args, defaults);
    const isChart = HELM_CHART_TYPES.has(args.type);
    const isConfigMap = isK8sKind(args.type, "core", "ConfigMap");
    const workload = isChart || isConfigMap ? undefined : workloadOf(args.type, props);
    if (!isChart && !isConfigMap && !workload) return;
    const ns = isChart ? str(props["namespace"]) ?? "default" : namespaceOf(props);
    if (cfg.exemptNamespaces.length > 0 && ns === undefined) return;
    if (exemptionFor(cfg, ns)) return;

    let findings: string[] = [];
    if (isConfigMap) findings = configMapFindings(props, cfg);
    else if (workload) {
      if (!workload.podSpec || containersUnknown(workload.podSpec)) return;
      findings = envFindings(workload.podSpec, cfg);
    } else helmFindings(props["values"], "", cfg, findings);
    for (const f of findings) report(`${f}.`);
  },
};
