// One served model: its engine's Deployment (vLLM on GPUs, vLLM's CPU build, or llm-d-inference-sim), the
// weight cache filled once from Hugging Face into the `models` bucket and copied from there into each pod,
// Service, ServiceMonitor, NetworkPolicy, PDB where replicated, and a KEDA ScaledObject on vLLM's queue.
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources } from "../data/contracts";
import { namespacePeer, tcpPorts } from "../lib/network";
import { k8sName, standardLabels } from "../lib/naming";
import { quantityValue } from "../lib/quantity";
import {
  ApiKeyRef,
  ENGINE_PORT,
  EngineImages,
  EngineKind,
  ModelAutoscaling,
  RolloutStrategy,
  ServedModel,
  ServedModelHandle,
  ServingPool,
  SimulatorSettings,
  WeightStore,
} from "./contracts";

/** vLLM's metric names this kit uses (listed with their sources in components/observability/metrics.ts); dashboards and alerts share them. */
export const VLLM_METRICS = {
  requestsRunning: "vllm:num_requests_running",
  requestsWaiting: "vllm:num_requests_waiting",
  kvCacheUsage: "vllm:kv_cache_usage_perc",
  timeToFirstToken: "vllm:time_to_first_token_seconds",
  interTokenLatency: "vllm:inter_token_latency_seconds",
  e2eLatency: "vllm:e2e_request_latency_seconds",
  queueTime: "vllm:request_queue_time_seconds",
  promptTokens: "vllm:prompt_tokens_total",
  generationTokens: "vllm:generation_tokens_total",
  requestSuccess: "vllm:request_success_total",
  preemptions: "vllm:num_preemptions_total",
} as const;

/**
 * Label vLLM puts on every metric with the served model name (vllm/v1/metrics/loggers.py: labelnames
 * ["model_name", "engine"], value model_config.served_model_name); llm-d-inference-sim uses the same.
 * `namespace` is the target label Prometheus adds from the ServiceMonitor.
 */
export const MODEL_NAME_LABEL = "model_name";

/** Object-store client image repository (aws-cli v2 on Amazon Linux 2023); the tag comes with EngineImages. */
export const S3_CLIENT_REPOSITORY = "public.ecr.aws/aws-cli/aws-cli";

/** Where the weights sit in each serving pod (an emptyDir filled from the bucket). */
export const MODEL_CACHE_DIR = "/models";
/** Marker object written after a complete upload; readers wait for it. */
export const COMPLETE_MARKER = ".complete";

/** UIDs: the vLLM images run as root by default, so the pod names one; the simulator's distroless image is 65532. */
export const ENGINE_UID = 1000;
export const SIMULATOR_UID = 65532;
export const S3_CLIENT_UID = 1000;

/** Startup budgets (periodSeconds x failureThreshold): model loading, CUDA graph capture and warm-up. */
export const STARTUP_PROBE: Record<EngineKind, { periodSeconds: number; failureThreshold: number }> = {
  // 10 s x 180 = 30 minutes: a 70B model over tensor parallelism loads and compiles in 10-20 minutes.
  "vllm-gpu": { periodSeconds: 10, failureThreshold: 180 },
  // 10 s x 120 = 20 minutes: a small model on CPUs.
  "vllm-cpu": { periodSeconds: 10, failureThreshold: 120 },
  // 5 s x 24 = 2 minutes: the simulator starts in a second.
  simulator: { periodSeconds: 5, failureThreshold: 24 },
};

/** Seconds the serving pod's init container waits for the fetch Job's marker before it fails (and restarts). */
export const WEIGHTS_WAIT_SECONDS = 4 * 3600;
/** The fetch Job: retries and an overall deadline (a 140 GB download over a slow link). */
export const FETCH_JOB = { backoffLimit: 4, activeDeadlineSeconds: 6 * 3600, timeout: "6h" } as const;
/** How long `pulumi up` waits for a Deployment (the startup budget plus the weight copy). */
export const DEPLOYMENT_TIMEOUT = "60m";

/** Fixed resources of the helper containers. */
export const HELPER_RESOURCES = {
  /** Hugging Face download in the fetch Job (hf_xet keeps chunks in memory). */
  download: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
  /** aws-cli checks and copies (multipart transfers with 10 concurrent requests). */
  s3: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
} as const satisfies Record<string, ContainerResources>;

/** /dev/shm per engine (memory-backed, counted against the pod's memory): NCCL between GPUs, vLLM's IPC. */
export function shmSize(model: ServedModel, engine: EngineKind): string | undefined {
  if (engine === "vllm-gpu") return `${2 * model.tensorParallelSize}Gi`;
  if (engine === "vllm-cpu") return "1Gi";
  return undefined;
}

export interface ModelServingArgs {
  /** Namespace of the model layer (Pod Security `restricted`). */
  namespace: pulumi.Input<string>;
  model: ServedModel;
  engine: EngineKind;
  /** Images pinned by tag; the engine's one and, for vllm-*, s3Client are used. */
  images: EngineImages;
  /** The GPU pool named by model.pool; required for vllm-gpu, rejected otherwise. */
  pool?: ServingPool;
  /** Latencies of the simulator; required for `simulator`, rejected otherwise. */
  simulator?: SimulatorSettings;
  /**
   * The `models` bucket; required for vllm-*, rejected for the simulator. `read`: the `model-cache`
   * consumer (read-only), which serving pods run as; `fetch`: the `model-fetch` consumer (read-write),
   * which the fetch Job runs as.
   */
  weights?: { read: WeightStore; fetch: WeightStore };
  /** Secret the engine reads its API key from (VLLM_API_KEY); clients send it as a Bearer token. */
  apiKey: ApiKeyRef;
  autoscaling: ModelAutoscaling;
  /** Namespaces allowed to call port 8000 (the model API's, the apps'). */
  callers: pulumi.Input<string>[];
  /** Namespace of Prometheus (scrapes /metrics on port 8000). */
  monitoringNamespace: pulumi.Input<string>;
  /** KEDA's operator (and its CRDs): the ScaledObject waits for them. Default none. */
  scalerReady?: pulumi.Resource[];
  /**
   * Create the weight consumers' service accounts here. Default true. Service account names are fixed by
   * the object store's consumers, so with several models in one namespace create them once with
   * `declareWeightServiceAccounts` and pass false here.
   */
  createServiceAccounts?: boolean;
}

