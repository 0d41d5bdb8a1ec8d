import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { noOpenAdminPorts } from "./aws-security-groups";

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
