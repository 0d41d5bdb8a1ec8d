// EC2 instance types: the name format, and which families carry NVIDIA GPUs (and how many per size).
// Shared by the policy pack and the kit's config schema, so "GPU capacity" means the same in both.

/** `<family>.<size>`: m6i.xlarge, p5.48xlarge, g6e.2xlarge, p6-b200.48xlarge, u-6tb1.metal. */
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|metal|[1-9][0-9]*xlarge|xlarge|metal-[0-9]+xl)$/;

export function isInstanceTypeName(name: string): boolean {
  return INSTANCE_TYPE.test(name);
}

export function familyOf(instanceType: string): string {
  return instanceType.split(".")[0];
}

/**
 * x86-64 instance families with NVIDIA GPUs, which the EKS AL2023 NVIDIA AMI supports. Arm (g5g) and
 * AMD (g4ad) GPU families are left out on purpose: the kit's GPU pools use the x86-64 NVIDIA AMI.
 */
export const NVIDIA_GPU_FAMILIES: readonly string[] = ["p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200", "g4dn", "g5", "g6", "g6e", "gr6"];

/** Every family with GPUs or other accelerators of any kind: any of them counts as GPU capacity in a cost cap. */
const ACCELERATED_FAMILY = /^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)/;

/** Whether an instance type (or family) has GPUs or other accelerators, by its family. */
export function isAcceleratedInstance(instanceType: string): boolean {
  return ACCELERATED_FAMILY.test(familyOf(instanceType));
}

/** NVIDIA GPUs per instance, for the sizes whose count is published; undefined for sizes not listed. */
const GPUS: Record<string, number> = {
  "p3.2xlarge": 1, "p3.8xlarge": 4, "p3.16xlarge": 8, "p3dn.24xlarge": 8,
  "p4d.24xlarge": 8, "p4de.24xlarge": 8,
  "p5.4xlarge": 1, "p5.48xlarge": 8, "p5e.48xlarge": 8, "p5en.48xlarge": 8, "p6-b200.48xlarge": 8,
  "g4dn.xlarge": 1, "g4dn.2xlarge": 1, "g4dn.4xlarge": 1, "g4dn.8xlarge": 1, "g4dn.16xlarge": 1, "g4dn.12xlarge": 4, "g4dn.metal": 8,
  "g5.xlarge": 1, "g5.2xlarge": 1, "g5.4xlarge": 1, "g5.8xlarge": 1, "g5.16xlarge": 1, "g5.12xlarge": 4, "g5.24xlarge": 4, "g5.48xlarge": 8,
  "g6.xlarge": 1, "g6.2xlarge": 1, "g6.4xlarge": 1, "g6.8xlarge": 1, "g6.16xlarge": 1, "g6.12xlarge": 4, "g6.24xlarge": 4, "g6.48xlarge": 8,
  "g6e.xlarge": 1, "g6e.2xlarge": 1, "g6e.4xlarge": 1, "g6e.8xlarge": 1, "g6e.16xlarge": 1, "g6e.12xlarge": 4, "g6e.24xlarge": 4, "g6e.48xlarge": 8,
  "gr6.4xlarge": 1, "gr6.8xlarge": 1,
};

export function nvidiaGpusOf(instanceType: string): number | undefined {
  return GPUS[instanceType];
}

