// What reaches the cluster from outside: internal load balancers only, TLS on every listener.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { HELM_CHART_TYPES, isK8sKind, namespaceOf } from "./lib/k8s";
import { HELM_CHARTS, Scope, unionScope, validateObjects } from "./lib/rule";
import { at, isRecord, isUnknown, Obj, records, str, strings } from "./lib/values";

/** Annotations (and values) that make a cloud load balancer internal. */
const INTERNAL_ANNOTATIONS: readonly [string, readonly string[]][] = [
  ["service.beta.kubernetes.io/aws-load-balancer-scheme", ["internal"]],
  ["service.beta.kubernetes.io/aws-load-balancer-internal", ["true", "0.0.0.0/0"]],
  ["networking.gke.io/load-balancer-type", ["Internal"]],
  ["service.beta.kubernetes.io/azure-load-balancer-internal", ["true"]],
];

/** "yes"/"no"/"unknown": whether annotations mark a load balancer internal. */
export function internalLoadBalancer(annotations: unknown): "yes" | "no" | "unknown" {
  if (isUnknown(annotations)) return "unknown";
  if (!isRecord(annotations)) return "no";
  let unknown = false;
  for (const [key, values] of INTERNAL_ANNOTATIONS) {
    const v = annotations[key];
    if (isUnknown(v)) unknown = true;
    else if (typeof v === "string" && values.includes(v)) return "yes";
  }
  return unknown ? "unknown" : "no";
}

/** Service-shaped blocks inside Helm values ({type: LoadBalancer, annotations}) with their path. */
function helmServices(values: unknown, path: string, out: { path: string; block: Obj }[]): void {
  if (Array.isArray(values)) values.forEach((v, i) => helmServices(v, `${path}[${i}]`, out));
  if (!isRecord(values)) return;
  if (values["type"] === "LoadBalancer") out.push({ path, block: values });
  for (const [k, v] of Object.entries(values)) helmServices(v, path ? `${path}.${k}` : k, out);
}

const lbDefaults = { exemptions: [] as Exemption[] };

const SERVICES: Scope = { what: "Services", test: (type) => isK8sKind(type, "core", "Service") };
const LB_SCOPE = unionScope([SERVICES, HELM_CHARTS]);

export const noPublicLoadBalancer: ResourceValidationPolicy = {
  name: "k8s-no-public-load-balancer",
  description: "Services of type LoadBalancer must be internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal or aws-load-balancer-internal: \"true\"); this also covers LoadBalancer services set in Helm values.",
  enforcementLevel: "mandatory",
  remediationSteps: "Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-scheme: internal, or use ClusterIP behind the gateway. A deliberately public edge gets an exemption in the policy config naming the Service (kind, namespace, name), with the reason.",
  configSchema: schemaWithDefaults(lbDefaults, { exemptions: exemptionsSchema }),
  validateResource: validateObjects(LB_SCOPE, lbDefaults, (props, _cfg, args, report) => {
    if (!HELM_CHART_TYPES.has(args.type)) {
      const ns = namespaceOf(props);
      if (ns === undefined || at(props, "spec", "type") !== "LoadBalancer") return;
      if (internalLoadBalancer(at(props, "metadata", "annotations")) === "no") {
        report(`Service ${ns}/${str(at(props, "metadata", "name")) ?? args.name} is a public LoadBalancer (no internal-scheme annotation).`);
      }
      return;
    }
    const found: { path: string; block: Obj }[] = [];
    helmServices(props["values"], "", found);
    for (const { path, block } of found) {
      if (internalLoadBalancer(block["annotations"]) === "no") {
        report(`Helm values ${path || "(root)"} request a public LoadBalancer service (no internal-scheme annotation).`);
      }
    }
  }),
};

/** Whether a TLS hosts entry covers `host` ("*.example.com" covers exactly one more label). */
function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith("*.")) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
}

const tlsDefaults = { exemptions: [] as Exemption[], allowPlaintextListeners: false };

const LISTENERS: Scope = {
  what: "Gateways and Ingresses",
  test: (type) => isK8sKind(type, "gateway.networking.k8s.io", "Gateway") || isK8sKind(type, "networking.k8s.io", "Ingress"),
};

export const tlsListeners: ResourceValidationPolicy = {
  name: "k8s-tls-listeners",
  description: "Gateway API listeners must use HTTPS or TLS with a tls block, and every Ingress host must be covered by spec.tls.",
  enforcementLevel: "mandatory",
  remediationSteps: "Give each Gateway listener protocol HTTPS (or TLS) and tls.certificateRefs (cert-manager can issue the Secret); for an Ingress, list every host under spec.tls[].hosts with a secretName.",
  configSchema: schemaWithDefaults(tlsDefaults, {
    exemptions: exemptionsSchema,
    allowPlaintextListeners: { type: "boolean", description: "Allow HTTP/TCP listeners (a laptop cluster without certificates)." },
  }),
  validateResource: validateObjects(LISTENERS, tlsDefaults, (props, cfg, args, report) => {
    const isGateway = isK8sKind(args.type, "gateway.networking.k8s.io", "Gateway");
    const ns = namespaceOf(props);
    if (ns === undefined || cfg.allowPlaintextListeners) return;
    const name = `${ns}/${str(at(props, "metadata", "name")) ?? args.name}`;

    if (isGateway) {
      for (const l of records(at(props, "spec", "listeners"))) {
        const protocol = l["protocol"];
        if (isUnknown(protocol)) continue;
        const label = `Gateway ${name} listener ${str(l["name"]) ?? "?"}`;
        if (protocol !== "HTTPS" && protocol !== "TLS") {
          report(`${label} uses protocol ${String(protocol)}; only HTTPS or TLS is allowed.`);
          continue;
        }
        const tls = l["tls"];
        if (isUnknown(tls)) continue;
        const passthrough = at(tls, "mode") === "Passthrough";
        const refs = at(tls, "certificateRefs");
        if (!isRecord(tls)) report(`${label} (${protocol}) has no tls block.`);
        else if (!passthrough && !isUnknown(refs) && records(refs).length === 0) report(`${label} terminates TLS but has no tls.certificateRefs.`);
      }
      return;
    }

    const tls = at(props, "spec", "tls");
    if (isUnknown(tls)) return;
    const tlsEntries = records(tls);
    const tlsHosts: string[] = [];
    let hostsUnknown = false;
    for (const e of tlsEntries) {
      const h = strings(e["hosts"]);
      tlsHosts.push(...h.values);
      hostsUnknown ||= h.unknown;
    }
    if (tlsEntries.length === 0) {
      report(`Ingress ${name} has no spec.tls.`);
      return;
    }
    if (hostsUnknown) return;
    for (const rule of records(at(props, "spec", "rules"))) {
      const host = str(rule["host"]);
      if (host !== undefined && !tlsHosts.some((p) => covers(p, host))) report(`Ingress ${name} host ${host} is not covered by spec.tls.`);
    }
  }),
};
