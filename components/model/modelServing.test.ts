import { chartCacheDir, findCached, indexCache } from "../../plan/charts/cache";
import { HISTOGRAMS, SERIES } from "../observability/metrics";
import { spawnSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CrdValidator } from "../../plan/crdSchema";
import { helmBinary } from "../../plan/charts/helm";
import { KubeObject, manifestFiles, validateObjects } from "../../plan/manifests";
import { RecordedResource } from "../../plan/types";
import { policies } from "../../policies/rules";
import { evaluate } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { EngineImages, EngineKind, ModelAutoscaling, ServedModel, ServingPool, WeightStore } from "./contracts";
import {
  deploymentStrategy,
  metricsIn,
  MODEL_CACHE_DIR,
  ModelServing,
  ModelServingArgs,
  modelServingPlan,
  scaledObjectSpec,
  SCALER_OWNED_FIELDS,
  servingProblems,
  STARTUP_PROBE,
  unknownMetrics,
  validateServing,
  VLLM_METRICS,
  vllmArgs,
  weightPrefix,
} from "./modelServing";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const SA = "kubernetes:core/v1:ServiceAccount";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SCALED = "kubernetes:keda.sh/v1alpha1:ScaledObject";
const SERVICE = "kubernetes:core/v1:Service";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const POOL: ServingPool = { name: "l40s", gpusPerNode: 4, nodeSelector: { "ods.io/gpu-pool": "l40s" }, taint: { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } };
const IMAGES: EngineImages = {
  vllmGpu: "docker.io/vllm/vllm-openai:v0.31.0",
  vllmCpu: "public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.31.0",
  simulator: "ghcr.io/llm-d/llm-d-inference-sim:v0.10.2",
  s3Client: "public.ecr.aws/aws-cli/aws-cli:2.32.26",
};
const GPU_MODEL: ServedModel = {
  name: "qwen2-5-7b",
  modelId: "Qwen/Qwen2.5-7B-Instruct",
  revision: "a09a35458c702b33eeacc393d103063234e8bc28",
  servedModelName: "qwen2.5-7b-instruct",
  tensorParallelSize: 2,
  maxModelLen: 8192,
  gpuMemoryUtilization: 0.9,
  extraArgs: ["--enable-prefix-caching"],
  replicas: { min: 2, max: 4 },
  pool: "l40s",
  hfTokenSecret: { name: "hf-token", key: "token" },
  resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { memory: "48Gi" } },
  rollout: "RollingNoSurge",
  cacheSize: "40Gi",
};
const CPU_MODEL: ServedModel = { ...GPU_MODEL, name: "qwen-small", modelId: "Qwen/Qwen2.5-0.5B-Instruct", servedModelName: "qwen-small", tensorParallelSize: 1, pool: undefined, hfTokenSecret: undefined, replicas: { min: 1, max: 1 }, resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } }, rollout: "Recreate", cacheSize: "4Gi" };
const SIM_MODEL: ServedModel = { ...CPU_MODEL, name: "sim", servedModelName: "sim-model", extraArgs: [], replicas: { min: 2, max: 3 }, resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } }, rollout: "RollingSurge" };
const AUTOSCALING: ModelAutoscaling = { waitingPerReplica: 4, kvCacheUsage: 0.8, scaleDownStabilizationSeconds: 600, pollingIntervalSeconds: 15, scaleToZero: false, prometheusUrl: "http://prometheus-operated.ods-observability.svc:9090" };

/** Weight stores built under the mocks (Outputs). `s3`: IRSA roles; else MinIO credentials Secrets. */
function weights(s3: boolean): { read: WeightStore; fetch: WeightStore } {
  const store = (consumer: string): WeightStore => ({
    endpoint: s3 ? "https://s3.eu-west-1.amazonaws.com" : "http://minio.ods-data.svc.cluster.local:9000",
    region: s3 ? "eu-west-1" : "us-east-1",
    pathStyle: !s3,
    bucket: pulumi.output("ods-prod-models"),
    access: s3
      ? { roleArn: pulumi.output(`arn:aws:iam::123456789012:role/ods-prod-${consumer}`), serviceAccount: consumer }
      : { credentialsSecret: pulumi.output(`${consumer}-s3`), serviceAccount: consumer },
    ready: [],
  });
  return { read: store("model-cache"), fetch: store("model-fetch") };
}

