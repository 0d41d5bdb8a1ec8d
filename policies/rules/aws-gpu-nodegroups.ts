// Cost guards: GPU capacity in total cannot pass the environment's budget, and no node group is unbounded.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { isAcceleratedInstance } from "./lib/instances";
import { typesScope, validateStackOf, validateTypes } from "./lib/rule";
import { StackResource } from "./lib/stack";
import { at, isUnknown, num, Obj, str, strings } from "./lib/values";

const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/**
 * The instance types a node group launches: its own `instanceTypes`, else the instanceType of the
 * launch template it names (matched by the template's id, name or Pulumi name), else EKS's default
 * (t3.medium). undefined when that is not known yet.
 */
export function instanceTypesOf(nodeGroup: Obj, launchTemplates: StackResource[]): string[] | undefined {
  const own = strings(nodeGroup["instanceTypes"]);
  if (own.unknown) return undefined;
  if (own.values.length > 0) return own.values;
  const lt = nodeGroup["launchTemplate"];
  if (isUnknown(lt)) return undefined;
  const ref = [at(lt, "id"), at(lt, "name")];
  if (ref.some(isUnknown)) return undefined;
  const wanted = ref.map(str).filter((v): v is string => v !== undefined);
  if (wanted.length > 0) {
    const template = launchTemplates.find((t) => [str(t.props["name"]), t.name, `${t.name}-id`].some((v) => v !== undefined && wanted.includes(v)));
    // A template that is not in the stack (or not matched): its instance type is not known here.
    if (!template) return undefined;
    const type = template.props["instanceType"];
    if (isUnknown(type)) return undefined;
    if (str(type)) return [str(type) as string];
  }
  return ["t3.medium"];
}

const capDefaults = { maxGpuNodes: 4 };

export const gpuNodeGroupCap: StackValidationPolicy = {
  name: "gpu-nodegroup-max-size",
  description:
    "GPU capacity is capped per environment: the scalingConfig.maxSize of all GPU node groups together must not exceed maxGpuNodes. A node group is GPU capacity when any of its instance types is an accelerated family (p*, g*, gr*, inf*, trn*, dl*, f*, vt*), whatever its AMI, labels or taints.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Lower scalingConfig.maxSize of the GPU node groups so that together they stay within maxGpuNodes, or raise the GPU pools' maxSize in the stack config (the cap is their sum) with the budget owner's approval; GPU instances belong in the stack's gpuPools, not in other node groups.",
  configSchema: schemaWithDefaults(capDefaults, {
    maxGpuNodes: { type: "integer", minimum: 0, description: "Most GPU nodes all GPU node groups together may scale to in this environment." },
  }),
  validateStack: validateStackOf(typesScope([NODE_GROUP]), capDefaults, (resources, cfg, _args, report) => {
    const templates = resources.filter((r) => r.type === LAUNCH_TEMPLATE);
    const groups: string[] = [];
    let total = 0;
    for (const r of resources) {
      if (r.type !== NODE_GROUP) continue;
      const types = instanceTypesOf(r.props, templates);
      // An undecided group may be GPU capacity: no verdict on the total then (no false violation).
      if (types === undefined) return;
      const gpu = types.filter(isAcceleratedInstance);
      if (gpu.length === 0) continue;
      const max = at(r.props, "scalingConfig", "maxSize");
      if (isUnknown(max)) return;
      const n = num(max) ?? 0;
      total += n;
      groups.push(`${r.name} ${n} (${gpu.join(", ")})`);
    }
    if (total > cfg.maxGpuNodes) report(`GPU node groups can scale to ${total} nodes in total, over the cap of ${cfg.maxGpuNodes}: ${groups.join(", ")}.`);
  }),
};

/**
 * Default for `maxNodesPerGroup`: 50 nodes is more than five times the largest group the shipped
 * stacks declare (prod's system group, 9) and far below EKS's 450, so growth fits and a typo or a
 * runaway autoscaling bound (10000) does not.
 */
const DEFAULT_MAX_NODES_PER_GROUP = 50;

const groupDefaults = { maxNodesPerGroup: DEFAULT_MAX_NODES_PER_GROUP };

export const nodeGroupMaxSize: ResourceValidationPolicy = {
  name: "aws-nodegroup-max-size",
  description: "Every EKS node group, GPU or not, caps scalingConfig.maxSize at maxNodesPerGroup, so no group can scale without bound.",
  enforcementLevel: "mandatory",
  remediationSteps: "Lower the node group's scalingConfig.maxSize (systemNodes.maxSize or the pool's maxSize in the stack config), or raise maxNodesPerGroup in the stack's policy file after review of what the group may cost.",
  configSchema: schemaWithDefaults(groupDefaults, {
    maxNodesPerGroup: { type: "integer", minimum: 1, description: "Largest maxSize any node group may have." },
  }),
  validateResource: validateTypes([NODE_GROUP], groupDefaults, (props, cfg, args, report) => {
    const max = at(props, "scalingConfig", "maxSize");
    if (isUnknown(max)) return;
    const n = num(max);
    if (n !== undefined && n > cfg.maxNodesPerGroup) report(`Node group ${args.name} can scale to ${n} nodes; no node group may have more than ${cfg.maxNodesPerGroup}.`);
  }),
};
