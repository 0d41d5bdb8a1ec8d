// Building blocks shared by the layer schemas: names, quantities, CIDRs, counts, node group sizes.
import { z } from "zod";
import { sizeProblems } from "../../components/lib/sizes";

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
    .regex(DNS_LABEL, { error: `must be a DNS-1123 label (${what}: lower-case letters, digits and '-', starting with a letter)` });

export const quantity = z.string().regex(QUANTITY, { error: "must be a Kubernetes quantity such as 500m, 2, 4Gi or 512Mi" });
export const count = (what: string) => z.number().int({ error: `${what} must be a whole number` }).min(0, { error: `${what} must be >= 0` });
export const cidr = z.string().refine(isCidr, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" });

/** Node group sizes: whole numbers, checked together by the one size rule. */
export const scaling = {
  minSize: count("minSize"),
  desiredSize: count("desiredSize"),
  maxSize: count("maxSize").min(1, { error: "maxSize must be >= 1" }),
};

/** Reports the cross-key size rule (min <= desired <= max) on the key each problem belongs to. */
export function checkScaling(s: { minSize: number; desiredSize: number; maxSize: number }, ctx: z.RefinementCtx): void {
  // Single-key bounds are reported by the fields themselves; only the relations are added here.
  for (const p of sizeProblems(s)) {
    if (p.message.includes(" must be >= ")) continue;
    ctx.addIssue({ code: "custom", path: [p.key], message: p.message });
  }
}
