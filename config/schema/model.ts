// L3 (model section, `ods:model`): the served models, the engine that serves them (vLLM on GPUs, vLLM's
// CPU build, or a vLLM simulator for laptops), autoscaling on vLLM's queue, the model API in front.
import { z } from "zod";
import { count, volumeSize } from "./common";
import { image, resourcesSchema, ResourcesConfig } from "./data";
import { sloSchema } from "./slo";
import { podAllocatable } from "../../policies/rules/lib/instances";
import { quantityValue } from "../../components/lib/quantity";

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });

/** A DNS label: Kubernetes names derive from it. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, { error: "must be a DNS label of at most 40 characters (lower-case letters, digits, '-'), such as qwen2-5-7b" })
  .meta({ title: "short name", "x-format": "a DNS label of at most 40 characters: lower-case letters, digits and '-', starting and ending with a letter or digit, such as qwen2-5-7b" });

/** Engine images, pinned by tag (never latest). */
export const DEFAULT_ENGINE_IMAGES = {
  vllmGpu: "vllm/vllm-openai:v0.31.0",
  vllmCpu: "public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.31.0",
  simulator: "ghcr.io/llm-d/llm-d-inference-sim:v0.10.2",
  s3Client: "public.ecr.aws/aws-cli/aws-cli:2.32.26",
} as const;

/** Engine container resources when a model sets none. */
const ENGINE_RESOURCES: Record<"vllm-gpu" | "vllm-cpu" | "simulator", ResourcesConfig> = {
  "vllm-gpu": res("4", "32Gi", "48Gi"),
  "vllm-cpu": res("4", "8Gi", "12Gi"),
  simulator: res("100m", "128Mi", "256Mi"),
};

export const servedModelSchema = z.strictObject({
  name: dnsLabel.describe("Short name, unique: the Kubernetes names of its Deployment, Service and cache derive from it."),
  modelId: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, { error: "must be a Hugging Face model id <org>/<name>, such as Qwen/Qwen2.5-7B-Instruct" })
    .describe("Hugging Face model id `<org>/<name>`, e.g. Qwen/Qwen2.5-7B-Instruct."),
  revision: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]{0,79}$/, { error: "must be a commit hash or tag of the model repository; 'main' is a moving branch" })
    .refine((r) => r !== "main", { error: "must be a commit hash or tag of the model repository; 'main' is a moving branch" })
    .describe("Hugging Face revision, a commit hash or tag, pinned so every replica serves the same weights; `main` (a moving branch) is refused."),
  servedModelName: z
    .string()
    .max(200, { error: "must be at most 200 characters" })
    // What the model API's router carries and routes on (no spaces, no '@', ...).
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/, { error: "must be a model name of letters, digits, '.', '_', '/', ':' and '-', starting with a letter or digit, such as qwen2.5-7b or Qwen/Qwen2.5-7B-Instruct" })
    .optional()
    .meta({ description: "What clients send as `model`; unique across models.", "x-default": "modelId" }),
  tensorParallelSize: z
    .number()
    .int()
    .min(1, { error: "must be a whole number >= 1" })
    .max(16, { error: "must be <= 16" })
    .default(1)
    .describe("GPUs per replica (`--tensor-parallel-size`); at most the pool's gpusPerNode; 1 without GPUs."),
  maxModelLen: z.number().int().min(256, { error: "must be >= 256" }).max(1048576, { error: "must be <= 1048576" }).describe("`--max-model-len`, in tokens."),
  gpuMemoryUtilization: z.number().gt(0, { error: "must be > 0" }).max(1, { error: "must be <= 1" }).default(0.9).describe("`--gpu-memory-utilization`: the share of GPU memory vLLM may use."),
  extraArgs: z
    .array(z.string().min(1).max(1024, { error: "each flag must be at most 1024 characters" }))
    .max(64, { error: "must list at most 64 flags" })
    .default([])
    .describe("More vLLM flags, appended as given; flags the kit sets from the model's own keys (`--tensor-parallel-size`, `--max-model-len`, ...) are refused."),
  replicas: z
    .strictObject({ min: z.number().int().min(0).max(64).describe("Fewest replicas; 0 needs scaleToZero."), max: count("max", 64).min(1, { error: "max must be >= 1: a model with no replica at most serves nothing" }).describe("Most replicas; min <= max.") })
    .default({ min: 1, max: 1 })
    .describe("KEDA's replica range."),
  scaleToZero: z.boolean().default(false).describe("Allow no replica when idle (the next request then waits for a cold start)."),
  pool: dnsLabel.optional().describe("GPU pool (a name from infra.gpuPools) to run on: required for the vllm-gpu engine on AWS, refused elsewhere."),
  hfTokenSecret: z
    .strictObject({ name: dnsLabel.describe("The Secret's name."), key: z
          .string()
          .max(253, { error: "must be at most 253 characters" })
          .regex(/^(?!\.{1,2}$)[-._a-zA-Z0-9]+$/, { error: "must be a Secret key: letters, digits, '-', '_' or '.', not . or .. (such as token)" })
          .default("token")
          .describe("The key holding the token.") })
    .optional()
    .describe("Hugging Face token for gated models: a Secret in the model namespace and its key (never the value)."),
  resources: resourcesSchema.optional().meta({
    description: "CPU and memory of the engine container (GPUs come from tensorParallelSize). With vllm-gpu on AWS, requests must fit the pool's smallest node's share for the replica's GPUs.",
    "x-default": `by engine: ${Object.entries(ENGINE_RESOURCES)
      .map(([engine, r]) => `${engine} ${r.requests.cpu} CPU, ${r.requests.memory}, limit ${r.limits.memory}`)
      .join("; ")}`,
  }),
  rollout: z
    .enum(["Recreate", "RollingNoSurge", "RollingSurge"])
    .optional()
    .meta({
      description: "How pods are replaced: Recreate, RollingNoSurge (one at a time, no extra GPUs) or RollingSurge (a new pod first: needs spare GPUs; refused when a replica takes a whole node).",
      "x-default": "Recreate with at most one replica, else RollingNoSurge",
    }),
  cacheSize: volumeSize.default("40Gi").describe("The per-pod weight cache volume."),
});

