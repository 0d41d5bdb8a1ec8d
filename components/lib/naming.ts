// Names and labels shared by every component.
import { createHash } from "crypto";

const DNS_1123_MAX = 63;

/**
 * A DNS-1123 label made from parts: lower-cased, invalid characters replaced by '-', and when longer
 * than 63 characters, cut and suffixed with a short hash so distinct inputs stay distinct.
 */
export function k8sName(...parts: string[]): string {
  const joined = parts
    .filter((p) => p.length > 0)
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (joined.length === 0) throw new Error(`k8sName: no usable characters in ${JSON.stringify(parts)}`);
  if (joined.length <= DNS_1123_MAX) return joined;
  const hash = createHash("sha256").update(joined).digest("hex").slice(0, 8);
  return `${joined.slice(0, DNS_1123_MAX - 9).replace(/-+$/, "")}-${hash}`;
}

export const PART_OF = "one-data-studio";

/** The recommended `app.kubernetes.io/*` labels. */
export function standardLabels(app: string, instance: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": app,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** AWS tags every cloud resource carries. */
export function awsTags(environment: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "ods:environment": environment, "ods:component": component, "app.kubernetes.io/part-of": PART_OF, "managed-by": "pulumi", ...extra };
}

/** `<prefix>-<environment>`: the stem of every top-level resource name and of the EKS cluster's name. */
export function baseName(platform: { namePrefix: string; environment: string }): string {
  return `${platform.namePrefix}-${platform.environment}`;
}

/** The namespace of a layer: `<prefix>-<layer>`. */
export function namespaceName(prefix: string, layer: string): string {
  return `${prefix}-${layer}`;
}