/**
 * The object-store service accounts every model's pods share (`model-cache` reads, `model-fetch` fills
 * the bucket): declared once per namespace, however many models there are.
 */
export class ModelWeightAccess extends pulumi.ComponentResource {
  readonly serviceAccounts: k8s.core.v1.ServiceAccount[];

  constructor(name: string, args: { namespace: pulumi.Input<string>; weights: { read: WeightStore; fetch: WeightStore } }, opts?: pulumi.ComponentResourceOptions) {
    super("ods:model:ModelWeightAccess", name, {}, opts);
    this.serviceAccounts = declareWeightServiceAccounts(name, args.namespace, args.weights, this);
    this.registerOutputs({ serviceAccounts: this.serviceAccounts.map((sa) => sa.metadata.name) });
  }
}

/** Defaults of the optional args. */
export const MODEL_SERVING_DEFAULTS = { createServiceAccounts: true, scalerReady: [] as pulumi.Resource[] } as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Hugging Face repo ids: `name` or `org/name`, letters, digits, '-', '_', '.'. */
const HF_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
/** A revision without '/' so `<modelId>/<revision>/` stays one unambiguous prefix (a commit hash or a tag). */
const HF_REVISION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PINNED_IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Flags the kit sets per engine (normalised: dashes, no value); extraArgs must not repeat them. */
export const KIT_FLAGS: Record<EngineKind, string[]> = {
  // --model is the positional argument; --api-key would put the key in the Pod spec (VLLM_API_KEY is read instead).
  "vllm-gpu": ["--model", "--served-model-name", "--port", "--tensor-parallel-size", "-tp", "--max-model-len", "--gpu-memory-utilization", "--api-key"],
  "vllm-cpu": ["--model", "--served-model-name", "--port", "--tensor-parallel-size", "-tp", "--max-model-len", "--gpu-memory-utilization", "--api-key"],
  simulator: ["--model", "--served-model-name", "--port", "--max-model-len", "--time-to-first-token", "--inter-token-latency", "--force-dummy-tokenizer"],
};

/** `--max_model_len=4096` -> `--max-model-len` (vLLM accepts underscores and `=` values). */
function flagName(arg: string): string | undefined {
  if (!arg.startsWith("-")) return undefined;
  const bare = arg.split("=")[0];
  return bare.startsWith("--") ? `--${bare.slice(2).replace(/_/g, "-")}` : bare;
}

