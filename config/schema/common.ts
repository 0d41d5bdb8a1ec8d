// Building blocks shared by the layer schemas: names, quantities, CIDRs, counts, node group sizes.
import { z } from "zod";
import { quantityValue } from "../../components/lib/quantity";
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
/**
 * A volume or cache size: a quantity of bytes between 1Gi and 64Ti (an EBS gp3 volume's largest is
 * 64Ti; below 1Gi no database, cache or index fits, and `0` would be a claim no provisioner satisfies).
 */
export const volumeSize = quantity
  .refine((q) => {
    const v = quantityValue(q);
    return v !== undefined && v >= 2 ** 30 && v <= 64 * 2 ** 40;
  }, { error: "must be a size from 1Gi to 64Ti, such as 20Gi" })
  .meta({ title: "volume size", "x-format": "a Kubernetes quantity of bytes from 1Gi to 64Ti, such as 20Gi or 1Ti" });

const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** Whether one field of a five-field cron schedule is valid: `*`, values, ranges, lists and steps within the field's bounds. */
function cronFieldOk(text: string, f: (typeof CRON_FIELDS)[number]): boolean {
  const value = (t: string): number | undefined => {
    const i = f.names?.indexOf(t.toLowerCase()) ?? -1;
    if (i >= 0) return i + (f.name === "month" ? 1 : 0);
    if (!/^[0-9]{1,2}$/.test(t)) return undefined;
    const n = Number(t);
    return n >= f.min && n <= f.max ? n : undefined;
  };
  return text.split(",").every((part) => {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || range === "") return false;
    if (step !== undefined && !(/^[0-9]{1,2}$/.test(step) && Number(step) >= 1 && Number(step) <= f.max)) return false;
    if (range === "*") return true;
    const [a, b, more] = range.split("-");
    if (more !== undefined) return false;
    const lo = value(a);
    if (lo === undefined) return false;
    if (b === undefined) return step === undefined;
    const hi = value(b);
    return hi !== undefined && lo <= hi;
  });
}

/** A five-field cron schedule as Kubernetes CronJobs take it (no @-macros, no seconds). */
export function isCronSchedule(s: string): boolean {
  const fields = s.trim().split(/\s+/);
  return fields.length === 5 && fields.every((t, i) => cronFieldOk(t, CRON_FIELDS[i]));
}

export const cronSchedule = z
  .string()
  .max(100, { error: "must be at most 100 characters" })
  .refine(isCronSchedule, { error: 'must be a five-field cron schedule (minute hour day-of-month month day-of-week) such as "0 3 * * *"' })
  .meta({ title: "cron schedule", "x-format": 'five cron fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec), day of week (0-7 or sun-sat); each *, a value, a range a-b, a list, or a step /n; such as "0 3 * * *"' });

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/** An IPv4 address or a DNS name (RFC 1123), as a host `pulumi up` connects to. */
export const hostName = z
  .string()
  // All digits and dots is an address attempt (300.1.1.1), not a name, even though RFC 1123 allows numeric labels.
  .refine((h) => (/^[0-9.]+$/.test(h) ? IPV4.test(h) : DNS_SUBDOMAIN.test(h)), { error: "must be an IPv4 address or a DNS name such as 127.0.0.1 or runner.example.com" })
  .meta({ title: "host", "x-format": "an IPv4 address or a lower-case DNS name (RFC 1123)" });

/** A Kubernetes label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedKey(k: string): boolean {
  const slash = k.lastIndexOf("/");
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && !DNS_SUBDOMAIN.test(prefix)) return false;
  return name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

export const annotationKey = z
  .string()
  .refine(isQualifiedKey, { error: "must be a Kubernetes annotation key: an optional DNS prefix and '/', then 1-63 letters, digits, '-', '_' or '.', such as service.beta.kubernetes.io/aws-load-balancer-type" })
  .meta({ title: "annotation key", "x-format": "a Kubernetes annotation key (prefix/name)" });

/** Text shown to people (names): no control characters, so no escape sequence reaches a terminal or a page. */
export const displayText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max, { error: `must be at most ${max} characters` })
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .refine((t) => !/[\u0000-\u001f\u007f-\u009f]/.test(t), { error: "must not contain control characters (escape sequences, newlines)" });

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
