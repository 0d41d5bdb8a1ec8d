// Security groups: no admin port or everything open to the whole internet, ever; no ingress from the
// whole internet at all unless an exemption names the security group with a reason.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { isWorldOpenCidr } from "./lib/cidrs";
import { isExempt, typesScope, validateStackOf, validateTypes } from "./lib/rule";
import { refersTo, StackResource } from "./lib/stack";
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

const SECURITY_GROUPS = ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"];
const RULE_TYPES = ["aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"];

/** Values a rule's securityGroupId may hold to point at this group: its name and, offline, its mock id. */
function groupIds(g: StackResource): unknown[] {
  return [g.props["name"], g.name, `${g.name}-id`];
}

const worldDefaults = { exemptions: [] as Exemption[] };

export const noWorldIngress: StackValidationPolicy = {
  name: "aws-sg-no-world-ingress",
  description:
    "No security group ingress from the whole internet (0.0.0.0/0, ::/0 or any CIDR wider than /8) on any port, in SecurityGroup inline rules, SecurityGroupRule (type ingress) or vpc.SecurityGroupIngressRule, unless an exemption names the security group (kind SecurityGroup, its Pulumi name) or the rule with a reason.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Restrict the source to the VPC CIDR, a prefix list or another security group; put public traffic behind a load balancer whose own group is exempted in the policy config with the reason it must face the internet.",
  configSchema: schemaWithDefaults(worldDefaults, { exemptions: exemptionsSchema }),
  validateStack: validateStackOf(typesScope([...SECURITY_GROUPS, ...RULE_TYPES]), worldDefaults, (resources, cfg, _args, report) => {
    const groups = resources.filter((r) => SECURITY_GROUPS.includes(r.type));
    for (const r of resources) {
      if (!SECURITY_GROUPS.includes(r.type) && !RULE_TYPES.includes(r.type)) continue;
      const open = ingressRules(r.type, r.props)
        .map((rule) => ({ where: rule.where, wide: rule.cidrs.filter((c): c is string => typeof c === "string" && !isUnknown(c) && isWorldOpenCidr(c)) }))
        .filter((o) => o.wide.length > 0);
      if (open.length === 0) continue;
      if (SECURITY_GROUPS.includes(r.type)) {
        report(`Security group ${r.name} allows ingress from the whole internet: ${open.map((o) => `${o.where} from ${o.wide.join(", ")}`).join("; ")}.`, r.urn);
        continue;
      }
      // A rule of an exempted group is exempt with it; an undecided reference may be that group.
      const owners = groups.map((g) => ({ g, ref: refersTo(r, "securityGroupId", g, groupIds(g)) }));
      if (owners.some(({ g, ref }) => ref !== false && isExempt(cfg, g.type, g.props, g.name))) continue;
      const owner = owners.find((o) => o.ref === true)?.g;
      report(`Security group rule ${r.name}${owner ? ` (group ${owner.name})` : ""} allows ingress from the whole internet: ${open.flatMap((o) => o.wide).join(", ")}.`, r.urn);
    }
  }),
};

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