function args(engine: EngineKind, extra: Partial<ModelServingArgs> = {}): ModelServingArgs {
  const base = { namespace: "ods-model", images: IMAGES, apiKey: { secretName: "model-api-key", key: "api-key" }, autoscaling: AUTOSCALING, callers: ["ods-model", "ods-apps"], monitoringNamespace: "ods-observability" };
  if (engine === "vllm-gpu") return { ...base, engine, model: GPU_MODEL, pool: POOL, weights: weights(true), ...extra };
  if (engine === "vllm-cpu") return { ...base, engine, model: CPU_MODEL, weights: weights(false), ...extra };
  return { ...base, engine, model: SIM_MODEL, simulator: { timeToFirstTokenMs: 200, interTokenLatencyMs: 20 }, ...extra };
}
/** Pure-function args: no Outputs needed (weights only have to be present). */
function pureArgs(engine: EngineKind, extra: Partial<ModelServingArgs> = {}): ModelServingArgs {
  const fake = { endpoint: "http://x", region: "r", pathStyle: true, bucket: "b", access: { serviceAccount: "model-cache" }, ready: [] } as unknown as WeightStore;
  const a = args(engine, extra);
  return engine === "simulator" ? a : { ...a, weights: extra.weights ?? { read: fake, fetch: { ...fake, access: { serviceAccount: "model-fetch" } } as WeightStore } };
}
const withModel = (engine: EngineKind, m: Partial<ServedModel>, extra: Partial<ModelServingArgs> = {}) => {
  const a = pureArgs(engine, extra);
  return { ...a, model: { ...a.model, ...m } };
};

