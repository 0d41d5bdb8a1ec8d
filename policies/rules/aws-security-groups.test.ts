import { check, checkStack, FakeResource } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { noOpenAdminPorts, noWorldIngress } from "./aws-security-groups";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

describe("aws-sg-no-open-admin-ports", () => {
  it("accepts HTTPS from anywhere and SSH from the VPC", async () => {
    const sg = {
      ingress: [
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.40.0.0/16"] },
      ],
    };
    expect(await check(noOpenAdminPorts, SG, sg)).toEqual([]);
    expect(await check(noOpenAdminPorts, INGRESS, { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" })).toEqual([]);
  });
  it("reports SSH, all ports and all protocols open to the world", async () => {
    const sg = {
      ingress: [
        { protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] },
        { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] },
      ],
    };
    expect(await check(noOpenAdminPorts, SG, sg)).toEqual([
      "Security group ingress[0] of test opens all TCP ports to 0.0.0.0/0.",
      "Security group ingress[1] of test allows all traffic from ::/0.",
    ]);
    expect(await check(noOpenAdminPorts, RULE, { type: "ingress", protocol: "tcp", fromPort: 20, toPort: 25, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" })).toEqual([
      "Security group rule of test opens port 22 to 0.0.0.0/0.",
    ]);
    expect(await check(noOpenAdminPorts, INGRESS, { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv6: "::/0" })).toEqual(["Security group rule of test allows all traffic from ::/0."]);
  });
  it("checks the VPC's default security group too", async () => {
    const open = { vpcId: "vpc-1", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] };
    expect(await check(noOpenAdminPorts, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", open)).toEqual(["Security group ingress[0] of test allows all traffic from 0.0.0.0/0."]);
    expect(await check(noOpenAdminPorts, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "vpc-1" })).toEqual([]);
  });
  it("ignores egress rules and unknown ports", async () => {
    expect(await check(noOpenAdminPorts, RULE, { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] })).toEqual([]);
    expect(await check(noOpenAdminPorts, INGRESS, { ipProtocol: "tcp", fromPort: UNKNOWN, toPort: UNKNOWN, cidrIpv4: "0.0.0.0/0" })).toEqual([]);
  });
});

describe("aws-sg-no-world-ingress", () => {
  const group = (name: string, ingress: unknown): FakeResource => ({ type: SG, name, props: { name, vpcId: "vpc-1", ingress } });
  const https = { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] };
  it("accepts ingress from private ranges and other groups", async () => {
    const internal = group("internal", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }, { protocol: "-1", fromPort: 0, toPort: 0, securityGroups: ["sg-2"] }]);
    const rule: FakeResource = { type: INGRESS, name: "from-vpc", props: { securityGroupId: "internal-id", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.40.0.0/16" } };
    expect(await checkStack(noWorldIngress, [internal, rule])).toEqual([]);
  });
  it("reports ingress from the whole internet on any port, in every form", async () => {
    const res: FakeResource[] = [
      group("web", [https, { protocol: "tcp", fromPort: 80, toPort: 80, ipv6CidrBlocks: ["::/0"] }]),
      { type: RULE, name: "https-rule", props: { type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "web-id" } },
      { type: INGRESS, name: "wide", props: { securityGroupId: "sg-9", ipProtocol: "udp", fromPort: 53, toPort: 53, cidrIpv4: "0.0.0.0/1" } },
      { type: RULE, name: "out", props: { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "web-id" } },
    ];
    expect(await checkStack(noWorldIngress, res)).toEqual([
      ["Security group web allows ingress from the whole internet: ingress[0] from 0.0.0.0/0; ingress[1] from ::/0.", "web"],
      ["Security group rule https-rule (group web) allows ingress from the whole internet: 0.0.0.0/0.", "https-rule"],
      ["Security group rule wide allows ingress from the whole internet: 0.0.0.0/1.", "wide"],
    ]);
  });
  it("spares a security group an exemption names, with its rules, and nothing else", async () => {
    const cfg = { exemptions: [{ kind: "SecurityGroup", name: "edge", reason: "the public load balancer of the web front end" }] };
    const res: FakeResource[] = [
      group("edge", [https]),
      { type: INGRESS, name: "edge-https", props: { securityGroupId: "edge-id", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" } },
      group("db", [https]),
    ];
    expect(await checkStack(noWorldIngress, res, cfg)).toEqual([["Security group db allows ingress from the whole internet: ingress[0] from 0.0.0.0/0.", "db"]]);
  });
  it("does not judge unknown CIDRs", async () => {
    expect(await checkStack(noWorldIngress, [group("x", [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: UNKNOWN }])])).toEqual([]);
    expect(await checkStack(noWorldIngress, [{ type: INGRESS, name: "r", props: { ipProtocol: "tcp", cidrIpv4: UNKNOWN } }])).toEqual([]);
  });
});
