// Pure subnet layout: one private and one public subnet per availability zone, carved from the VPC CIDR.

export interface SubnetLayout {
  az: string;
  privateCidr: string;
  publicCidr: string;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Largest number of AZs the layout supports (private subnets take 6 of 8 blocks, public share the last). */
export const MAX_AZS = 6;

export interface LayoutProblem {
  key: "vpcCidr" | "availabilityZones";
  message: string;
}

/** What keeps a VPC CIDR and zone list from being laid out (empty when subnetLayout will succeed). */
export function subnetLayoutProblems(vpcCidr: string, azs: readonly string[]): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  const [base, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText);
  if (!(bits >= 16 && bits <= 20)) {
    problems.push({ key: "vpcCidr", message: `prefix /${bitsText} is not supported; allowed: /16 to /20 (private subnets are an eighth of the VPC each, public ones a 64th)` });
  } else {
    const start = ipToInt(base);
    const size = 2 ** (32 - bits);
    if (start % size !== 0) problems.push({ key: "vpcCidr", message: `host bits are set; allowed: a network address such as ${intToIp(start - (start % size))}/${bits}` });
  }
  if (azs.length > MAX_AZS) problems.push({ key: "availabilityZones", message: `${azs.length} zones given; allowed: at most ${MAX_AZS}` });
  return problems;
}

/**
 * Splits the VPC into 8 equal blocks: private subnet i is block i (an eighth of the VPC each, because
 * the VPC CNI gives every pod a VPC address), public subnets are eighths of the last block (they hold
 * only load balancers and NAT gateways). A /16 gives /19 private and /22 public subnets.
 */
export function subnetLayout(vpcCidr: string, azs: readonly string[]): SubnetLayout[] {
  const problems = subnetLayoutProblems(vpcCidr, azs);
  if (problems.length > 0) throw new Error(`subnet layout of ${vpcCidr} over ${azs.length} zones: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
  const [base, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText);
  const start = ipToInt(base);
  const block = 2 ** (32 - bits) / 8;
  const publicSize = block / 8;
  return azs.map((az, i) => ({
    az,
    privateCidr: `${intToIp(start + i * block)}/${bits + 3}`,
    publicCidr: `${intToIp(start + 7 * block + i * publicSize)}/${bits + 6}`,
  }));
}