export const modelInputSchema = z.strictObject({
  engine: z
    .enum(["vllm-gpu", "vllm-cpu", "simulator"])
    .optional()
    .meta({
      description: "What serves the models: `vllm-gpu` (vLLM on GPU pools; refused on a cluster without GPUs), `vllm-cpu` (vLLM's CPU build, small models), `simulator` (llm-d-inference-sim: vLLM's API and metric names, no weights).",
      "x-default": "vllm-gpu where the cluster has GPUs, else simulator",
    }),
  images: z
    .strictObject({
      vllmGpu: image.default(DEFAULT_ENGINE_IMAGES.vllmGpu).describe("vLLM (CUDA)."),
      vllmCpu: image.default(DEFAULT_ENGINE_IMAGES.vllmCpu).describe("vLLM's CPU build."),
      simulator: image.default(DEFAULT_ENGINE_IMAGES.simulator).describe("llm-d-inference-sim."),
      s3Client: image.default(DEFAULT_ENGINE_IMAGES.s3Client).describe("The AWS CLI that copies weights between the bucket and the pods."),
    })
    .default({ ...DEFAULT_ENGINE_IMAGES })
    .describe("Engine images, pinned."),
  simulator: z
    .strictObject({
      timeToFirstTokenMs: z.number().int().min(0).max(60000).default(150).describe("Milliseconds to the first token."),
      interTokenLatencyMs: z.number().int().min(0).max(10000).default(15).describe("Milliseconds between tokens."),
    })
    .default({ timeToFirstTokenMs: 150, interTokenLatencyMs: 15 })
    .describe("The simulator's latencies (engine simulator)."),
  autoscaling: z
    .strictObject({
      waitingPerReplica: z.number().gt(0).max(1000).default(5).describe("KEDA's target for `vllm:num_requests_waiting` per replica: waiting requests before it adds one."),
      kvCacheUsage: z.number().gt(0).max(1).optional().describe("A second trigger: average KV-cache usage (`vllm:kv_cache_usage_perc`, 0-1) per replica; off when unset."),
      scaleDownStabilizationSeconds: z
        .number()
        .int()
        .min(60, { error: "must be >= 60: a GPU replica takes minutes to warm up" })
        // The HorizontalPodAutoscaler KEDA makes refuses a stabilization window above an hour.
        .max(3600, { error: "must be <= 3600: the HorizontalPodAutoscaler's stabilization window is at most an hour" })
        .default(600)
        .describe("Seconds of lower load before a replica goes (a GPU replica takes minutes to warm up)."),
      pollingIntervalSeconds: z.number().int().min(5).max(600).default(15).describe("Seconds between KEDA's queries."),
    })
    .default({ waitingPerReplica: 5, scaleDownStabilizationSeconds: 600, pollingIntervalSeconds: 15 })
    .describe("Autoscaling on vLLM's own metrics through KEDA."),
  api: z
    .strictObject({
      replicas: count("replicas", 10).min(1, { error: "replicas must be >= 1: the model API is the one way in" }).optional().meta({ description: "Router replicas.", "x-default": "2 where highAvailability, else 1" }),
      resources: resourcesSchema.default(res("250m", "512Mi", "1Gi")).describe("Per router replica."),
    })
    .default({ resources: res("250m", "512Mi", "1Gi") })
    .describe("The model API (the vLLM production-stack router) in front of every served model."),
  slo: sloSchema.describe("The LLM service-level objective: the performance gate's TTFT and TPOT thresholds and goodput, and the observability layer's alerts, read these keys (one place)."),
  models: z
    .array(servedModelSchema)
    .min(1, { error: "must list at least one model to serve" })
    .describe("The models to serve, one ModelServing each. Their GPUs at max replicas must fit the model namespace's GPU quota."),
});

