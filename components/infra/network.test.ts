import { get, ofType, one, record } from "../../test/harness";
import { Network, NetworkArgs } from "./network";

const args = (over: Partial<NetworkArgs> = {}): NetworkArgs => ({
  environment: "prod",
  clusterName: "ods-prod",
  vpcCidr: "10.40.0.0/16",
  availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"],
  natGateways: "perAz",
  ...over,
});

test("one private and one public subnet per zone, all children parented to the component", async () => {
  const rs = await record(() => new Network("net", args()));
  const subnets = ofType(rs, "aws:ec2/subnet:Subnet");
  expect(subnets.map((s) => [get(s, "availabilityZone"), get(s, "cidrBlock")])).toEqual(
    expect.arrayContaining([
      ["us-east-1a", "10.40.0.0/19"],
      ["us-east-1b", "10.40.32.0/19"],
      ["us-east-1c", "10.40.64.0/19"],
      ["us-east-1a", "10.40.224.0/22"],
    ]),
  );
  expect(subnets).toHaveLength(6);
  expect(subnets.every((s) => get(s, "mapPublicIpOnLaunch") === false)).toBe(true);
  const privateSubnets = subnets.filter((s) => (get(s, "tags") as Record<string, string>)["kubernetes.io/role/internal-elb"] === "1");
  expect(privateSubnets).toHaveLength(3);
  expect(privateSubnets.every((s) => (get(s, "tags") as Record<string, string>)["kubernetes.io/cluster/ods-prod"] === "shared")).toBe(true);
  expect(rs.filter((r) => r.type !== "ods:infra:Network").every((r) => r.parent === "net")).toBe(true);
  expect(rs.every((r) => r.name.startsWith("net"))).toBe(true);
});

test("perAz: a NAT gateway per zone, each private route table uses its own", async () => {
  const rs = await record(() => new Network("net", args()));
  expect(ofType(rs, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
  const privateRoutes = ofType(rs, "aws:ec2/route:Route").filter((r) => get(r, "natGatewayId") !== undefined);
  expect(new Set(privateRoutes.map((r) => get(r, "natGatewayId"))).size).toBe(3);
});

test("single: one NAT gateway shared by every private route table", async () => {
  const rs = await record(() => new Network("net", args({ natGateways: "single", availabilityZones: ["us-east-1a", "us-east-1b"] })));
  expect(ofType(rs, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
  expect(ofType(rs, "aws:ec2/eip:Eip")).toHaveLength(1);
  const privateRoutes = ofType(rs, "aws:ec2/route:Route").filter((r) => get(r, "natGatewayId") !== undefined);
  expect(privateRoutes.map((r) => get(r, "natGatewayId"))).toEqual(["net-nat-us-east-1a-id", "net-nat-us-east-1a-id"]);
});

test("the default security group is locked down (no rules)", async () => {
  const rs = await record(() => new Network("net", args()));
  const sg = one(rs, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
  expect(get(sg, "ingress")).toBeUndefined();
  expect(get(sg, "egress")).toBeUndefined();
});

test("a bad CIDR fails before any child is declared", async () => {
  const rs: unknown[] = [];
  await expect(record(() => rs.push(new Network("net", args({ vpcCidr: "10.0.0.0/24" }))))).rejects.toThrow("prefix /24 is not supported");
});
