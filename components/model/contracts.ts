// What the model layer's components take and hand on: one served model per ModelServing, the engine
// that serves it (vLLM on GPUs, vLLM's CPU build, or a vLLM simulator), and the model API in front.
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerResources, ObjectStoreAccess } from "../data/contracts";

/** Port every engine serves the OpenAI API, /health and /metrics on (vLLM's default). */
export const ENGINE_PORT = 8000;

/**
 * What serves the model:
 * - `vllm-gpu`: the vllm/vllm-openai image on a GPU pool (requests nvidia.com/gpu, tolerates the taint);
 * - `vllm-cpu`: vLLM's CPU build (no GPU requests), for a small model on a laptop;
 * - `simulator`: llm-d-inference-sim, an OpenAI-compatible vLLM simulator exporting vLLM's metric
 *   names, with configured time-to-first-token and inter-token latency (no weights, no GPU).
 */
export type EngineKind = "vllm-gpu" | "vllm-cpu" | "simulator";

/** A GPU pool as a served model needs it (from the cluster handle's GpuPoolInfo). */
export interface ServingPool {
  name: string;
  gpusPerNode: number;
  nodeSelector: Record<string, string>;
  taint: { key: string; value: string; effect: "NoSchedule" };
}

/**
 * How a Deployment replaces its pods. `Recreate` stops the old pod first (one replica, or a replica
 * that needs a whole node when no spare node exists); `RollingUpdate` with `maxSurge: 0` replaces one
 * replica at a time without asking for GPUs beyond the running ones; `RollingUpdate` with surge (1)
 * only where spare GPUs exist (the stack says so).
 */
export type RolloutStrategy = "Recreate" | "RollingNoSurge" | "RollingSurge";

/** Autoscaling through KEDA's Prometheus scaler on vLLM's own metrics. */
export interface ModelAutoscaling {
  /** Target of `sum(vllm:num_requests_waiting{model_name=...})` per replica. */
  waitingPerReplica: number;
  /** Optional second trigger: average `vllm:kv_cache_usage_perc` (0-1) per replica; undefined = off. */
  kvCacheUsage?: number;
  /** Seconds of lower load before a replica is removed (GPU warm-up is minutes, so keep it long). */
  scaleDownStabilizationSeconds: number;
  /** Seconds between KEDA's queries. */
  pollingIntervalSeconds: number;
  /** Allow 0 replicas when idle (replicas.min must then be 0). */
  scaleToZero: boolean;
  /** Prometheus base URL KEDA queries, e.g. http://prometheus-operated.<ns>.svc:9090. */
  prometheusUrl: pulumi.Input<string>;
}

/** One model to serve, as the validated stack config gives it. */
export interface ServedModel {
  /** Short name, a DNS label: the Kubernetes names derive from it (e.g. `qwen2-5-7b`). */
  name: string;
  /** Hugging Face model id, e.g. `Qwen/Qwen2.5-7B-Instruct`. */
  modelId: string;
  /** Hugging Face revision (commit hash or tag), pinned so a restart serves the same weights. */
  revision: string;
  /** Model name clients send (`model` in the OpenAI request). */
  servedModelName: string;
  /** GPUs per replica (vLLM `--tensor-parallel-size`); 1 on engines without GPUs. */
  tensorParallelSize: number;
  /** `--max-model-len` (tokens). */
  maxModelLen: number;
  /** `--gpu-memory-utilization` (0-1). */
  gpuMemoryUtilization: number;
  /** Further vLLM flags, appended as given (e.g. ["--enable-prefix-caching"]). */
  extraArgs: string[];
  /** Replica range (KEDA's min/max). */
  replicas: { min: number; max: number };
  /** GPU pool name; required for `vllm-gpu`, absent otherwise. */
  pool?: string;
  /** Optional Hugging Face token: a Secret in the model namespace and its key (never the value). */
  hfTokenSecret?: { name: string; key: string };
  resources: ContainerResources;
  rollout: RolloutStrategy;
  /** Size of the weight cache volume of each pod (a Kubernetes quantity, e.g. "40Gi"). */
  cacheSize: string;
}

/** Images of the engines, pinned by tag. */
export interface EngineImages {
  vllmGpu: string;
  vllmCpu: string;
  simulator: string;
  /** S3 client that copies weights between the `models` bucket and a pod's cache: aws-cli v2 (public.ecr.aws/aws-cli/aws-cli). */
  s3Client: string;
}

/** Simulator latencies (only for `simulator`). */
export interface SimulatorSettings {
  timeToFirstTokenMs: number;
  interTokenLatencyMs: number;
}

/** The `models` bucket as the model layer reads and fills it. */
export interface WeightStore {
  endpoint: pulumi.Input<string>;
  region: string;
  pathStyle: boolean;
  bucket: pulumi.Input<string>;
  /** The `model-cache` consumer's access (credentials Secret on MinIO, IAM role on S3). */
  access: ObjectStoreAccess;
  /** Resources to wait for (bucket, user, policy). */
  ready: pulumi.Resource[];
}

/** What a served model hands to the model API and the layers above. */
export interface ServedModelHandle {
  servedModelName: string;
  /** http://<svc>.<ns>.svc.cluster.local:8000 */
  url: pulumi.Output<string>;
  serviceName: pulumi.Output<string>;
}

/**
 * The model layer's API key: a Secret (name and key). vLLM engines read it as VLLM_API_KEY and refuse
 * /v1 requests without it; the router forwards the client's header and uses it for its own calls. The
 * simulator has no key check: only its NetworkPolicy guards it.
 */
export interface ApiKeyRef {
  secretName: pulumi.Input<string>;
  key: string;
}