type ModelInput = z.infer<typeof modelInputSchema>;
type EngineKind = NonNullable<ModelInput["engine"]>;

/** What the model rules need from the infra section. */
export interface ModelFacts {
  highAvailability: boolean;
  infraKind: "aws" | "existing";
  /** GPU pools by name with their GPUs per node and instance types (AWS). */
  pools: { name: string; gpusPerNode: number; instanceTypes: string[] }[];
  /** GPUs the cluster offers at full scale (0 = none). */
  gpuCapacity: number;
  /** `requests.nvidia.com/gpu` quota of the model namespace. */
  modelGpuQuota: number;
}

export function defaultEngine(facts: Pick<ModelFacts, "gpuCapacity">): EngineKind {
  return facts.gpuCapacity > 0 ? "vllm-gpu" : "simulator";
}

/** vLLM flags whose value is a credential: refused in extraArgs (hfTokenSecret carries the token). */
const CREDENTIAL_FLAGS = ["--hf-token", "--api-key"] as const;
/** A Hugging Face access token, wherever it appears in a flag. */
const HF_TOKEN = /hf_[A-Za-z0-9]{20,}/;

/** Flags the kit sets itself; extraArgs must not repeat them. */
export const KIT_VLLM_FLAGS = ["--served-model-name", "--port", "--tensor-parallel-size", "--max-model-len", "--gpu-memory-utilization", "--host", "--model", "--api-key"] as const;

/** Rules across model keys and with the infra facts; paths are relative to `model`. */
export function checkModel(model: ModelInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: ModelFacts): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const engine = model.engine ?? defaultEngine(facts);
  if (engine === "vllm-gpu" && facts.gpuCapacity === 0) issue(["engine"], 'is "vllm-gpu" but the cluster has no GPUs (infra.gpuPools / infra.existingCluster.gpus); allowed here: "vllm-cpu" or "simulator"');
  const seen = new Map<string, number>();
  const served = new Map<string, number>();
  let gpusAtMax = 0;
  model.models.forEach((m, i) => {
    const who = `model "${m.name}"`;
    if (seen.has(m.name)) issue(["models", i, "name"], `${who} is listed twice (also models[${seen.get(m.name)}]); names must be unique`);
    seen.set(m.name, i);
    const servedName = m.servedModelName ?? m.modelId;
    if (served.has(servedName)) issue(["models", i, "servedModelName"], `${who}: "${servedName}" is already served by models[${served.get(servedName)}]; each served model name routes to one model`);
    served.set(servedName, i);
    if (m.replicas.min > m.replicas.max) issue(["models", i, "replicas"], `${who}: min ${m.replicas.min} > max ${m.replicas.max}; allowed: min <= max`);
    if (m.replicas.min === 0 && !m.scaleToZero) issue(["models", i, "replicas", "min"], `${who}: min 0 needs scaleToZero: true (a cold start on the first request); allowed otherwise: min >= 1`);
    if (m.scaleToZero && m.replicas.min !== 0) issue(["models", i, "replicas", "min"], `${who}: min ${m.replicas.min} with scaleToZero: true; allowed: 0 (scaleToZero means no replica when idle), or scaleToZero: false`);
    m.extraArgs.forEach((a, k) => {
      const flag = a.split("=")[0];
      if ((KIT_VLLM_FLAGS as readonly string[]).includes(flag)) issue(["models", i, "extraArgs", k], `${who}: ${flag} is set by the kit from the model's own keys; remove it from extraArgs`);
    });
    // A credential in a flag would be written in plain text into the Deployment (and the state).
    m.extraArgs.forEach((a, k) => {
      const flag = a.split("=")[0];
      if ((CREDENTIAL_FLAGS as readonly string[]).includes(flag) || HF_TOKEN.test(a)) {
        issue(["models", i, "extraArgs", k], `${who}: carries a credential in plain text (the value is not shown); a Hugging Face token goes in a Kubernetes Secret named by hfTokenSecret; allowed: flags without credentials`);
      }
    });
    if (engine === "vllm-gpu") {
      if (facts.infraKind === "aws") {
        const pool = facts.pools.find((p) => p.name === m.pool);
        const allowedPools = facts.pools.map((p) => p.name).join(", ") || "(no pools: add infra.gpuPools)";
        const fit = pool && m.tensorParallelSize <= pool.gpusPerNode ? fitProblem(m, engineResources(m, "vllm-gpu"), pool) : undefined;
        if (m.pool === undefined) issue(["models", i, "pool"], `${who} needs a GPU pool; allowed: ${allowedPools}`);
        else if (!pool) issue(["models", i, "pool"], `${who}: unknown pool "${m.pool}"; allowed: ${allowedPools}`);
        else if (m.tensorParallelSize > pool.gpusPerNode) issue(["models", i, "tensorParallelSize"], `${who}: tensorParallelSize ${m.tensorParallelSize} > ${pool.gpusPerNode} GPUs per node of pool "${pool.name}"; a replica runs on one node`);
        else if (fit) issue(["models", i, "resources"], `${who}: ${fit}`);
        else if (m.rollout === "RollingSurge" && m.tensorParallelSize === pool.gpusPerNode) issue(["models", i, "rollout"], `${who}: RollingSurge needs a spare node for the new replica, and a replica takes a whole node of pool "${pool.name}"; allowed: Recreate or RollingNoSurge`);
      } else if (m.pool !== undefined) {
        issue(["models", i, "pool"], `${who}: pools exist only on AWS stacks; on an existing cluster leave pool unset`);
      }
      gpusAtMax += m.replicas.max * m.tensorParallelSize;
    } else {
      if (m.pool !== undefined) issue(["models", i, "pool"], `${who}: pool "${m.pool}" is only for the vllm-gpu engine (this stack runs ${engine})`);
      if (m.tensorParallelSize !== 1) issue(["models", i, "tensorParallelSize"], `${who}: tensorParallelSize ${m.tensorParallelSize} needs GPUs; the ${engine} engine runs 1`);
    }
  });
  if (engine === "vllm-gpu" && gpusAtMax > facts.modelGpuQuota) {
    issue(["models"], `at their max replicas the models need ${gpusAtMax} GPUs, but the model namespace's GPU quota is ${facts.modelGpuQuota} (infra.namespaces.model.quota.gpus, default the cluster's capacity); lower replicas.max or raise the quota`);
  }
}

