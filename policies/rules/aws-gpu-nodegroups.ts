// Cost guard: GPU node groups cannot scale past a per-environment cap.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
import { at, isRecord, isUnknown, num, Obj, records, str } from "./lib/values";

const defaults = { maxGpuNodes: 4 };

/** GPU node groups: an NVIDIA/GPU AMI, a GPU label, or the nvidia.com/gpu taint. */
export function isGpuNodeGroup(props: Obj): boolean {
  const ami = str(props["amiType"]) ?? "";
  if (/NVIDIA|GPU/i.test(ami)) return true;
  const labels = props["labels"];
  if (isRecord(labels) && Object.keys(labels).some((k) => k.startsWith("nvidia.com/gpu") || /(^|[./-])gpu([./-]|$)/i.test(k))) return true;
  return records(props["taints"]).some((t) => str(t["key"]) === "nvidia.com/gpu");
}

export const gpuNodeGroupCap: ResourceValidationPolicy = {
  name: "gpu-nodegroup-max-size",
  description: "GPU node groups (NVIDIA/GPU AMI, GPU label or nvidia.com/gpu taint) must cap scalingConfig.maxSize at the environment's maxGpuNodes.",
  enforcementLevel: "mandatory",
  remediationSteps: "Lower scalingConfig.maxSize of the GPU node group to at most maxGpuNodes, or raise the GPU pools' maxSize in the stack config (the cap is their sum) with the budget owner's approval.",
  configSchema: schemaWithDefaults(defaults, {
    maxGpuNodes: { type: "integer", minimum: 0, description: "Largest maxSize a GPU node group may have in this environment." },
  }),
  validateResource: validateTypes(["aws:eks/nodeGroup:NodeGroup"], defaults, (props, cfg, args, report) => {
    if (!isGpuNodeGroup(props)) return;
    const max = at(props, "scalingConfig", "maxSize");
    if (isUnknown(max)) return;
    const n = num(max);
    if (n !== undefined && n > cfg.maxGpuNodes) report(`GPU node group ${args.name} can scale to ${n} nodes; the cap here is ${cfg.maxGpuNodes}.`);
  }),
};
