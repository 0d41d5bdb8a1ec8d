// Building blocks shared by the layer schemas: names, quantities, CIDRs, counts, node group sizes.
import { z } from "zod";
import { sizeProblems } from "../../components/lib/sizes";
import { isInstanceTypeName } from "../../policies/rules/lib/instances";

export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** Kubernetes resource quantities: 500m, 2, 1.5, 4Gi, 512Mi ... */
const QUANTITY = /^([0-9]+(\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

export function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  return octets.every((o) => o >= 0 && o <= 255) && bits >= 0 && bits <= 32;
}

export const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .regex(DNS_LABEL, { error: `must be a DNS-1123 label (${what}: lower-case letters, digits and '-', starting with a letter)` })
    .meta({ title: "DNS label", "x-format": "a DNS-1123 label: lower-case letters, digits and '-', starting with a letter and not ending with '-' (the length limit is per key)" });

export const quantity = z
  .string()
  .regex(QUANTITY, { error: "must be a Kubernetes quantity such as 500m, 2, 4Gi or 512Mi" })
  .meta({ title: "quantity", "x-format": "a Kubernetes quantity: a number with an optional suffix m, k, M, G, T, P, Ki, Mi, Gi, Ti or Pi, such as 500m, 2, 1.5, 4Gi or 512Mi" });
export const count = (what: string, max: number) =>
  z
    .number()
    .int({ error: `${what} must be a whole number` })
    .min(0, { error: `${what} must be >= 0` })
    .max(max, { error: `${what} must be <= ${max}` });
export const cidr = z.string().refine(isCidr, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" }).meta({ title: "CIDR", "x-format": "an IPv4 CIDR such as 10.0.0.0/16" });

/** Nodes one EKS managed node group may have (the service quota). */
export const MAX_NODES_PER_GROUP = 450;

/** Node group sizes: whole numbers within the EKS limit, checked together by the one size rule. */
export const scaling = {
  minSize: count("minSize", MAX_NODES_PER_GROUP).describe("Smallest number of nodes; minSize <= desiredSize <= maxSize."),
  desiredSize: count("desiredSize", MAX_NODES_PER_GROUP).describe("Nodes at creation (the cluster autoscaler moves it later)."),
  maxSize: count(`maxSize (EKS allows ${MAX_NODES_PER_GROUP} nodes per managed node group)`, MAX_NODES_PER_GROUP)
    .min(1, { error: "maxSize must be >= 1" })
    .describe(`Largest number of nodes; at most ${MAX_NODES_PER_GROUP}, the EKS limit per managed node group.`),
};

/** An EC2 instance type name such as m6i.xlarge (never a shell fragment or a free-form string). */
export const instanceType = z
  .string()
  .refine(isInstanceTypeName, { error: "must be an EC2 instance type such as m6i.xlarge or g6e.2xlarge" })
  .meta({ title: "instance type", "x-format": "an EC2 instance type name such as m6i.xlarge or g6e.2xlarge" });

/** Whether a CIDR opens to (nearly) the whole internet (a prefix shorter than /8); the policy pack uses the same test. */
export { isWorldOpenCidr } from "../../policies/rules/lib/cidrs";

/** Reports the cross-key size rule (min <= desired <= max) on the key each problem belongs to. */
export function checkScaling(s: { minSize: number; desiredSize: number; maxSize: number }, ctx: z.RefinementCtx): void {
  // Single-key bounds are reported by the fields themselves; only the relations are added here.
  for (const p of sizeProblems(s)) {
    if (p.message.includes(" must be >= ")) continue;
    ctx.addIssue({ code: "custom", path: [p.key], message: p.message });
  }
}