/** Every problem with the args, each naming the model, the field, the value and what is allowed. Pure. */
export function servingProblems(args: Pick<ModelServingArgs, "model" | "engine" | "images" | "pool" | "simulator" | "weights" | "autoscaling">): string[] {
  const { model: m, engine } = args;
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  const at = (field: string, value: unknown, allowed: string) => p.push(`model ${v(m.name)}: ${field} ${v(value)} ${allowed}`);
  const gpu = engine === "vllm-gpu";
  const vllm = engine === "vllm-gpu" || engine === "vllm-cpu";

  if (!DNS_LABEL.test(m.name) || m.name.length > 40) at("name", m.name, "is not a DNS label of at most 40 characters; allowed: lower-case letters, digits and '-' (Kubernetes names derive from it)");
  if (!HF_MODEL_ID.test(m.modelId)) at("modelId", m.modelId, "is not a Hugging Face model id; allowed: 'org/name' of letters, digits, '-', '_', '.'");
  if (!HF_REVISION.test(m.revision)) at("revision", m.revision, "is not a pinned revision; allowed: a commit hash or tag of letters, digits, '-', '_', '.' (no '/')");
  if (m.servedModelName.length === 0 || /\s/.test(m.servedModelName)) at("servedModelName", m.servedModelName, "is empty or has whitespace; allowed: a non-empty name without spaces");

  if (!Number.isInteger(m.maxModelLen) || m.maxModelLen < 1) at("maxModelLen", m.maxModelLen, "is not a positive integer; allowed: tokens, e.g. 8192");
  if (!(typeof m.gpuMemoryUtilization === "number" && m.gpuMemoryUtilization > 0 && m.gpuMemoryUtilization <= 1)) at("gpuMemoryUtilization", m.gpuMemoryUtilization, "is outside (0, 1]; allowed: a fraction such as 0.9");
  if (!Number.isInteger(m.tensorParallelSize) || m.tensorParallelSize < 1) at("tensorParallelSize", m.tensorParallelSize, "is not a positive integer; allowed: GPUs per replica, 1 or more");
  else if (!gpu && m.tensorParallelSize !== 1) at("tensorParallelSize", m.tensorParallelSize, `is set on engine ${engine}, which has no GPUs; allowed: 1`);

  const { min, max } = m.replicas;
  if (!Number.isInteger(min) || min < 0) at("replicas.min", min, "is not an integer >= 0");
  if (!Number.isInteger(max) || max < 1) at("replicas.max", max, "is not an integer >= 1");
  if (min > max) at("replicas.min", min, `is larger than replicas.max ${max}; allowed: min <= max`);
  if (min === 0 && !args.autoscaling.scaleToZero) at("replicas.min", 0, "needs autoscaling.scaleToZero true; allowed: min >= 1, or scaleToZero with min 0");
  if (args.autoscaling.scaleToZero && min !== 0) at("replicas.min", min, "must be 0 when autoscaling.scaleToZero is true");

  // Pools: only vllm-gpu runs on one, and it must be the pool the model names.
  if (gpu) {
    if (m.pool === undefined) at("pool", undefined, "is missing; engine vllm-gpu needs a GPU pool (one of the cluster's gpuPools)");
    else if (args.pool === undefined || args.pool.name !== m.pool) at("pool", m.pool, `is not a known GPU pool${args.pool ? ` (got pool ${v(args.pool.name)})` : ""}; allowed: one of the cluster's gpuPools`);
    else if (Number.isInteger(m.tensorParallelSize) && m.tensorParallelSize > args.pool.gpusPerNode) at("tensorParallelSize", m.tensorParallelSize, `exceeds pool ${v(args.pool.name)}'s ${args.pool.gpusPerNode} GPUs per node; allowed: 1 to ${args.pool.gpusPerNode}`);
    else if (m.rollout === "RollingSurge" && m.tensorParallelSize === args.pool.gpusPerNode) at("rollout", m.rollout, `surges a replica that needs a whole node (tensorParallelSize ${m.tensorParallelSize} = pool ${v(args.pool.name)}'s gpusPerNode); allowed: Recreate or RollingNoSurge unless spare nodes exist`);
  } else {
    if (m.pool !== undefined) at("pool", m.pool, `is set on engine ${engine}, which runs on no GPU pool; allowed: no pool`);
    if (args.pool !== undefined) at("pool", args.pool.name, `was given for engine ${engine}; allowed: a pool only with vllm-gpu`);
  }

  const ROLLOUTS: RolloutStrategy[] = ["Recreate", "RollingNoSurge", "RollingSurge"];
  if (!ROLLOUTS.includes(m.rollout)) at("rollout", m.rollout, `is unknown; allowed: ${ROLLOUTS.join(", ")}`);

  const setByKit = new Set(KIT_FLAGS[engine]);
  for (const a of m.extraArgs) {
    const f = flagName(a);
    if (f !== undefined && setByKit.has(f)) at("extraArgs", a, `repeats ${f}, which the kit sets for ${engine}; allowed: flags other than ${KIT_FLAGS[engine].join(", ")}`);
  }

  const quantities: [string, string | undefined][] = [
    ["resources.requests.cpu", m.resources.requests.cpu],
    ["resources.requests.memory", m.resources.requests.memory],
    ["resources.limits.memory", m.resources.limits.memory],
    ["resources.limits.cpu", m.resources.limits.cpu],
    ["cacheSize", m.cacheSize],
  ];
  for (const [field, q] of quantities) if (q !== undefined && quantityValue(q) === undefined) at(field, q, "is not a Kubernetes quantity; allowed: e.g. 500m, 4, 16Gi");
  const reqMem = quantityValue(m.resources.requests.memory);
  const limMem = quantityValue(m.resources.limits.memory);
  if (reqMem !== undefined && limMem !== undefined && reqMem > limMem) at("resources.requests.memory", m.resources.requests.memory, `is above resources.limits.memory ${m.resources.limits.memory}; allowed: request <= limit`);
  const shm = shmSize(m, engine);
  if (shm !== undefined && limMem !== undefined && quantityValue(shm)! >= limMem) at("resources.limits.memory", m.resources.limits.memory, `leaves no room beside the ${shm} memory-backed /dev/shm; allowed: more than ${shm}`);

  // Engine-specific inputs.
  const image = engine === "vllm-gpu" ? args.images.vllmGpu : engine === "vllm-cpu" ? args.images.vllmCpu : args.images.simulator;
  const images: [string, string][] = [[engine === "vllm-gpu" ? "images.vllmGpu" : engine === "vllm-cpu" ? "images.vllmCpu" : "images.simulator", image]];
  if (vllm) images.push(["images.s3Client", args.images.s3Client]);
  for (const [field, img] of images) {
    if (!PINNED_IMAGE.test(img) || /:latest$/i.test(img)) at(field, img, "is not pinned; allowed: an image with a version tag or digest, never latest");
  }
  if (vllm && !args.images.s3Client.startsWith(`${S3_CLIENT_REPOSITORY}:`)) at("images.s3Client", args.images.s3Client, `is not aws-cli; allowed: ${S3_CLIENT_REPOSITORY}:<2.x tag>`);
  if (vllm && args.weights === undefined) at("weights", undefined, `is missing; engine ${engine} serves weights from the models bucket`);
  if (!vllm && args.weights !== undefined) at("weights", "given", "is unused by the simulator; allowed: none");
  if (engine === "simulator") {
    const s = args.simulator;
    if (s === undefined) at("simulator", undefined, "is missing; the simulator needs timeToFirstTokenMs and interTokenLatencyMs");
    else {
      if (!Number.isInteger(s.timeToFirstTokenMs) || s.timeToFirstTokenMs < 0) at("simulator.timeToFirstTokenMs", s.timeToFirstTokenMs, "is not an integer >= 0 (milliseconds)");
      if (!Number.isInteger(s.interTokenLatencyMs) || s.interTokenLatencyMs < 0) at("simulator.interTokenLatencyMs", s.interTokenLatencyMs, "is not an integer >= 0 (milliseconds)");
    }
  } else if (args.simulator !== undefined) at("simulator", "given", `is only for engine simulator, not ${engine}`);

  const a = args.autoscaling;
  if (!(a.waitingPerReplica > 0)) at("autoscaling.waitingPerReplica", a.waitingPerReplica, "is not positive; allowed: waiting requests per replica, e.g. 4");
  if (a.kvCacheUsage !== undefined && !(a.kvCacheUsage > 0 && a.kvCacheUsage <= 1)) at("autoscaling.kvCacheUsage", a.kvCacheUsage, "is outside (0, 1]; allowed: a fraction such as 0.8, or unset");
  if (!Number.isInteger(a.pollingIntervalSeconds) || a.pollingIntervalSeconds < 1) at("autoscaling.pollingIntervalSeconds", a.pollingIntervalSeconds, "is not an integer >= 1");
  if (!Number.isInteger(a.scaleDownStabilizationSeconds) || a.scaleDownStabilizationSeconds < 0 || a.scaleDownStabilizationSeconds > 3600) at("autoscaling.scaleDownStabilizationSeconds", a.scaleDownStabilizationSeconds, "is outside 0-3600 (the HPA's range)");
  return p;
}