describe("validateServing: every bad entry rejected by model name, field, value and what is allowed", () => {
  test("the good args of each engine pass", () => {
    for (const e of ["vllm-gpu", "vllm-cpu", "simulator"] as EngineKind[]) expect(servingProblems(pureArgs(e))).toEqual([]);
  });
  const cases: [string, ModelServingArgs, RegExp][] = [
    ["tensorParallelSize above the pool's GPUs per node", withModel("vllm-gpu", { tensorParallelSize: 8 }), /model "qwen2-5-7b": tensorParallelSize 8 exceeds pool "l40s"'s 4 GPUs per node; allowed: 1 to 4/],
    ["an unknown pool", withModel("vllm-gpu", { pool: "h100" }), /model "qwen2-5-7b": pool "h100" is not a known GPU pool \(got pool "l40s"\)/],
    ["a missing pool name", withModel("vllm-gpu", { pool: undefined }), /model "qwen2-5-7b": pool undefined is missing; engine vllm-gpu needs a GPU pool/],
    ["no resolved pool", { ...pureArgs("vllm-gpu"), pool: undefined }, /pool "l40s" is not a known GPU pool; allowed/],
    ["a pool on vllm-cpu", withModel("vllm-cpu", { pool: "l40s" }), /model "qwen-small": pool "l40s" is set on engine vllm-cpu, which runs on no GPU pool/],
    ["a resolved pool on the simulator", { ...pureArgs("simulator"), pool: POOL }, /model "sim": pool "l40s" was given for engine simulator; allowed: a pool only with vllm-gpu/],
    ["replicas.min > max", withModel("vllm-gpu", { replicas: { min: 5, max: 4 } }), /model "qwen2-5-7b": replicas.min 5 is larger than replicas.max 4/],
    ["min 0 without scaleToZero", withModel("vllm-gpu", { replicas: { min: 0, max: 4 } }), /replicas.min 0 needs autoscaling.scaleToZero true/],
    ["scaleToZero with min 1", { ...pureArgs("vllm-cpu"), autoscaling: { ...AUTOSCALING, scaleToZero: true } }, /replicas.min 1 must be 0 when autoscaling.scaleToZero is true/],
    ["maxModelLen 0", withModel("vllm-gpu", { maxModelLen: 0 }), /maxModelLen 0 is not a positive integer/],
    ["maxModelLen fractional", withModel("vllm-gpu", { maxModelLen: 4096.5 }), /maxModelLen 4096.5 is not a positive integer/],
    ["gpuMemoryUtilization 0", withModel("vllm-gpu", { gpuMemoryUtilization: 0 }), /gpuMemoryUtilization 0 is outside \(0, 1\]/],
    ["gpuMemoryUtilization 1.2", withModel("vllm-gpu", { gpuMemoryUtilization: 1.2 }), /gpuMemoryUtilization 1.2 is outside \(0, 1\]/],
    ["extraArgs repeating --tensor-parallel-size", withModel("vllm-gpu", { extraArgs: ["--tensor-parallel-size", "4"] }), /extraArgs "--tensor-parallel-size" repeats --tensor-parallel-size, which the kit sets for vllm-gpu/],
    ["extraArgs repeating --max_model_len=...", withModel("vllm-gpu", { extraArgs: ["--max_model_len=4096"] }), /extraArgs "--max_model_len=4096" repeats --max-model-len/],
    ["extraArgs with the API key", withModel("vllm-cpu", { extraArgs: ["--api-key", "x"] }), /extraArgs "--api-key" repeats --api-key/],
    ["simulator extraArgs repeating a latency", withModel("simulator", { extraArgs: ["--inter-token-latency=5ms"] }), /extraArgs "--inter-token-latency=5ms" repeats --inter-token-latency, which the kit sets for simulator/],
    ["RollingSurge where a replica needs a whole node", withModel("vllm-gpu", { tensorParallelSize: 4, rollout: "RollingSurge" }), /rollout "RollingSurge" surges a replica that needs a whole node \(tensorParallelSize 4 = pool "l40s"'s gpusPerNode\)/],
    ["tensorParallelSize 2 on the CPU engine", withModel("vllm-cpu", { tensorParallelSize: 2 }), /tensorParallelSize 2 is set on engine vllm-cpu, which has no GPUs; allowed: 1/],
    ["an unpinned image", { ...pureArgs("vllm-gpu"), images: { ...IMAGES, vllmGpu: "docker.io/vllm/vllm-openai:latest" } }, /images.vllmGpu "docker.io\/vllm\/vllm-openai:latest" is not pinned/],
    ["another S3 client", { ...pureArgs("vllm-gpu"), images: { ...IMAGES, s3Client: "docker.io/minio/mc:RELEASE.2025-08-13T08-35-41Z" } }, /images.s3Client .* is not aws-cli/],
    ["vllm without weights", { ...pureArgs("vllm-cpu"), weights: undefined } as ModelServingArgs, /weights undefined is missing; engine vllm-cpu serves weights from the models bucket/],
    ["weights on the simulator", { ...pureArgs("simulator"), weights: pureArgs("vllm-cpu").weights }, /model "sim": weights "given" is unused by the simulator/],
    ["simulator without settings", { ...pureArgs("simulator"), simulator: undefined }, /simulator undefined is missing/],
    ["a revision with a slash", withModel("vllm-gpu", { revision: "refs/pr/1" }), /revision "refs\/pr\/1" is not a pinned revision/],
    ["a served name with a space", withModel("simulator", { servedModelName: "a b" }), /servedModelName "a b" is empty or has whitespace/],
    ["memory limit below /dev/shm", withModel("vllm-gpu", { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } } }), /resources.limits.memory "4Gi" leaves no room beside the 4Gi memory-backed \/dev\/shm/],
    ["kvCacheUsage 1.5", { ...pureArgs("vllm-gpu"), autoscaling: { ...AUTOSCALING, kvCacheUsage: 1.5 } }, /autoscaling.kvCacheUsage 1.5 is outside \(0, 1\]/],
    ["a bad cacheSize", withModel("vllm-gpu", { cacheSize: "40 GB" }), /cacheSize "40 GB" is not a Kubernetes quantity/],
  ];
  test.each(cases)("%s", (_what, a, message) => {
    const problems = servingProblems(a);
    expect(problems.some((p) => message.test(p))).toBe(true);
    expect(() => validateServing("ods-prod-model", a)).toThrow(/^ModelServing ods-prod-model: /);
  });
});

describe("vllmArgs (pure): the exact args per engine", () => {
  test("vllm-gpu: the cache dir first, then the kit's flags, then extraArgs", () => {
    expect(vllmArgs(GPU_MODEL, "vllm-gpu")).toEqual([
      "/models/Qwen/Qwen2.5-7B-Instruct/a09a35458c702b33eeacc393d103063234e8bc28",
      "--served-model-name", "qwen2.5-7b-instruct",
      "--port", "8000",
      "--tensor-parallel-size", "2",
      "--max-model-len", "8192",
      "--gpu-memory-utilization", "0.9",
      "--enable-prefix-caching",
    ]);
  });
  test("vllm-cpu: no tensor parallelism, no GPU memory share", () => {
    expect(vllmArgs(CPU_MODEL, "vllm-cpu")).toEqual([
      "/models/Qwen/Qwen2.5-0.5B-Instruct/a09a35458c702b33eeacc393d103063234e8bc28",
      "--served-model-name", "qwen-small", "--port", "8000", "--max-model-len", "8192", "--enable-prefix-caching",
    ]);
  });
  test("simulator: llm-d-inference-sim's flags with Go durations", () => {
    expect(vllmArgs(SIM_MODEL, "simulator", { timeToFirstTokenMs: 200, interTokenLatencyMs: 20 })).toEqual([
      "--model", "sim-model", "--served-model-name", "sim-model", "--port", "8000", "--max-model-len", "8192",
      "--time-to-first-token", "200ms", "--inter-token-latency", "20ms", "--force-dummy-tokenizer",
    ]);
    expect(() => vllmArgs(SIM_MODEL, "simulator")).toThrow(/simulator settings are missing/);
  });
});

describe("rollout strategy (pure)", () => {
  test.each([
    ["Recreate", { type: "Recreate" }],
    ["RollingNoSurge", { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }],
    ["RollingSurge", { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }],
  ] as const)("%s", (rollout, strategy) => {
    expect(deploymentStrategy(rollout)).toEqual(strategy);
    expect(modelServingPlan("m", withModel("vllm-cpu", { rollout })).deployment.strategy).toEqual(strategy);
  });
});

describe("autoscaling metrics", () => {
  // The kit's metric list (components/observability/metrics.ts) records each name with its upstream source.
  const known = [...Object.keys(HISTOGRAMS), ...Object.keys(SERIES)].filter((n) => n.startsWith("vllm:"));

  test("the exported metric names are all in the kit's metric list of vLLM's names", () => {
    expect(known.length).toBeGreaterThan(5);
    expect(Object.values(VLLM_METRICS).filter((m) => !known.includes(m))).toEqual([]);
  });

  test("the ScaledObject queries the waiting queue (and KV cache) by model_name and namespace, names from the metric list", () => {
    const spec = scaledObjectSpec("qwen2-5-7b", GPU_MODEL, AUTOSCALING, "ods-model", "http://prom:9090") as Obj;
    const [waiting, kv] = spec.triggers as Obj[];
    expect(waiting.metadata.query).toBe('sum(vllm:num_requests_waiting{model_name="qwen2.5-7b-instruct",namespace="ods-model"})');
    expect(waiting.metadata.threshold).toBe("4");
    expect(waiting.metricType).toBeUndefined();
    expect(kv.metadata.query).toBe('avg(vllm:kv_cache_usage_perc{model_name="qwen2.5-7b-instruct",namespace="ods-model"})');
    expect(kv.metricType).toBe("Value");
    for (const t of spec.triggers as Obj[]) expect(unknownMetrics(t.metadata.query, known)).toEqual([]);
    expect(spec.minReplicaCount).toBe(2);
    expect(spec.maxReplicaCount).toBe(4);
    expect(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    expect(spec.pollingInterval).toBe(15);
    expect(spec.cooldownPeriod).toBe(600);
  });

  test("a made-up metric name fails the check", () => {
    expect(metricsIn("sum(vllm:requests_queued{model_name=\"x\"})")).toEqual(["vllm:requests_queued"]);
    expect(unknownMetrics("sum(vllm:requests_queued{model_name=\"x\"})", known)).toEqual(["vllm:requests_queued"]);
  });

  test("no KV trigger when kvCacheUsage is unset; min 0 only with scaleToZero", () => {
    const spec = scaledObjectSpec("m", { ...CPU_MODEL, replicas: { min: 0, max: 2 } }, { ...AUTOSCALING, kvCacheUsage: undefined, scaleToZero: true }, "ns", "http://p") as Obj;
    // The queue trigger, and the router's request counter that wakes the model from zero (no pod, no vLLM metric).
    expect((spec.triggers as Obj[]).map((t) => t.name)).toEqual(["requests-waiting", "router-requests"]);
    const wake = (spec.triggers as Obj[])[1].metadata as Record<string, string>;
    expect(wake.query).toBe('sum(rate(vllm:num_incoming_requests_total{model="qwen-small",namespace="ns"}[2m]))');
    expect([wake.activationThreshold, wake.threshold]).toEqual(["0", "1000000"]);
    expect(spec.minReplicaCount).toBe(0);
    // Without scale to zero there is nothing to wake: no router trigger.
    const always = scaledObjectSpec("m", CPU_MODEL, { ...AUTOSCALING, kvCacheUsage: undefined, scaleToZero: false }, "ns", "http://p") as Obj;
    expect((always.triggers as Obj[]).map((t) => t.name)).toEqual(["requests-waiting"]);
  });
});

describe("the weight cache is bound to the model", () => {
  test("the fetch Job's name changes with the revision; the pod reads the same prefix the Job writes", () => {
    const a = modelServingPlan("m", pureArgs("vllm-gpu"));
    const b = modelServingPlan("m", withModel("vllm-gpu", { revision: "0123456789abcdef" }));
    expect(a.fetchJobName).toMatch(/^qwen2-5-7b-fetch-[0-9a-f]{8}$/);
    expect(b.fetchJobName).not.toBe(a.fetchJobName);
    expect(modelServingPlan("m", pureArgs("vllm-gpu")).fetchJobName).toBe(a.fetchJobName);
    const prefixOf = (env: Obj[]) => env.find((e) => e.name === "WEIGHTS_PREFIX")?.value;
    const job = a.fetchJob!.template.spec;
    expect(prefixOf(job.containers[0].env as Obj[])).toBe("Qwen/Qwen2.5-7B-Instruct/a09a35458c702b33eeacc393d103063234e8bc28");
    const init = (a.deployment.template.spec.initContainers as Obj[])[0];
    expect(prefixOf(init.env)).toBe(weightPrefix(GPU_MODEL));
    expect(init.env.find((e: Obj) => e.name === "MODEL_DIR").value).toBe(`${MODEL_CACHE_DIR}/${weightPrefix(GPU_MODEL)}`);
    expect(vllmArgs(GPU_MODEL, "vllm-gpu")[0]).toBe(`${MODEL_CACHE_DIR}/${weightPrefix(GPU_MODEL)}`);
  });
  test("the simulator has no cache, no Job and no init container", () => {
    const p = modelServingPlan("m", pureArgs("simulator"));
    expect(p.fetchJob).toBeUndefined();
    expect(p.deployment.template.spec.initContainers).toBeUndefined();
  });
});

describe("ModelServing (recorded under mocks)", () => {
  const container = (d: RecordedResource): Obj => (get(d, "spec.template.spec.containers") as Obj[])[0];

  test("vllm-gpu: GPUs = tensorParallelSize, the pool's nodeSelector and taint toleration, probes, /dev/shm, KEDA owns replicas", async () => {
    const rs = await record(() => new ModelServing("ods-prod-qwen", args("vllm-gpu")));
    const d = one(rs, DEPLOYMENT);
    const c = container(d);
    expect(c.image).toBe(IMAGES.vllmGpu);
    expect(c.resources.requests["nvidia.com/gpu"]).toBe("2");
    expect(c.resources.limits["nvidia.com/gpu"]).toBe("2");
    expect(c.resources.requests["ephemeral-storage"]).toBe("40Gi");
    expect(get(d, "spec.template.spec.nodeSelector")).toEqual({ "ods.io/gpu-pool": "l40s" });
    expect(get(d, "spec.template.spec.tolerations")).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    expect(c.startupProbe.httpGet.path).toBe("/health");
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(20 * 60);
    expect(c.readinessProbe.httpGet.path).toBe("/health");
    expect(c.livenessProbe.httpGet.path).toBe("/health");
    expect((get(d, "spec.template.spec.volumes") as Obj[]).find((v) => v.name === "shm")).toEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "4Gi" } });
    expect(c.volumeMounts).toContainEqual({ name: "shm", mountPath: "/dev/shm" });
    expect(c.volumeMounts).toContainEqual({ name: "model-cache", mountPath: "/models", readOnly: true });
    expect(c.env).toContainEqual({ name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "model-api-key", key: "api-key", optional: false } } });
    expect(c.env).toContainEqual({ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "token", optional: false } } });
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
    expect(get(d, "spec.replicas")).toBe(2);
    expect(d.options?.ignoreChanges).toEqual(SCALER_OWNED_FIELDS);
    expect(get(d, "spec.strategy")).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    // S3: IRSA service accounts, no credentials Secret.
    const sas = ofType(rs, SA);
    expect(sas.map((s) => [get(s, "metadata.name"), get(s, "metadata.annotations")])).toEqual([
      ["model-cache", { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ods-prod-model-cache" }],
      ["model-fetch", { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ods-prod-model-fetch" }],
    ]);
    expect(get(d, "spec.template.spec.serviceAccountName")).toBe("model-cache");
    const job = one(rs, JOB);
    expect(get(job, "spec.template.spec.serviceAccountName")).toBe("model-fetch");
    expect(get(job, "spec.ttlSecondsAfterFinished")).toBeUndefined();
    const initNames = (get(job, "spec.template.spec.initContainers") as Obj[]).map((x) => [x.name, x.image]);
    expect(initNames).toEqual([["check", IMAGES.s3Client], ["download", IMAGES.vllmGpu]]);
    expect((get(job, "spec.template.spec.containers") as Obj[])[0].envFrom).toBeUndefined();
    expect(one(rs, PDB).inputs.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "model-server", "app.kubernetes.io/instance": "qwen2-5-7b" } } });
  });

  test.each(["vllm-cpu", "simulator"] as EngineKind[])("%s: no GPU request, nodeSelector or toleration", async (engine) => {
    const rs = await record(() => new ModelServing("ods-local-m", args(engine)));
    const d = one(rs, DEPLOYMENT);
    const c = container(d);
    expect(Object.keys(c.resources.requests)).not.toContain("nvidia.com/gpu");
    expect(Object.keys(c.resources.limits)).not.toContain("nvidia.com/gpu");
    expect(get(d, "spec.template.spec.nodeSelector")).toBeUndefined();
    expect(get(d, "spec.template.spec.tolerations")).toBeUndefined();
    expect(c.startupProbe.httpGet.path).toBe("/health");
    expect(c.startupProbe.failureThreshold).toBe(STARTUP_PROBE[engine].failureThreshold);
    const shm = (get(d, "spec.template.spec.volumes") as Obj[]).find((v) => v.name === "shm");
    if (engine === "vllm-cpu") {
      expect(shm).toEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
      // MinIO: credentials by Secret reference into the aws-cli containers only.
      const init = (get(d, "spec.template.spec.initContainers") as Obj[])[0];
      expect(init.envFrom).toEqual([{ secretRef: { name: "model-cache-s3", optional: false } }]);
      expect(c.envFrom).toBeUndefined();
      expect(ofType(rs, SA).every((s) => get(s, "metadata.annotations") === undefined)).toBe(true);
    } else {
      expect(shm).toBeUndefined();
      expect(ofType(rs, JOB)).toHaveLength(0);
      expect(ofType(rs, SA)).toHaveLength(0);
      expect(c.securityContext.runAsUser).toBe(65532);
    }
  });

  test("Service, NetworkPolicy (callers + Prometheus on 8000), ScaledObject after KEDA; outputs", async () => {
    let m: ModelServing | undefined;
    const rs = await record(() => (m = new ModelServing("ods-prod-qwen", args("vllm-gpu"))));
    expect(get(one(rs, SERVICE), "spec.ports")).toEqual([{ name: "http", port: 8000, targetPort: "http", protocol: "TCP" }]);
    const peers = (get(one(rs, NETPOL), "spec.ingress") as Obj[]).map((r) => [r.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"], r.ports]);
    expect(peers).toEqual([["ods-model", [{ protocol: "TCP", port: 8000 }]], ["ods-apps", [{ protocol: "TCP", port: 8000 }]], ["ods-observability", [{ protocol: "TCP", port: 8000 }]]]);
    const so = one(rs, SCALED);
    expect(get(so, "spec.scaleTargetRef")).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "qwen2-5-7b" });
    const out = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
    expect(await out(m!.url)).toBe("http://qwen2-5-7b.ods-model.svc.cluster.local:8000");
    expect(await out(m!.serviceName)).toBe("qwen2-5-7b");
    expect(m!.servedModelName).toBe("qwen2.5-7b-instruct");
    const comp = rs.find((r) => r.type === "ods:model:ModelServing")!;
    expect(comp.registeredOutputs).toEqual(expect.arrayContaining(["servedModelName", "url", "serviceName"]));
    // Every child is parented to the component and named after it.
    for (const r of rs.filter((x) => x !== comp)) {
      expect(r.parent).toBe("ods-prod-qwen");
      expect(r.name.startsWith("ods-prod-qwen-")).toBe(true);
    }
  });

  test("no secret literal anywhere: the API key and HF token only by Secret reference", async () => {
    const rs = [...(await record(() => new ModelServing("ods-prod-qwen", args("vllm-gpu")))), ...(await record(() => new ModelServing("ods-local-qwen", args("vllm-cpu"))))];
    const strings = rs.flatMap((r) => allStrings(r.inputs));
    expect(strings.filter((s) => /^hf_[A-Za-z0-9]{20,}$|^sk-/.test(s))).toEqual([]);
    const envs = rs.flatMap((r) => [...ofType([r], DEPLOYMENT), ...ofType([r], JOB)]).flatMap((r) => {
      const spec = get(r, "spec.template.spec") as Obj;
      return [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: Obj) => c.env ?? []);
    });
    const secretLooking = envs.filter((e: Obj) => /KEY|TOKEN|SECRET|PASSWORD/.test(e.name) && !/_URL/.test(e.name));
    expect(secretLooking.length).toBeGreaterThan(0);
    for (const e of secretLooking) expect(e.valueFrom?.secretKeyRef).toBeDefined();
  });

  test("a bad model fails before anything is declared, by name", async () => {
    await expect(record(() => new ModelServing("ods-prod-qwen", { ...args("vllm-gpu"), model: { ...GPU_MODEL, tensorParallelSize: 8 } }))).rejects.toThrow(/model "qwen2-5-7b": tensorParallelSize 8 exceeds/);
  });
});

