// What reaches the cluster from outside: internal load balancers only, TLS on every listener.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configOf, Exemption, exemptionFor, exemptNamespacesSchema, schemaWithDefaults } from "./lib/config";
import { HELM_CHART_TYPES, k8sType, namespaceOf } from "./lib/k8s";
import { at, isRecord, isUnknown, Obj, plain, records, str, strings } from "./lib/values";

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

const lbDefaults = { exemptNamespaces: [] as Exemption[] };

export const noPublicLoadBalancer: ResourceValidationPolicy = {
  name: "k8s-no-public-load-balancer",
  description: "Services of type LoadBalancer must be internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal or aws-load-balancer-internal: \"true\"); this also covers LoadBalancer services set in Helm values.",
  enforcementLevel: "mandatory",
  remediationSteps: "Annotate the Service with service.beta.kubernetes.io/aws-load-balancer-scheme: internal, or use ClusterIP behind the gateway. A deliberately public edge belongs in an exempted namespace, with the reason in the policy config.",
  configSchema: schemaWithDefaults(lbDefaults, { exemptNamespaces: exemptNamespacesSchema }),
  validateResource: (args, report) => {
    const props = plain(args.props);
    const cfg = configOf(args, lbDefaults);
    const t = k8sType(args.type);
    const isService = t?.group === "core" && t.kind === "Service";
    const isChart = HELM_CHART_TYPES.has(args.type);
    if (!isService && !isChart) return;
    const ns = isService ? namespaceOf(props) : str(props["namespace"]) ?? "default";
    if (ns === undefined || exemptionFor(cfg, ns)) return;
    if (isService) {
      if (at(props, "spec", "type") !== "LoadBalancer") return;
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
  },
};

/** Whether a TLS hosts entry covers `host` ("*.example.com" covers exactly one more label). */
function covers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith("*.")) return false;
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && !host.slice(0, -suffix.length).includes(".");
}

const tlsDefaults = { exemptNamespaces: [] as Exemption[], allowPlaintextListeners: false };

export const tlsListeners: ResourceValidationPolicy = {
  name: "k8s-tls-listeners",
  description: "Gateway API listeners must use HTTPS or TLS with a tls block, and every Ingress host must be covered by spec.tls.",
  enforcementLevel: "mandatory",
  remediationSteps: "Give each Gateway listener protocol HTTPS (or TLS) and tls.certificateRefs (cert-manager can issue the Secret); for an Ingress, list every host under spec.tls[].hosts with a secretName.",
  configSchema: schemaWithDefaults(tlsDefaults, {
    exemptNamespaces: exemptNamespacesSchema,
    allowPlaintextListeners: { type: "boolean", description: "Allow HTTP/TCP listeners (a laptop cluster without certificates)." },
  }),
  validateResource: (args, report) => {
    const t = k8sType(args.type);
    const isGateway = t?.group === "gateway.networking.k8s.io" && t.kind === "Gateway";
    const isIngress = t?.group === "networking.k8s.io" && t.kind === "Ingress";
    if (!isGateway && !isIngress) return;
    const props = plain(args.props);
    const cfg = configOf(args, tlsDefaults);
    const ns = namespaceOf(props);
    if (ns === undefined || exemptionFor(cfg, ns) || cfg.allowPlaintextListeners) return;
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
  },
};