/** Throws one error naming every bad field of the model `name` serves. Pure. */
export function validateServing(name: string, args: Parameters<typeof servingProblems>[0]): void {
  const problems = servingProblems(args);
  if (problems.length > 0) throw new Error(`ModelServing ${name}: ${problems.join("; ")}`);
}

/** `<modelId>/<revision>`: where the weights sit in the bucket (and below MODEL_CACHE_DIR in a pod). */
export function weightPrefix(model: Pick<ServedModel, "modelId" | "revision">): string {
  return `${model.modelId}/${model.revision}`;
}

/** Directory the engine serves from: the pod's copy of the prefix. */
export function modelDir(model: Pick<ServedModel, "modelId" | "revision">): string {
  return `${MODEL_CACHE_DIR}/${weightPrefix(model)}`;
}

/** 8 hex characters of modelId@revision: a new revision gets a new fetch Job. */
export function weightsHash(model: Pick<ServedModel, "modelId" | "revision">): string {
  return createHash("sha256").update(`${model.modelId}@${model.revision}`).digest("hex").slice(0, 8);
}

/** Go duration for the simulator's flags. */
function ms(n: number): string {
  return `${n}ms`;
}

/**
 * The engine container's args. vLLM (the image's entrypoint is `vllm serve`): the model directory first,
 * then the kit's flags, then extraArgs. The simulator (llm-d-inference-sim flags, pkg/common/parser.go):
 * model and served name, port, latencies, context length, and the dummy tokenizer (no tokenizer service).
 */
export function vllmArgs(model: ServedModel, engine: EngineKind, settings?: SimulatorSettings): string[] {
  if (engine === "simulator") {
    if (!settings) throw new Error(`model ${JSON.stringify(model.name)}: simulator settings are missing`);
    return [
      "--model", model.servedModelName,
      "--served-model-name", model.servedModelName,
      "--port", String(ENGINE_PORT),
      "--max-model-len", String(model.maxModelLen),
      "--time-to-first-token", ms(settings.timeToFirstTokenMs),
      "--inter-token-latency", ms(settings.interTokenLatencyMs),
      "--force-dummy-tokenizer",
      ...model.extraArgs,
    ];
  }
  const gpu = engine === "vllm-gpu";
  return [
    modelDir(model),
    "--served-model-name", model.servedModelName,
    "--port", String(ENGINE_PORT),
    ...(gpu ? ["--tensor-parallel-size", String(model.tensorParallelSize)] : []),
    "--max-model-len", String(model.maxModelLen),
    ...(gpu ? ["--gpu-memory-utilization", String(model.gpuMemoryUtilization)] : []),
    ...model.extraArgs,
  ];
}