/** The ScaledObject CRD as KEDA's chart 2.20.2 renders it (from the chart cache). */
function kedaCrds(): KubeObject[] {
  const chart = findCached(indexCache(chartCacheDir()), "keda", "2.20.2")?.path;
  if (!chart) throw new Error(`keda 2.20.2 is not in the chart cache ${chartCacheDir()}: run \`npm run setup\` or set ODS_CHART_CACHE`);
  const res = spawnSync(helmBinary(), ["template", "keda", chart, "--show-only", "templates/crds/crd-scaledobjects.yaml"], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(res.stderr);
  return YAML.parseAllDocuments(res.stdout).map((d) => d.toJS() as KubeObject).filter((o) => o?.kind === "CustomResourceDefinition");
}

describe("schemas and the policy pack", () => {
  test("every object validates: built-ins and ServiceMonitor upstream, ScaledObject against KEDA 2.20.2's CRD", async () => {
    const rs = [
      ...(await record(() => new ModelServing("ods-prod-qwen", args("vllm-gpu")))),
      ...(await record(() => new ModelServing("ods-local-small", args("vllm-cpu")))),
      ...(await record(() => new ModelServing("ods-local-sim", args("simulator")))),
    ];
    const crds = kedaCrds();
    expect(crds.map((c) => c.metadata?.name)).toEqual(["scaledobjects.keda.sh"]);
    const crdRecords: RecordedResource[] = crds.map((o) => ({ type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", name: "keda-crd", parent: null, parentType: null, component: false, urn: "u", inputs: o as unknown as Record<string, unknown> }));
    const files = manifestFiles([...crdRecords, ...rs]);
    expect(files.filter((f) => (f.content as KubeObject).kind === "ScaledObject")).toHaveLength(3);
    expect(validateObjects(files)).toEqual([]);
    // The check is real: a misspelt trigger field is caught by the CRD.
    const v = new CrdValidator(crds);
    const so = ofType(rs, SCALED)[0].inputs as unknown as KubeObject;
    expect(v.validate(so)).toBeUndefined();
    expect(v.validate({ ...so, spec: { ...(so.spec as Obj), minReplicas: 1 } })).toMatch(/unknown field "minReplicas"/);
  });

  test.each(["local", "prod"])("the pack over vllm-gpu and simulator (%s config): 0 mandatory violations, and it bites", async (stack) => {
    const rs = [
      ...(await record(() => new ModelServing("ods-prod-qwen", args("vllm-gpu")))),
      ...(await record(() => new ModelServing("ods-prod-sim", args("simulator")))),
    ];
    const { config } = stackPackConfig(stack, policies);
    const result = await evaluate(rs, policies, config);
    expect(result.errors).toEqual([]);
    expect(result.violations.filter((x) => x.enforcement === "mandatory")).toEqual([]);
    // Without the toleration the GPU rule fails: the pack does look at these objects.
    const broken = rs.map((r) => (r.type === DEPLOYMENT && get(r, "spec.template.spec.tolerations") ? { ...r, inputs: { ...r.inputs, spec: { ...(r.inputs.spec as Obj), template: { ...(r.inputs.spec as Obj).template, spec: { ...(r.inputs.spec as Obj).template.spec, tolerations: [] } } } } } : r));
    const bad = await evaluate(broken, policies, config);
    expect(bad.violations.filter((x) => x.enforcement === "mandatory").map((x) => x.policy)).toContain("k8s-gpu-scheduling");
  });
});
