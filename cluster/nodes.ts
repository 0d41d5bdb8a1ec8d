// Fake nodes shaped like a stack's node groups: the plan's EKS node groups (instance type's CPU,
// memory and GPUs, labels, taints, desired size), or an existing cluster's nodes as its config
// describes them. kwok keeps them Ready and runs their pods as nothing.
import { quantityValue } from "../components/lib/quantity";
import type { OdsConfig } from "../config/schema";
import { nvidiaGpusOf, instanceShapeOf } from "../policies/rules/lib/instances";
import type { RecordedResource } from "../plan/types";
import type { KubeObject } from "./kubeClient";

export interface NodeShape {
  /** Node name. */
  name: string;
  /** Node group (or "existing"). */
  group: string;
  instanceType?: string;
  /** Millicores pods may request. */
  cpuMilli: number;
  /** Bytes pods may request. */
  memoryBytes: number;
  gpus: number;
  pods: number;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Pods per node: the VPC CNI's limit without prefix delegation (58 up to 2xlarge), capped at 110 above. */
function maxPodsOf(instanceType: string): number {
  const size = instanceType.split(".")[1] ?? "";
  return /^(large|xlarge|2xlarge)$/.test(size) ? 58 : 110;
}

/** What the kubelet leaves to pods on an EKS node: kube-reserved CPU by the EKS tiers, 255Mi + 11Mi per pod of memory, 100Mi eviction threshold. */
export function eksAllocatable(instanceType: string): { cpuMilli: number; memoryBytes: number; pods: number } | undefined {
  const shape = instanceShapeOf(instanceType);
  if (!shape) return undefined;
  const cores = shape.vcpu;
  const reservedMilli = 60 + (cores > 1 ? 10 : 0) + Math.min(Math.max(cores - 2, 0), 2) * 5 + Math.max(cores - 4, 0) * 2.5;
  const pods = maxPodsOf(instanceType);
  return { cpuMilli: Math.floor(cores * 1000 - reservedMilli), memoryBytes: shape.memoryGiB * GiB - (255 + 11 * pods) * MiB - 100 * MiB, pods };
}

const EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/**
 * One shape per node: each EKS node group of the plan at its desired size (its first, smallest listed
 * instance type), spread over the stack's availability zones; or, for an existing cluster, the nodes
 * its config describes.
 */
export function nodeShapes(resources: readonly RecordedResource[], config: OdsConfig): NodeShape[] {
  const shapes: NodeShape[] = [];
  const aws = config.infra.aws;
  const existing = config.infra.kind === "existing" ? config.infra.existingCluster : undefined;
  const zones = aws?.availabilityZones ?? ["local-a"];
  const groups = resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
  for (const g of groups) {
    const i = g.inputs as { instanceTypes?: string[]; scalingConfig?: { desiredSize?: number }; labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] | null };
    const type = i.instanceTypes?.[0];
    if (!type) throw new Error(`node group ${g.name} has no instance type`);
    const alloc = eksAllocatable(type);
    if (!alloc) throw new Error(`node group ${g.name}: the shape of ${type} is not known (policies/rules/lib/instances.ts lists the known ones)`);
    const desired = i.scalingConfig?.desiredSize ?? 0;
    const gpus = nvidiaGpusOf(type) ?? 0;
    for (let n = 0; n < desired; n++) {
      const zone = zones[n % zones.length];
      const name = `${g.name}-${n}`;
      shapes.push({
        name,
        group: g.name,
        instanceType: type,
        ...alloc,
        gpus,
        labels: {
          ...(i.labels ?? {}),
          "eks.amazonaws.com/nodegroup": g.name,
          "node.kubernetes.io/instance-type": type,
          "topology.kubernetes.io/zone": zone,
          "topology.kubernetes.io/region": aws?.region ?? "local",
          ...(gpus > 0 ? { "nvidia.com/gpu.present": "true" } : {}),
        },
        taints: (i.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: EFFECTS[t.effect] ?? t.effect })),
      });
    }
  }
  if (existing) {
    const { count, cpu, memory } = existing.nodes;
    const gpus = existing.gpus;
    for (let n = 0; n < count; n++) {
      shapes.push({
        name: `existing-${n}`,
        group: "existing",
        cpuMilli: Math.floor(quantity(cpu) * 1000),
        memoryBytes: quantity(memory),
        gpus: Math.floor(gpus / count) + (n < gpus % count ? 1 : 0),
        pods: 110,
        labels: { "topology.kubernetes.io/zone": zones[0], ...(gpus > 0 ? { "nvidia.com/gpu.present": "true" } : {}) },
        taints: [],
      });
    }
  }
  return shapes;
}

/** A Kubernetes quantity as a number (cores for CPU, bytes for memory); throws on a value that is not one. */
export function quantity(q: string | number): number {
  if (typeof q === "number") return q;
  const v = quantityValue(q);
  if (v === undefined) throw new Error(`not a quantity: ${JSON.stringify(q)}`);
  return v;
}

/** The Node object kwok will manage (annotation kwok.x-k8s.io/node=fake) and its status. */
export function nodeObject(s: NodeShape): { node: KubeObject; status: Record<string, unknown> } {
  const resources: Record<string, string> = { cpu: `${s.cpuMilli}m`, memory: String(s.memoryBytes), pods: String(s.pods), "ephemeral-storage": "100Gi" };
  if (s.gpus > 0) resources["nvidia.com/gpu"] = String(s.gpus);
  return {
    node: {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: s.name,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: { ...s.labels, "kubernetes.io/hostname": s.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
      },
      spec: { taints: s.taints.length ? s.taints : undefined },
    },
    status: { capacity: resources, allocatable: resources },
  };
}

/**
 * What an existing cluster brings that the plan relies on without declaring: its StorageClass (kind's
 * `standard` binds a volume once a pod is scheduled). An EKS stack's plan declares its own.
 */
export function clusterProvidedObjects(config: OdsConfig): KubeObject[] {
  const existing = config.infra.kind === "existing" ? config.infra.existingCluster : undefined;
  if (!existing) return [];
  return [
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: existing.storageClass, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ods.local/fake",
      volumeBindingMode: "WaitForFirstConsumer",
      reclaimPolicy: "Delete",
    },
  ];
}