/** Deployment strategy of a rollout. */
export function deploymentStrategy(rollout: RolloutStrategy): Record<string, unknown> {
  switch (rollout) {
    case "Recreate":
      return { type: "Recreate" };
    case "RollingNoSurge":
      return { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
    case "RollingSurge":
      return { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  }
}

/** vLLM metric names in a PromQL query. */
export function metricsIn(query: string): string[] {
  return [...new Set(query.match(/vllm:[a-z0-9_:]+/g) ?? [])];
}

/** Metric names of a query not in `known` (the kit's metric list): a dashboard or scaler on them would see nothing. */
export function unknownMetrics(query: string, known: readonly string[]): string[] {
  return metricsIn(query).filter((m) => !known.includes(m));
}

/** A PromQL label value, quoted: backslashes and double quotes escaped. */
function labelValue(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** `<agg>(<metric>{model_name="<served>",namespace="<ns>"})`. */
export function servedQuery(agg: "sum" | "avg", metric: string, servedModelName: string, namespace: string): string {
  return `${agg}(${metric}{${MODEL_NAME_LABEL}=${labelValue(servedModelName)},namespace=${labelValue(namespace)}})`;
}

/**
 * The model API's (vLLM production-stack router's) counter of requests per model, counted even when no
 * backend is up (router source: services/metrics_service, request_service/request.py). A model scaled
 * to zero exports no vLLM metric at all, so this is what wakes it.
 */
export const ROUTER_INCOMING_REQUESTS = "vllm:num_incoming_requests_total";

/** `sum(rate(<router counter>{model="<served>",namespace="<ns>"}[2m]))`: requests per second for one model at the router. */
export function routerRateQuery(servedModelName: string, namespace: string): string {
  return `sum(rate(${ROUTER_INCOMING_REQUESTS}{model=${labelValue(servedModelName)},namespace=${labelValue(namespace)}}[2m]))`;
}

/** The KEDA ScaledObject spec (keda.sh/v1alpha1, KEDA 2.20). */
export function scaledObjectSpec(deploymentName: string, model: ServedModel, a: ModelAutoscaling, namespace: string, prometheusUrl: string): Record<string, unknown> {
  const triggers: Record<string, unknown>[] = [
    {
      type: "prometheus",
      name: "requests-waiting",
      // AverageValue (KEDA's default): replicas = ceil(sum waiting / threshold).
      metadata: {
        serverAddress: prometheusUrl,
        query: servedQuery("sum", VLLM_METRICS.requestsWaiting, model.servedModelName, namespace),
        threshold: String(a.waitingPerReplica),
        // No samples (no pod yet) reads as 0 instead of an error.
        ignoreNullValues: "true",
      },
    },
  ];
  if (a.kvCacheUsage !== undefined) {
    triggers.push({
      type: "prometheus",
      name: "kv-cache-usage",
      // An average is already per replica: Value makes the HPA scale by current/target, not by the sum.
      metricType: "Value",
      metadata: {
        serverAddress: prometheusUrl,
        query: servedQuery("avg", VLLM_METRICS.kvCacheUsage, model.servedModelName, namespace),
        threshold: String(a.kvCacheUsage),
        ignoreNullValues: "true",
      },
    });
  }
  if (a.scaleToZero) {
    // Wakes the model from zero: any request for it at the router activates the ScaledObject (activation
    // threshold 0); the huge threshold keeps this trigger from asking for more than one replica.
    triggers.push({
      type: "prometheus",
      name: "router-requests",
      metadata: {
        serverAddress: prometheusUrl,
        query: routerRateQuery(model.servedModelName, namespace),
        threshold: "1000000",
        activationThreshold: "0",
        ignoreNullValues: "true",
      },
    });
  }
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicaCount: a.scaleToZero ? 0 : model.replicas.min,
    maxReplicaCount: model.replicas.max,
    pollingInterval: a.pollingIntervalSeconds,
    // Only used for the last replica (to zero); the HPA's window governs the others.
    cooldownPeriod: a.scaleDownStabilizationSeconds,
    advanced: {
      restoreToOriginalReplicaCount: false,
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds, selectPolicy: "Min", policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] },
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Pods", value: 2, periodSeconds: 60 }] },
        },
      },
    },
    triggers,
  };
}

/** Restricted container security context with an explicit UID. */
function restricted(uid: number): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

function resources(r: ContainerResources, extra: { requests?: Record<string, string>; limits?: Record<string, string> } = {}) {
  return {
    requests: { cpu: r.requests.cpu, memory: r.requests.memory, ...(extra.requests ?? {}) },
    limits: { memory: r.limits.memory, ...(r.limits.cpu !== undefined ? { cpu: r.limits.cpu } : {}), ...(extra.limits ?? {}) },
  };
}

/** An aws-cli container running one of the scripts above against a consumer's access to the bucket. */
function s3Container(name: string, script: string, image: string, store: WeightStore, model: ServedModel, mounts: { name: string; mountPath: string }[], extraEnv: { name: string; value: string }[] = []) {
  return {
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", "-c", script],
    ...s3Env(store, model, extraEnv),
    resources: resources(HELPER_RESOURCES.s3),
    securityContext: restricted(S3_CLIENT_UID),
    volumeMounts: mounts,
  };
}

/** aws-cli needs a writable config; path-style addressing (MinIO) has no environment variable, so a config file. */
const S3_CONFIG_SCRIPT = [
  'mkdir -p "$(dirname "$AWS_CONFIG_FILE")"',
  'if [ "$S3_PATH_STYLE" = "true" ]; then printf "[default]\\ns3 =\\n  addressing_style = path\\n" > "$AWS_CONFIG_FILE"; else printf "[default]\\n" > "$AWS_CONFIG_FILE"; fi',
];

/** Shell of the fetch Job's first step: is the prefix already complete? */
export const FETCH_CHECK_SCRIPT = [
  "set -eu",
  ...S3_CONFIG_SCRIPT,
  'if aws s3api head-object --bucket "$WEIGHTS_BUCKET" --key "$WEIGHTS_PREFIX/' + COMPLETE_MARKER + '" > /dev/null 2>&1; then',
  '  echo "s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/ is complete: nothing to fetch"; touch /work/skip',
  "fi",
].join("\n");

/** Shell of the download step (vLLM image, Hugging Face CLI `hf`; `huggingface-cli` on hub < 0.34). */
export const FETCH_DOWNLOAD_SCRIPT = [
  "set -eu",
  "if [ -f /work/skip ]; then exit 0; fi",
  'mkdir -p "$HOME" "$HF_HOME" /work/model',
  'if command -v hf > /dev/null 2>&1; then hf download "$MODEL_ID" --revision "$MODEL_REVISION" --local-dir /work/model;',
  'else huggingface-cli download "$MODEL_ID" --revision "$MODEL_REVISION" --local-dir /work/model; fi',
].join("\n");