/** vCPUs and memory (GiB) of the NVIDIA GPU sizes above, as AWS publishes them. */
const SHAPES: Record<string, { vcpu: number; memoryGiB: number }> = {
  "p3.2xlarge": { vcpu: 8, memoryGiB: 61 }, "p3.8xlarge": { vcpu: 32, memoryGiB: 244 }, "p3.16xlarge": { vcpu: 64, memoryGiB: 488 }, "p3dn.24xlarge": { vcpu: 96, memoryGiB: 768 },
  "p4d.24xlarge": { vcpu: 96, memoryGiB: 1152 }, "p4de.24xlarge": { vcpu: 96, memoryGiB: 1152 },
  "p5.4xlarge": { vcpu: 16, memoryGiB: 256 }, "p5.48xlarge": { vcpu: 192, memoryGiB: 2048 }, "p5e.48xlarge": { vcpu: 192, memoryGiB: 2048 }, "p5en.48xlarge": { vcpu: 192, memoryGiB: 2048 }, "p6-b200.48xlarge": { vcpu: 192, memoryGiB: 2048 },
  "g4dn.xlarge": { vcpu: 4, memoryGiB: 16 }, "g4dn.2xlarge": { vcpu: 8, memoryGiB: 32 }, "g4dn.4xlarge": { vcpu: 16, memoryGiB: 64 }, "g4dn.8xlarge": { vcpu: 32, memoryGiB: 128 }, "g4dn.16xlarge": { vcpu: 64, memoryGiB: 256 }, "g4dn.12xlarge": { vcpu: 48, memoryGiB: 192 }, "g4dn.metal": { vcpu: 96, memoryGiB: 384 },
  "g5.xlarge": { vcpu: 4, memoryGiB: 16 }, "g5.2xlarge": { vcpu: 8, memoryGiB: 32 }, "g5.4xlarge": { vcpu: 16, memoryGiB: 64 }, "g5.8xlarge": { vcpu: 32, memoryGiB: 128 }, "g5.16xlarge": { vcpu: 64, memoryGiB: 256 }, "g5.12xlarge": { vcpu: 48, memoryGiB: 192 }, "g5.24xlarge": { vcpu: 96, memoryGiB: 384 }, "g5.48xlarge": { vcpu: 192, memoryGiB: 768 },
  "g6.xlarge": { vcpu: 4, memoryGiB: 16 }, "g6.2xlarge": { vcpu: 8, memoryGiB: 32 }, "g6.4xlarge": { vcpu: 16, memoryGiB: 64 }, "g6.8xlarge": { vcpu: 32, memoryGiB: 128 }, "g6.16xlarge": { vcpu: 64, memoryGiB: 256 }, "g6.12xlarge": { vcpu: 48, memoryGiB: 192 }, "g6.24xlarge": { vcpu: 96, memoryGiB: 384 }, "g6.48xlarge": { vcpu: 192, memoryGiB: 768 },
  "g6e.xlarge": { vcpu: 4, memoryGiB: 32 }, "g6e.2xlarge": { vcpu: 8, memoryGiB: 64 }, "g6e.4xlarge": { vcpu: 16, memoryGiB: 128 }, "g6e.8xlarge": { vcpu: 32, memoryGiB: 256 }, "g6e.16xlarge": { vcpu: 64, memoryGiB: 512 }, "g6e.12xlarge": { vcpu: 48, memoryGiB: 384 }, "g6e.24xlarge": { vcpu: 96, memoryGiB: 768 }, "g6e.48xlarge": { vcpu: 192, memoryGiB: 1536 },
  "gr6.4xlarge": { vcpu: 16, memoryGiB: 128 }, "gr6.8xlarge": { vcpu: 32, memoryGiB: 256 },
};

/** GiB of memory per vCPU of the general-purpose (m), compute (c) and memory (r) families AWS sizes uniformly. */
const MEMORY_PER_VCPU: Record<string, number> = { m5: 4, m5a: 4, m6i: 4, m6a: 4, m7i: 4, m7a: 4, c5: 2, c6i: 2, c6a: 2, c7i: 2, r5: 8, r6i: 8, r6a: 8, r7i: 8 };

/** vCPUs of a size of those families: large 2, xlarge 4, <n>xlarge 4n. */
function uniformVcpu(size: string): number | undefined {
  if (size === "large") return 2;
  if (size === "xlarge") return 4;
  const m = /^([1-9][0-9]*)xlarge$/.exec(size);
  return m ? 4 * Number(m[1]) : undefined;
}

/** vCPUs and memory (GiB) of an instance type: the GPU sizes above, and the uniform m, c and r families. */
export function instanceShapeOf(instanceType: string): { vcpu: number; memoryGiB: number } | undefined {
  if (SHAPES[instanceType]) return SHAPES[instanceType];
  const [family, size] = instanceType.split(".");
  const perVcpu = MEMORY_PER_VCPU[family];
  const vcpu = size === undefined ? undefined : uniformVcpu(size);
  return perVcpu !== undefined && vcpu !== undefined ? { vcpu, memoryGiB: vcpu * perVcpu } : undefined;
}

/**
 * What pods can request on a node of this type, roughly: the kubelet's reservations and eviction
 * threshold plus the per-node DaemonSets (CNI, kube-proxy, EBS CSI, the GPU operator's device plugin,
 * DCGM exporter and feature discovery) take about 1 vCPU and 10 % of memory plus 1.5 GiB.
 */
export function podAllocatable(instanceType: string): { cpu: number; memoryGiB: number } | undefined {
  const s = SHAPES[instanceType];
  return s && { cpu: s.vcpu - 1, memoryGiB: s.memoryGiB * 0.9 - 1.5 };
}
