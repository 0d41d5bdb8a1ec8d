// Security groups never open admin ports or everything to the whole internet.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
import { isUnknown, num, Obj, records, str, strings } from "./lib/values";

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const ALL_PROTOCOLS = new Set(["-1", "all"]);

const defaults = { forbiddenPorts: [22, 3389] };

interface IngressRule {
  where: string;
  protocol: unknown;
  fromPort: unknown;
  toPort: unknown;
  cidrs: unknown[];
}

/** Why an ingress rule open to the world is forbidden, or undefined if it is fine / not known. */
export function openToWorldProblem(rule: IngressRule, forbiddenPorts: number[]): string | undefined {
  const world = rule.cidrs.filter((c) => typeof c === "string" && WORLD.has(c)) as string[];
  if (world.length === 0 || isUnknown(rule.protocol)) return undefined;
  const protocol = String(rule.protocol ?? "").toLowerCase();
  if (ALL_PROTOCOLS.has(protocol)) return `allows all traffic from ${world.join(", ")}`;
  if (protocol !== "tcp" && protocol !== "6") return undefined;
  if (isUnknown(rule.fromPort) || isUnknown(rule.toPort)) return undefined;
  const from = num(rule.fromPort) ?? 0;
  const to = num(rule.toPort) ?? 65535;
  if (from <= 0 && to >= 65535) return `opens all TCP ports to ${world.join(", ")}`;
  const hit = forbiddenPorts.filter((p) => p >= from && p <= to);
  return hit.length > 0 ? `opens port ${hit.join(", ")} to ${world.join(", ")}` : undefined;
}

function ingressRules(type: string, props: Obj): IngressRule[] {
  if (type === "aws:ec2/securityGroup:SecurityGroup" || type === "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup") {
    return records(props["ingress"]).map((r, i) => ({
      where: `ingress[${i}]`,
      protocol: r["protocol"],
      fromPort: r["fromPort"],
      toPort: r["toPort"],
      cidrs: [...strings(r["cidrBlocks"]).values, ...strings(r["ipv6CidrBlocks"]).values],
    }));
  }
  if (type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
    if (str(props["type"]) !== "ingress") return [];
    return [{
      where: "rule",
      protocol: props["protocol"],
      fromPort: props["fromPort"],
      toPort: props["toPort"],
      cidrs: [...strings(props["cidrBlocks"]).values, ...strings(props["ipv6CidrBlocks"]).values],
    }];
  }
  // vpc.SecurityGroupIngressRule: one CIDR per rule; no ports means all ports.
  return [{ where: "rule", protocol: props["ipProtocol"], fromPort: props["fromPort"], toPort: props["toPort"], cidrs: [props["cidrIpv4"], props["cidrIpv6"]] }];
}

export const noOpenAdminPorts: ResourceValidationPolicy = {
  name: "aws-sg-no-open-admin-ports",
  description: "Security groups (the VPC default one included) must not open SSH (22), RDP (3389) or all ports/protocols to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  remediationSteps: "Restrict the source to a VPC CIDR, a prefix list or another security group; use SSM Session Manager instead of SSH to nodes.",
  configSchema: schemaWithDefaults(defaults, {
    forbiddenPorts: { type: "array", items: { type: "integer" }, description: "TCP ports never open to the internet." },
  }),
  validateResource: validateTypes(
    [
      "aws:ec2/securityGroup:SecurityGroup",
      "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ],
    defaults,
    (props, cfg, args, report) => {
      for (const rule of ingressRules(args.type, props)) {
        const problem = openToWorldProblem(rule, cfg.forbiddenPorts);
        if (problem) report(`Security group ${rule.where} of ${args.name} ${problem}.`);
      }
    },
  ),
};