/** Shell of the upload step: copy, then write the marker last. */
export const FETCH_UPLOAD_SCRIPT = [
  "set -eu",
  "if [ -f /work/skip ]; then exit 0; fi",
  ...S3_CONFIG_SCRIPT,
  'aws s3 sync /work/model "s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/" --exclude ".cache/*" --only-show-errors',
  'echo "$MODEL_ID@$MODEL_REVISION" | aws s3 cp - "s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/' + COMPLETE_MARKER + '"',
  'echo "uploaded $MODEL_ID@$MODEL_REVISION to s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/"',
].join("\n");

/** Shell of the serving pod's init container: wait for the marker, then copy the prefix into the pod's cache. */
export const CACHE_SYNC_SCRIPT = [
  "set -eu",
  ...S3_CONFIG_SCRIPT,
  "waited=0",
  'until aws s3api head-object --bucket "$WEIGHTS_BUCKET" --key "$WEIGHTS_PREFIX/' + COMPLETE_MARKER + '" > /dev/null 2>&1; do',
  '  if [ "$waited" -ge "$WAIT_SECONDS" ]; then echo "no complete weights at s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/ after $WAIT_SECONDS s (is the fetch Job done?)" >&2; exit 1; fi',
  '  echo "waiting for s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/' + COMPLETE_MARKER + '"; sleep 15; waited=$((waited + 15))',
  "done",
  'mkdir -p "$MODEL_DIR"',
  'aws s3 sync "s3://$WEIGHTS_BUCKET/$WEIGHTS_PREFIX/" "$MODEL_DIR/" --exclude "' + COMPLETE_MARKER + '" --only-show-errors',
].join("\n");

/** Environment of an aws-cli container for one weight store (credentials by reference only). */
function s3Env(store: WeightStore, model: ServedModel, extra: { name: string; value: string }[] = []): Pick<k8s.types.input.core.v1.Container, "env" | "envFrom"> {
  const env = [
    { name: "AWS_ENDPOINT_URL_S3", value: store.endpoint },
    { name: "AWS_REGION", value: store.region },
    { name: "S3_PATH_STYLE", value: String(store.pathStyle) },
    { name: "AWS_CONFIG_FILE", value: "/tmp/aws/config" },
    { name: "HOME", value: "/tmp" },
    { name: "WEIGHTS_BUCKET", value: store.bucket },
    { name: "WEIGHTS_PREFIX", value: weightPrefix(model) },
    { name: "MODEL_ID", value: model.modelId },
    { name: "MODEL_REVISION", value: model.revision },
    ...extra,
  ];
  // MinIO: the consumer's key pair (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); S3: IRSA on the service account.
  const secret = store.access.credentialsSecret;
  return secret ? { env, envFrom: [{ secretRef: { name: secret, optional: false } }] } : { env };
}

function secretEnv(name: string, ref: { name: pulumi.Input<string>; key: string }) {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, optional: false } } };
}

