// A managed node group of NVIDIA GPU nodes: tainted so only GPU workloads land there, labelled for selection.
import * as eks from "@pulumi/aws/eks";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../lib/naming";
import { sizesProblem } from "../lib/sizes";
import { capacityType, nodeLaunchTemplate } from "./nodes";

/** The taint every GPU node carries; GPU workloads tolerate it, nothing else lands on GPU nodes. */
export const GPU_TAINT = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } as const;
/** Node labels GPU workloads select on. */
export const GPU_POOL_LABEL = "ods.io/gpu-pool";
export const GPU_TYPE_LABEL = "ods.io/gpu-type";
export const ACCELERATOR_LABEL = "ods.io/accelerator";

/** What a GPU pool is made of (the stack config's `infra.gpuPools[]` entries have this shape). */
export interface GpuPoolSpec {
  /** Pool name (`ods.io/gpu-pool` label value). */
  name: string;
  /** GPU model (`ods.io/gpu-type` label value), e.g. "l40s". */
  gpuType: string;
  instanceTypes: string[];
  capacityType: "spot" | "on-demand";
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Root volume size in GiB (encrypted gp3). */
  diskSizeGiB: number;
}

export interface GpuNodePoolArgs {
  environment: string;
  clusterName: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  pool: GpuPoolSpec;
}

/** Node labels of a pool. */
export function gpuPoolLabels(poolName: string, gpuType: string): Record<string, string> {
  return { [GPU_POOL_LABEL]: poolName, [GPU_TYPE_LABEL]: gpuType, [ACCELERATOR_LABEL]: "nvidia" };
}

/** Checks args a caller could get wrong without the config schema in front of it; throws naming the argument. */
export function checkGpuNodePoolArgs(name: string, args: GpuNodePoolArgs): void {
  const problems: string[] = [];
  const p = args.pool;
  if (p.instanceTypes.length === 0) problems.push("instanceTypes is empty; allowed: at least one GPU instance type");
  const sizes = sizesProblem(p);
  if (sizes) problems.push(sizes);
  if (p.diskSizeGiB < 50) problems.push(`diskSizeGiB ${p.diskSizeGiB}; allowed: >= 50`);
  if (problems.length > 0) throw new Error(`GpuNodePool ${name}: ${problems.join("; ")}`);
}

export class GpuNodePool extends pulumi.ComponentResource {
  readonly nodeGroupName: pulumi.Output<string>;
  readonly labels: Record<string, string>;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    checkGpuNodePoolArgs(name, args);
    super("ods:infra:GpuNodePool", name, {}, opts);
    const p = args.pool;
    const tags = awsTags(args.environment, "gpu-pool", { "ods:gpu-pool": p.name, "ods:gpu-type": p.gpuType });
    this.labels = gpuPoolLabels(p.name, p.gpuType);

    const template = nodeLaunchTemplate(`${name}-lt`, { diskSizeGiB: p.diskSizeGiB, tags }, this);
    const group = new eks.NodeGroup(`${name}-ng`, {
      clusterName: args.clusterName,
      nodeRoleArn: args.nodeRoleArn,
      subnetIds: args.subnetIds,
      // The NVIDIA AMI ships the driver and the container toolkit, so the GPU operator leaves both off.
      amiType: "AL2023_x86_64_NVIDIA",
      capacityType: capacityType(p.capacityType),
      instanceTypes: p.instanceTypes,
      scalingConfig: { minSize: p.minSize, desiredSize: p.desiredSize, maxSize: p.maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
      labels: this.labels,
      taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NO_SCHEDULE" }],
      tags,
    }, { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] });

    this.nodeGroupName = group.nodeGroupName;
    this.registerOutputs({ nodeGroupName: this.nodeGroupName, labels: this.labels });
  }
}
