// Per-rule configuration: defaults in code, overrides from the pack config (policies/config/base.json + <stack>.json + stack facts).
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/**
 * One object a rule does not apply to, named exactly, with the reason a reviewer can check. `kind`
 * is the Kubernetes kind (Deployment), `Chart`/`Release` for Helm charts, or the resource name of a
 * cloud type (SecurityGroup for aws:ec2/securityGroup:SecurityGroup). `namespace` is left out for
 * cluster-scoped objects and cloud resources. `name` is metadata.name (the Pulumi name for objects
 * without one, for Helm charts without a release name, and for cloud resources).
 */
export interface Exemption {
  kind: string;
  namespace?: string;
  name: string;
  reason: string;
}

export interface Exemptible {
  exemptions: Exemption[];
}

/** Shortest reason an exemption may give. */
export const MIN_REASON_LENGTH = 20;

/** JSON schema of `exemptions`: exact objects and a reason, so every exemption stays reviewable. */
export const exemptionsSchema: PolicyConfigJSONSchema = {
  type: "array",
  description: "Objects this rule skips, each named exactly (kind, namespace, name) with the reason it is legitimate.",
  items: {
    type: "object",
    properties: {
      kind: { type: "string", minLength: 1 },
      namespace: { type: "string", minLength: 1 },
      name: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: MIN_REASON_LENGTH },
    },
    required: ["kind", "name", "reason"],
    additionalProperties: false,
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
 * fills schema defaults itself, but the offline policy check and tests may not, hence the merge here.
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

/** What an exemption is matched against: the object a rule looks at. */
export interface ObjectId {
  kind: string;
  /** Absent for cluster-scoped objects, objects without metadata.namespace, and cloud resources. */
  namespace?: string;
  name: string;
}

/** "Deployment ods-gpu/gpu-operator", "SecurityGroup edge-sg": how messages and reports name an object. */
export function describeId(id: { kind: string; namespace?: string; name: string }): string {
  return `${id.kind} ${id.namespace ? `${id.namespace}/` : ""}${id.name}`;
}

/**
 * The exemption naming this object, if any. Kind and name match exactly; so does the namespace, except
 * that an exemption for namespace `default` also covers a namespaced object that sets none (the API
 * server puts it there).
 */
export function exemptionFor(exemptions: readonly Exemption[], id: ObjectId): Exemption | undefined {
  const ns = id.namespace ?? "";
  return exemptions.find((e) => e.kind === id.kind && e.name === id.name && ((e.namespace ?? "") === ns || (ns === "" && e.namespace === "default")));
}

/** The configured exemptions of a rule's merged config (none for rules that take no exemptions). */
export function exemptionsOf(cfg: object): Exemption[] {
  const list = (cfg as Partial<Exemptible>).exemptions;
  return Array.isArray(list) ? list : [];
}
