// CIDR blocks: which ones open a port or an endpoint to (nearly) the whole internet. Shared by the
// policy pack and the kit's config schema, so "world-open" means the same in both.

/** Whether a CIDR (IPv4 or IPv6) is wider than /8: 0.0.0.0/0, ::/0, 0.0.0.0/1 and the like. */
export function isWorldOpenCidr(cidr: string): boolean {
  const slash = cidr.lastIndexOf("/");
  if (slash < 0) return false;
  const bits = cidr.slice(slash + 1).trim();
  return /^[0-9]+$/.test(bits) && Number(bits) < 8;
}
