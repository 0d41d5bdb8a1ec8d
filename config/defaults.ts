// Pure derivations from validated config: GPU capacity, per-layer namespace settings.
import { Layer, LAYERS, LimitRangeConfig, OdsConfig, QuotaConfig } from "./schema";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface NamespaceSettings {
  layer: Layer;
  /** Kubernetes namespace name, `<prefix>-<layer>`. */
  name: string;
  /** Pod Security Admission level enforced on the namespace. */
  podSecurity: PodSecurityLevel;
  /** Why the level is lower than restricted (shown as an annotation), if it is. */
  podSecurityReason?: string;
  quota: Required<Pick<QuotaConfig, "requestsCpu" | "requestsMemory" | "limitsMemory" | "gpus" | "pods">> & QuotaConfig;
  limitRange: Required<Pick<LimitRangeConfig, "defaultRequestCpu" | "defaultRequestMemory" | "defaultLimitMemory">> & LimitRangeConfig;
}

/**
 * GPUs the cluster can offer at full scale, as `nvidia.com/gpu` resources: the sum over the pools of
 * maxSize x gpusPerNode (or the existing cluster's count), times the time-slicing replicas.
 */
export function gpuCapacity(cfg: OdsConfig): number {
  const physical =
    cfg.kind === "aws"
      ? cfg.gpuPools.reduce((sum, p) => sum + p.maxSize * p.gpusPerNode, 0)
      : (cfg.existingCluster?.gpus ?? 0);
  return physical * cfg.gpuOperator.timeSlicingReplicas;
}

/** Whether the GPU operator is installed: explicit config, else whenever the cluster has GPUs. */
export function gpuOperatorEnabled(cfg: OdsConfig): boolean {
  return cfg.gpuOperator.enabled ?? gpuCapacity(cfg) > 0;
}

/** Layers whose workloads may hold GPUs by default: model serving, and the operator's own validator. */
const GPU_LAYERS: readonly Layer[] = ["model", "gpu"];

const BASE_QUOTAS: Record<Layer, Omit<NamespaceSettings["quota"], "gpus">> = {
  infra: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 50 },
  gpu: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 200 },
  data: { requestsCpu: "16", requestsMemory: "64Gi", limitsMemory: "128Gi", pods: 100, persistentVolumeClaims: 50 },
  model: { requestsCpu: "32", requestsMemory: "256Gi", limitsMemory: "512Gi", pods: 50, persistentVolumeClaims: 20 },
  apps: { requestsCpu: "16", requestsMemory: "32Gi", limitsMemory: "64Gi", pods: 100 },
  identity: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 30 },
  observability: { requestsCpu: "8", requestsMemory: "32Gi", limitsMemory: "64Gi", pods: 50, persistentVolumeClaims: 10 },
};

const BASE_LIMIT_RANGE: NamespaceSettings["limitRange"] = {
  defaultRequestCpu: "100m",
  defaultRequestMemory: "128Mi",
  defaultLimitMemory: "512Mi",
};

/** Pod Security levels below restricted, each with the reason a reviewer needs. */
const POD_SECURITY_EXCEPTIONS: Partial<Record<Layer, { level: PodSecurityLevel; reason: string }>> = {
  gpu: {
    level: "privileged",
    reason: "The NVIDIA GPU operator's DaemonSets (device plugin, DCGM exporter, validator, feature discovery) need privileged containers and host paths to manage GPUs on the node.",
  },
};

/** The namespace of every layer, with defaults merged under the stack's overrides. */
export function namespacePlan(cfg: OdsConfig): NamespaceSettings[] {
  const gpus = gpuCapacity(cfg);
  return LAYERS.map((layer) => {
    const override = cfg.namespaces[layer] ?? {};
    const exception = POD_SECURITY_EXCEPTIONS[layer];
    return {
      layer,
      name: `${cfg.namePrefix}-${layer}`,
      podSecurity: exception?.level ?? "restricted",
      ...(exception ? { podSecurityReason: exception.reason } : {}),
      quota: { ...BASE_QUOTAS[layer], gpus: GPU_LAYERS.includes(layer) ? gpus : 0, ...stripUndefined(override.quota ?? {}) },
      limitRange: { ...BASE_LIMIT_RANGE, ...stripUndefined(override.limitRange ?? {}) },
    };
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