/** Names, labels and every object's spec, from validated args. Pure: throws on bad args by name. */
export function modelServingPlan(name: string, args: ModelServingArgs) {
  validateServing(name, args);
  const { model, engine } = args;
  const gpu = engine === "vllm-gpu";
  const vllm = engine !== "simulator";
  const objectName = k8sName(model.name);
  const instance = objectName;
  const app = "model-server";
  const labels = { ...standardLabels(app, instance, engine), "ods.io/engine": engine };
  // Immutable on a Deployment: never the engine or the revision.
  const selector = { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance };
  const uid = vllm ? ENGINE_UID : SIMULATOR_UID;
  const image = engine === "vllm-gpu" ? args.images.vllmGpu : engine === "vllm-cpu" ? args.images.vllmCpu : args.images.simulator;
  const prefix = weightPrefix(model);
  const fetchJobName = k8sName(model.name, "fetch", weightsHash(model));
  const replicated = model.replicas.min > 1;

  const httpGet = { path: "/health", port: "http", scheme: "HTTP" };
  const startup = STARTUP_PROBE[engine];
  const env: k8s.types.input.core.v1.EnvVar[] = [
    // vLLM then requires `Authorization: Bearer <key>` on /v1/*; /health and /metrics stay open.
    // The simulator has no API key (it ignores the variable); the NetworkPolicy limits who reaches it.
    secretEnv("VLLM_API_KEY", { name: args.apiKey.secretName, key: args.apiKey.key }),
  ];
  if (vllm) {
    if (model.hfTokenSecret) env.push(secretEnv("HF_TOKEN", model.hfTokenSecret));
    env.push(
      // A UID without a passwd entry: Python's getpass (torch's cache dirs) reads USER first.
      { name: "USER", value: "vllm" },
      { name: "HOME", value: "/home/vllm" },
      { name: "HF_HOME", value: "/home/vllm/.cache/huggingface" },
      // Weights are local: never reach Hugging Face from a serving pod.
      { name: "HF_HUB_OFFLINE", value: "1" },
      { name: "VLLM_NO_USAGE_STATS", value: "1" },
      { name: "DO_NOT_TRACK", value: "1" },
    );
  }
  const shm = shmSize(model, engine);
  const gpuCount: Record<string, string> = gpu ? { "nvidia.com/gpu": String(model.tensorParallelSize) } : {};
  const engineRequests: Record<string, string> = { cpu: model.resources.requests.cpu, memory: model.resources.requests.memory, ...gpuCount };
  // The scheduler needs to know the pod fills cacheSize of node disk.
  if (vllm) engineRequests["ephemeral-storage"] = model.cacheSize;
  const engineContainer: k8s.types.input.core.v1.Container = {
    name: "engine",
    image,
    imagePullPolicy: "IfNotPresent",
    args: vllmArgs(model, engine, args.simulator),
    ports: [{ name: "http", containerPort: ENGINE_PORT, protocol: "TCP" }],
    env,
    resources: { requests: engineRequests, limits: resources(model.resources, { limits: gpuCount }).limits },
    startupProbe: { httpGet, periodSeconds: startup.periodSeconds, timeoutSeconds: 5, failureThreshold: startup.failureThreshold },
    readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    // Generous: a busy engine answers /health late; a restart costs a model load.
    livenessProbe: { httpGet, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
    // Endpoints are removed asynchronously; a pause keeps new requests off a stopping pod.
    lifecycle: { preStop: { sleep: { seconds: 10 } } },
    securityContext: restricted(uid),
    volumeMounts: [
      { name: "tmp", mountPath: "/tmp" },
      ...(vllm
        ? [
            { name: "home", mountPath: "/home/vllm" },
            { name: "shm", mountPath: "/dev/shm" },
            { name: "model-cache", mountPath: MODEL_CACHE_DIR, readOnly: true },
          ]
        : []),
    ],
  };

  const read = args.weights?.read;
  const fetch = args.weights?.fetch;
  const initContainers = read
    ? [
        s3Container("weights", CACHE_SYNC_SCRIPT, args.images.s3Client, read, model, [
          { name: "tmp", mountPath: "/tmp" },
          { name: "model-cache", mountPath: MODEL_CACHE_DIR },
        ], [{ name: "MODEL_DIR", value: modelDir(model) }, { name: "WAIT_SECONDS", value: String(WEIGHTS_WAIT_SECONDS) }]),
      ]
    : [];

  const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }];
  if (vllm) {
    volumes.push(
      // torch/triton/flashinfer compile caches land under HOME.
      { name: "home", emptyDir: { sizeLimit: "10Gi" } },
      { name: "shm", emptyDir: { medium: "Memory", sizeLimit: shm } },
      // Survives container restarts; a new pod copies from the bucket again (in-cluster, never from Hugging Face).
      { name: "model-cache", emptyDir: { sizeLimit: model.cacheSize } },
    );
  }

  const spread = model.replicas.max > 1
    ? [
        // Over nodes and zones where possible; GPU pools may hold several replicas on one node, so never hard.
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] },
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] },
      ]
    : undefined;

  const pool = gpu ? args.pool! : undefined;
  const podSpec: k8s.types.input.core.v1.PodSpec = {
    ...(read ? { serviceAccountName: read.access.serviceAccount } : {}),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: vllm ? 60 : 30,
    securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers: [engineContainer],
    volumes,
    ...(pool
      ? {
          nodeSelector: pool.nodeSelector,
          tolerations: [{ key: pool.taint.key, operator: "Equal", value: pool.taint.value, effect: pool.taint.effect }],
        }
      : {}),
    ...(spread ? { topologySpreadConstraints: spread } : {}),
  };

  const deployment = {
    // KEDA owns the count afterwards (ignoreChanges); this is the count at creation.
    replicas: model.replicas.min,
    revisionHistoryLimit: 5,
    // Past the startup budget plus the weight copy, a stuck rollout is reported.
    progressDeadlineSeconds: startup.periodSeconds * startup.failureThreshold + 1800,
    selector: { matchLabels: selector },
    strategy: deploymentStrategy(model.rollout),
    template: {
      metadata: { labels: { ...labels, "ods.io/weights": weightsHash(model) } },
      spec: podSpec,
    },
  };

  const fetchJob = fetch
    ? {
        backoffLimit: FETCH_JOB.backoffLimit,
        activeDeadlineSeconds: FETCH_JOB.activeDeadlineSeconds,
        // ttlSecondsAfterFinished unset: the finished Job stays as the record of what was fetched.
        template: {
          metadata: { labels: { ...standardLabels("model-fetch", instance, "weights"), "ods.io/weights": weightsHash(model) } },
          spec: {
            serviceAccountName: fetch.access.serviceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, runAsUser: ENGINE_UID, runAsGroup: ENGINE_UID, fsGroup: ENGINE_UID, seccompProfile: { type: "RuntimeDefault" } },
            initContainers: [
              s3Container("check", FETCH_CHECK_SCRIPT, args.images.s3Client, fetch, model, [{ name: "tmp", mountPath: "/tmp" }, { name: "work", mountPath: "/work" }]),
              {
                name: "download",
                image,
                imagePullPolicy: "IfNotPresent",
                command: ["/bin/sh", "-c", FETCH_DOWNLOAD_SCRIPT],
                env: [
                  { name: "MODEL_ID", value: model.modelId },
                  { name: "MODEL_REVISION", value: model.revision },
                  { name: "HOME", value: "/work/home" },
                  { name: "HF_HOME", value: "/work/hf-home" },
                  { name: "HF_HUB_DISABLE_TELEMETRY", value: "1" },
                  ...(model.hfTokenSecret ? [secretEnv("HF_TOKEN", model.hfTokenSecret)] : []),
                ],
                resources: resources(HELPER_RESOURCES.download, { requests: { "ephemeral-storage": model.cacheSize } }),
                securityContext: restricted(ENGINE_UID),
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "work", mountPath: "/work" }],
              },
            ],
            containers: [
              s3Container("upload", FETCH_UPLOAD_SCRIPT, args.images.s3Client, fetch, model, [{ name: "tmp", mountPath: "/tmp" }, { name: "work", mountPath: "/work" }]),
            ],
            volumes: [
              { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
              { name: "work", emptyDir: { sizeLimit: model.cacheSize } },
            ],
          },
        },
      }
    : undefined;
  const service = {
    type: "ClusterIP",
    selector,
    ports: [{ name: "http", port: ENGINE_PORT, targetPort: "http", protocol: "TCP" }],
  };

  const serviceMonitor = (namespace: string) => ({
    selector: { matchLabels: selector },
    namespaceSelector: { matchNames: [namespace] },
    endpoints: [{ port: "http", path: "/metrics", interval: "15s", scrapeTimeout: "10s", scheme: "http" }],
  });

  const tcp = tcpPorts(ENGINE_PORT);
  const networkPolicy = {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress"],
    ingress: [
      ...args.callers.map((c) => ({ from: [namespacePeer(c)], ports: tcp })),
      // Prometheus scrapes /metrics on the same port. No peer rule: a replica talks to no other replica
      // (tensor parallelism stays inside the pod).
      { from: [namespacePeer(args.monitoringNamespace)], ports: tcp },
    ],
  };

  const pdb = replicated ? { maxUnavailable: 1, selector: { matchLabels: selector } } : undefined;

  return {
    objectName,
    labels,
    selector,
    prefix,
    fetchJobName,
    deployment,
    fetchJob,
    service,
    serviceMonitor,
    networkPolicy,
    pdb,
    scaledObject: (namespace: string, prometheusUrl: string) => scaledObjectSpec(objectName, model, args.autoscaling, namespace, prometheusUrl),
  };
}

