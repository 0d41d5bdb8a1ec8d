// Every namespace the kit creates starts closed: a default-deny ingress NetworkPolicy.
import type { StackValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { isK8sKind, namespaceOf } from "./lib/k8s";
import { Scope, validateStackOf } from "./lib/rule";
import { isEmptySelector } from "./lib/selectors";
import { at, hasUnknown, isUnknown, records, str, strings } from "./lib/values";

const defaults = { exemptions: [] as Exemption[] };

const NAMESPACES: Scope = { what: "Namespaces", test: (type) => isK8sKind(type, "core", "Namespace") };

/**
 * "yes" if the NetworkPolicy denies all ingress to all pods of its namespace, "no" if not,
 * "unknown" if that depends on values not known yet. policyTypes defaults to [Ingress].
 */
export function isDefaultDenyIngress(props: Record<string, unknown>): "yes" | "no" | "unknown" {
  const spec = at(props, "spec");
  if (isUnknown(spec)) return "unknown";
  const selector = at(spec, "podSelector");
  if (hasUnknown(selector)) return "unknown";
  if (!isEmptySelector(selector)) return "no";
  const types = strings(at(spec, "policyTypes"));
  if (types.unknown) return "unknown";
  const policyTypes = at(spec, "policyTypes") === undefined ? ["Ingress"] : types.values;
  if (!policyTypes.includes("Ingress")) return "no";
  const ingress = at(spec, "ingress");
  if (isUnknown(ingress)) return "unknown";
  return records(ingress).length === 0 ? "yes" : "no";
}

export const defaultDenyIngress: StackValidationPolicy = {
  name: "k8s-default-deny-ingress",
  description: "Every Namespace the kit creates must contain a default-deny NetworkPolicy: podSelector {}, policyTypes including Ingress, no ingress rules.",
  enforcementLevel: "mandatory",
  remediationSteps: "Create a NetworkPolicy in the namespace with spec {podSelector: {}, policyTypes: [Ingress]} and open only the flows each service needs with separate allow policies.",
  configSchema: schemaWithDefaults(defaults, { exemptions: exemptionsSchema }),
  validateStack: validateStackOf(NAMESPACES, defaults, (resources, _cfg, _args, report) => {
    const policies = resources.filter((r) => isK8sKind(r.type, "networking.k8s.io", "NetworkPolicy"));
    let undecidedEverywhere = false;
    const denied = new Set<string>();
    for (const p of policies) {
      const ns = namespaceOf(p.props);
      const verdict = isDefaultDenyIngress(p.props);
      if (verdict === "unknown" || ns === undefined) {
        // An unknown policy could be the default deny of any namespace.
        if (ns === undefined) undecidedEverywhere = true;
        else if (verdict === "unknown") denied.add(ns);
        continue;
      }
      if (verdict === "yes") denied.add(ns);
    }
    if (undecidedEverywhere) return;
    for (const r of resources) {
      if (!isK8sKind(r.type, "core", "Namespace")) continue;
      const name = str(at(r.props, "metadata", "name"));
      if (name === undefined) continue;
      if (!denied.has(name)) report(`Namespace ${name} has no default-deny ingress NetworkPolicy.`, r.urn);
    }
  }),
};
