// Per-rule configuration: defaults in code, overrides from the pack config (policies/config/base.json + <stack>.json + stack facts).
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** A namespace a rule does not apply to, with the reason a reviewer can check. */
export interface Exemption {
  namespace: string;
  reason: string;
}

export interface Exemptible {
  exemptNamespaces: Exemption[];
}

/** JSON schema of `exemptNamespaces`: a reason is required so exemptions stay reviewable. */
export const exemptNamespacesSchema: PolicyConfigJSONSchema = {
  type: "array",
  description: "Namespaces this rule skips, each with the reason it is legitimate.",
  items: {
    type: "object",
    properties: {
      namespace: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 10 },
    },
    required: ["namespace", "reason"],
  },
  default: [],
};

/**
 * Builds a config schema whose defaults are the same object the rule merges at run time, so the
 * documented default and the applied default cannot drift apart.
 */
export function schemaWithDefaults<T extends object>(
  defaults: T,
  properties: { [K in keyof T]: PolicyConfigJSONSchema },
): PolicyConfigSchema {
  const props: Record<string, PolicyConfigJSONSchema> = {};
  for (const key of Object.keys(properties) as (keyof T & string)[]) {
    props[key] = { ...properties[key], default: defaults[key] as PolicyConfigJSONSchema["default"] };
  }
  return { properties: props };
}

/**
 * The rule's effective config: its defaults overlaid with what the pack config sets. The CLI
 * fills schema defaults itself, but the offline gate and tests may not, hence the merge here.
 */
export function configOf<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
  const given = args.getConfig<Partial<T>>();
  const merged: T = { ...defaults };
  for (const key of Object.keys(given) as (keyof T)[]) {
    const v = given[key];
    if (v !== undefined) merged[key] = v as T[keyof T];
  }
  return merged;
}

export function exemptionFor(cfg: Exemptible, namespace: string | undefined): Exemption | undefined {
  if (namespace === undefined) return undefined;
  return cfg.exemptNamespaces.find((e) => e.namespace === namespace);
}