/** The Deployment's fields KEDA's HPA owns once it exists; `pulumi up` leaves them alone. */
export const SCALER_OWNED_FIELDS = ["spec.replicas"];

/**
 * The weight consumers' service accounts (`read` and `fetch`), each annotated with its IAM role (IRSA)
 * when the store is S3. Declared under `parent`: a ModelServing, or the layer once for several models.
 */
export function declareWeightServiceAccounts(
  name: string,
  namespace: pulumi.Input<string>,
  weights: { read: WeightStore; fetch: WeightStore },
  parent: pulumi.Resource,
): k8s.core.v1.ServiceAccount[] {
  const roles: [string, WeightStore][] = [["read", weights.read], ["fetch", weights.fetch]];
  return roles.map(
    ([role, store]) =>
      new k8s.core.v1.ServiceAccount(`${name}-sa-${role}`, {
        metadata: {
          name: store.access.serviceAccount,
          namespace,
          labels: standardLabels("model-weights", store.access.serviceAccount, role),
          ...(store.access.roleArn ? { annotations: { "eks.amazonaws.com/role-arn": store.access.roleArn } } : {}),
        },
        automountServiceAccountToken: false,
      }, { parent }),
  );
}

export class ModelServing extends pulumi.ComponentResource implements ServedModelHandle {
  readonly servedModelName: string;
  /** http://<svc>.<ns>.svc.cluster.local:8000 */
  readonly url: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:model:ModelServing", name, {}, opts);
    const plan = modelServingPlan(name, args);
    const createSAs = args.createServiceAccounts ?? MODEL_SERVING_DEFAULTS.createServiceAccounts;
    const ns = pulumi.output(args.namespace);
    const meta = (n: string, labels: Record<string, string> = plan.labels) => ({ name: n, namespace: args.namespace, labels });

    const sas = args.weights && createSAs ? declareWeightServiceAccounts(name, args.namespace, args.weights, this) : [];

    let fetchJob: k8s.batch.v1.Job | undefined;
    if (plan.fetchJob && args.weights) {
      fetchJob = new k8s.batch.v1.Job(`${name}-fetch`, {
        metadata: meta(plan.fetchJobName, { ...plan.labels, "app.kubernetes.io/name": "model-fetch", "app.kubernetes.io/component": "weights" }),
        spec: plan.fetchJob,
      }, {
        parent: this,
        dependsOn: [...sas, ...args.weights.fetch.ready],
        // `pulumi up` waits for the download (hours for a large model) so the serving pods start after it.
        customTimeouts: { create: FETCH_JOB.timeout, update: FETCH_JOB.timeout },
      });
    }

    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta(plan.objectName),
      spec: plan.deployment,
    }, {
      parent: this,
      dependsOn: [...sas, ...(fetchJob ? [fetchJob] : []), ...(args.weights?.read.ready ?? [])],
      ignoreChanges: SCALER_OWNED_FIELDS,
      customTimeouts: { create: DEPLOYMENT_TIMEOUT, update: DEPLOYMENT_TIMEOUT },
    });

    const service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta(plan.objectName),
      spec: plan.service,
    }, { parent: this });

    new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(plan.objectName),
      spec: ns.apply((n) => plan.serviceMonitor(n)),
    }, { parent: this, dependsOn: [service] });

    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: meta(plan.objectName),
      spec: plan.networkPolicy,
    }, { parent: this });

    if (plan.pdb) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
        metadata: meta(plan.objectName),
        spec: plan.pdb,
      }, { parent: this });
    }

    new k8s.apiextensions.CustomResource(`${name}-scaler`, {
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: meta(plan.objectName),
      spec: pulumi.all([ns, args.autoscaling.prometheusUrl]).apply(([n, url]) => plan.scaledObject(n, url)),
    }, { parent: this, dependsOn: [deployment, ...(args.scalerReady ?? MODEL_SERVING_DEFAULTS.scalerReady)] });

    this.servedModelName = args.model.servedModelName;
    this.serviceName = service.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${ENGINE_PORT}`;
    this.registerOutputs({ servedModelName: this.servedModelName, url: this.url, serviceName: this.serviceName, deployment: deployment.metadata.name });
  }
}
