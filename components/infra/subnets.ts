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

/**
 * Splits the VPC into 8 equal blocks: private subnet i is block i (an eighth of the VPC each, because
 * the VPC CNI gives every pod a VPC address), public subnets are eighths of the last block (they hold
 * only load balancers and NAT gateways). A /16 gives /19 private and /22 public subnets.
 */
export function subnetLayout(vpcCidr: string, azs: readonly string[]): SubnetLayout[] {
  const [base, bitsText] = vpcCidr.split("/");
  const bits = Number(bitsText);
  if (bits < 16 || bits > 20) {
    throw new Error(`ods:aws.vpcCidr = ${JSON.stringify(vpcCidr)}: prefix /${bits} is not supported; allowed: /16 to /20`);
  }
  if (azs.length > MAX_AZS) {
    throw new Error(`ods:aws.availabilityZones: ${azs.length} zones given; allowed: at most ${MAX_AZS}`);
  }
  const start = ipToInt(base);
  const size = 2 ** (32 - bits);
  if (start % size !== 0) {
    throw new Error(`ods:aws.vpcCidr = ${JSON.stringify(vpcCidr)}: host bits are set; allowed: a network address such as ${intToIp(start - (start % size))}/${bits}`);
  }
  const block = size / 8;
  const publicSize = block / 8;
  return azs.map((az, i) => ({
    az,
    privateCidr: `${intToIp(start + i * block)}/${bits + 3}`,
    publicCidr: `${intToIp(start + 7 * block + i * publicSize)}/${bits + 6}`,
  }));
}