/**
 * A replica that takes tensorParallelSize of a node's GPUs gets the same share of its CPU and memory;
 * asking for more leaves GPUs idle or the pod Pending. Checked against the smallest instance type of the
 * pool (podAllocatable: what is left after the kubelet and the node's DaemonSets).
 */
function fitProblem(m: { tensorParallelSize: number }, r: ResourcesConfig, pool: { name: string; gpusPerNode: number; instanceTypes: string[] }): string | undefined {
  const cpu = quantityValue(r.requests.cpu) ?? 0;
  const memGiB = (quantityValue(r.requests.memory) ?? 0) / 2 ** 30;
  const share = m.tensorParallelSize / pool.gpusPerNode;
  for (const t of pool.instanceTypes) {
    const a = podAllocatable(t);
    if (!a) continue;
    const cpuMax = a.cpu * share;
    const memMax = a.memoryGiB * share;
    if (cpu > cpuMax || memGiB > memMax) {
      return `requests ${r.requests.cpu} CPU and ${r.requests.memory} do not fit ${t} of pool "${pool.name}": a replica with ${m.tensorParallelSize} of its ${pool.gpusPerNode} GPU(s) can request at most ${cpuMax.toFixed(1)} CPU and ${memMax.toFixed(1)}Gi there (after the kubelet and the node's DaemonSets); set resources for this model or use a larger instance type`;
    }
  }
  return undefined;
}

/** A model's engine resources: its own, else the engine default. */
function engineResources(m: { resources?: ResourcesConfig }, engine: EngineKind): ResourcesConfig {
  return m.resources ?? ENGINE_RESOURCES[engine];
}

/** Defaults that depend on the engine, the cluster or highAvailability. */
export function resolveModel(model: ModelInput, facts: Pick<ModelFacts, "highAvailability" | "gpuCapacity">) {
  const engine = model.engine ?? defaultEngine(facts);
  return {
    ...model,
    engine,
    api: { ...model.api, replicas: model.api.replicas ?? (facts.highAvailability ? 2 : 1) },
    models: model.models.map((m) => ({
      ...m,
      servedModelName: m.servedModelName ?? m.modelId,
      resources: m.resources ?? ENGINE_RESOURCES[engine],
      rollout: m.rollout ?? (m.replicas.max <= 1 ? ("Recreate" as const) : ("RollingNoSurge" as const)),
    })),
  };
}

export type ModelConfig = ReturnType<typeof resolveModel>;
