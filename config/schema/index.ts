// The stack config schema: platform keys plus one section per layer, composed into one. The only place
// where defaults live and config rules are checked; everything is validated before any resource exists.
import { z } from "zod";
import { checkInfra, infraInputSchema, resolveInfra } from "./infra";
import { platformShape } from "./platform";

export * from "./infra";
export * from "./platform";

/** Config namespace (the Pulumi project name): keys are `ods:<key>`. */
export const CONFIG_NAMESPACE = "ods";

const inputSchema = z.strictObject({
  ...platformShape,
  /** L1: the cluster, GPU pools, GPU operator, namespaces. */
  infra: infraInputSchema,
});

export const configSchema = inputSchema
  .superRefine((c, ctx) => checkInfra(c.infra, c, ctx, ["infra"]))
  .transform(({ infra, ...platform }) => ({ ...platform, infra: resolveInfra(infra) }));

/** The validated config, with every default applied. */
export type OdsConfig = z.infer<typeof configSchema>;

/** Top-level keys and whether the value is a plain string (others are YAML objects, arrays, numbers or booleans). */
export const TOP_LEVEL_KEYS: Record<keyof z.input<typeof inputSchema>, "string" | "structured"> = {
  environment: "string",
  domain: "string",
  namePrefix: "string",
  highAvailability: "structured",
  infra: "structured",
};
