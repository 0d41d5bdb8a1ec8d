// The model section: defaults that follow the cluster's GPUs and highAvailability, and every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { validateConfig } from "../load";

const existing = (gpus = 0) => ({ kind: "existing", existingCluster: { gpus } });
const aws = {
  kind: "aws",
  aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], kubernetesVersion: "1.35", ebsCsiAddonVersion: "v1.67.1-eksbuild.1", systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } },
  gpuPools: [
    { name: "l40s", instanceTypes: ["g6e.2xlarge"], gpuType: "l40s", gpusPerNode: 1, capacityType: "on-demand", minSize: 1, desiredSize: 1, maxSize: 4 },
    { name: "h100", instanceTypes: ["p5.48xlarge"], gpuType: "h100", gpusPerNode: 8, capacityType: "on-demand", minSize: 0, desiredSize: 0, maxSize: 1 },
  ],
};
const QWEN = { name: "qwen", modelId: "Qwen/Qwen2.5-7B-Instruct", revision: "a09a35458c702b33eeacc393d103063234e8bc28", maxModelLen: 8192 };
type Opts = { ha?: boolean; infra?: Record<string, unknown> };
const SLO = { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 };
const cfg = (model: Record<string, unknown>, opts: Opts = {}) =>
  validateConfig({ environment: "t", domain: "t.example.com", highAvailability: opts.ha ?? false, infra: opts.infra ?? existing(), data: { ...MINIMAL_DATA, access: { mode: "nodePort" } }, model: { slo: SLO, ...model }, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE, apps: MINIMAL_APPS });
const error = (model: Record<string, unknown>, opts: Opts = {}) => configErrorOf(() => cfg(model, opts));

test("the engine follows the cluster: vLLM on GPUs where there are any, the simulator where there are none", () => {
  expect(cfg({ models: [QWEN] }).model.engine).toBe("simulator");
  expect(cfg({ models: [QWEN] }, { infra: existing(2) }).model.engine).toBe("vllm-gpu");
  expect(cfg({ models: [{ ...QWEN, pool: "l40s" }] }, { infra: aws }).model.engine).toBe("vllm-gpu");
  expect(cfg({ engine: "vllm-cpu", models: [QWEN] }).model.engine).toBe("vllm-cpu");
});

test("defaults: served name = model id, one replica rolled by Recreate, RollingNoSurge with more, router replicas by HA, pinned images", () => {
  const m = cfg({ models: [QWEN, { ...QWEN, name: "two", servedModelName: "qwen-b", replicas: { min: 1, max: 3 } }] }).model;
  expect(m.models.map((x) => [x.servedModelName, x.rollout, x.tensorParallelSize, x.gpuMemoryUtilization, x.cacheSize])).toEqual([
    ["Qwen/Qwen2.5-7B-Instruct", "Recreate", 1, 0.9, "40Gi"],
    ["qwen-b", "RollingNoSurge", 1, 0.9, "40Gi"],
  ]);
  expect(m.api.replicas).toBe(1);
  expect(cfg({ models: [{ ...QWEN, pool: "l40s", replicas: { min: 2, max: 4 } }] }, { ha: true, infra: aws }).model.api.replicas).toBe(2);
  expect(Object.values(m.images).every((i) => /:[\w.-]+$/.test(i) && !i.endsWith(":latest"))).toBe(true);
  expect(m.autoscaling).toEqual({ waitingPerReplica: 5, scaleDownStabilizationSeconds: 600, pollingIntervalSeconds: 15 });
});

test("a model list is required", () => {
  expect(configErrorOf(() => validateConfig({ environment: "t", domain: "t.example.com", infra: existing(), data: MINIMAL_DATA }))).toContain("ods:model is required");
  expect(error({ models: [] })).toContain("ods:model.models = []: must list at least one model to serve");
});

test.each([
  [{ models: [{ ...QWEN, pool: "a100" }] }, { infra: aws }, 'ods:model.models[0].pool = "a100": model "qwen": unknown pool "a100"; allowed: l40s, h100'],
  [{ models: [QWEN] }, { infra: aws }, 'model "qwen" needs a GPU pool; allowed: l40s, h100'],
  [{ models: [{ ...QWEN, pool: "l40s", tensorParallelSize: 2 }] }, { infra: aws }, 'model "qwen": tensorParallelSize 2 > 1 GPUs per node of pool "l40s"'],
  [{ models: [{ ...QWEN, pool: "h100", tensorParallelSize: 8, rollout: "RollingSurge", replicas: { min: 1, max: 1 } }] }, { infra: aws }, 'model "qwen": RollingSurge needs a spare node'],
  [{ models: [{ ...QWEN, replicas: { min: 3, max: 2 } }] }, {}, 'model "qwen": min 3 > max 2'],
  [{ models: [{ ...QWEN, replicas: { min: 0, max: 2 } }] }, {}, 'model "qwen": min 0 needs scaleToZero: true'],
  [{ models: [{ ...QWEN, maxModelLen: "8k" }] }, {}, 'ods:model.models[0].maxModelLen = "8k": expected number'],
  [{ models: [{ ...QWEN, maxModelLen: 8192.5 }] }, {}, "ods:model.models[0].maxModelLen = 8192.5: expected int"],
  [{ models: [{ ...QWEN, gpuMemoryUtilization: 1.2 }] }, {}, "ods:model.models[0].gpuMemoryUtilization = 1.2: must be <= 1"],
  [{ models: [{ ...QWEN, revision: "main" }] }, {}, "'main' is a moving branch"],
  [{ models: [{ ...QWEN, modelId: "qwen-7b" }] }, {}, "must be a Hugging Face model id <org>/<name>"],
  [{ models: [{ ...QWEN, name: "Qwen_7B" }] }, {}, "must be a DNS label"],
  [{ models: [{ ...QWEN, extraArgs: ["--tensor-parallel-size=2"] }] }, {}, 'model "qwen": --tensor-parallel-size is set by the kit'],
  [{ models: [QWEN, { ...QWEN }] }, {}, 'model "qwen" is listed twice'],
  [{ models: [QWEN, { ...QWEN, name: "other" }] }, {}, 'model "other": "Qwen/Qwen2.5-7B-Instruct" is already served by models[0]'],
  [{ models: [{ ...QWEN, pool: "l40s" }] }, {}, 'model "qwen": pool "l40s" is only for the vllm-gpu engine (this stack runs simulator)'],
  [{ engine: "vllm-cpu", models: [{ ...QWEN, tensorParallelSize: 2 }] }, {}, 'model "qwen": tensorParallelSize 2 needs GPUs; the vllm-cpu engine runs 1'],
  [{ engine: "vllm-gpu", models: [QWEN] }, {}, 'ods:model.engine = "vllm-gpu": is "vllm-gpu" but the cluster has no GPUs'],
  [{ models: [{ ...QWEN, replicas: { min: 1, max: 3 } }] }, { infra: existing(2) }, "at their max replicas the models need 3 GPUs, but the model namespace's GPU quota is 2"],
  [{ images: { vllmGpu: "vllm/vllm-openai:latest" }, models: [QWEN] }, {}, 'ods:model.images.vllmGpu = "vllm/vllm-openai:latest": must not use the tag latest'],
  [{ autoscaling: { scaleDownStabilizationSeconds: 30 }, models: [QWEN] }, {}, "must be >= 60: a GPU replica takes minutes to warm up"],
  [{ models: [{ ...QWEN, pool: "l40s", resources: { requests: { cpu: "8", memory: "32Gi" }, limits: { memory: "48Gi" } } }] }, { infra: aws }, 'model "qwen": requests 8 CPU and 32Gi do not fit g6e.2xlarge of pool "l40s": a replica with 1 of its 1 GPU(s) can request at most 7.0 CPU and 56.1Gi there'],
  [{ models: [{ ...QWEN, pool: "h100", tensorParallelSize: 2, resources: { requests: { cpu: "60", memory: "100Gi" }, limits: { memory: "200Gi" } } }] }, { infra: aws }, 'model "qwen": requests 60 CPU and 100Gi do not fit p5.48xlarge of pool "h100": a replica with 2 of its 8 GPU(s) can request at most 47.8 CPU and 460.4Gi there'],
  [{ slo: { ...SLO, percentile: 99.9 }, models: [QWEN] }, {}, "ods:model.slo.percentile = 99.9: allowed: one of 50, 90, 95, 99"],
  [{ slo: { ...SLO, goodput: 0 }, models: [QWEN] }, {}, "ods:model.slo.goodput = 0: goodput must be > 0 and <= 1"],
  [{ slo: undefined, models: [QWEN] }, {}, "ods:model.slo is required"],
])("%j is rejected by name", (model, opts, message) => {
  expect(error(model, opts)).toContain(message);
});

test("the good neighbours of those cases pass", () => {
  expect(() => cfg({ models: [{ ...QWEN, pool: "h100", tensorParallelSize: 8 }] }, { infra: aws })).not.toThrow();
  // The default GPU engine resources fit the l40s pool's g6e.2xlarge; a quarter of a p5 fits 2 of its 8 GPUs.
  expect(() => cfg({ models: [{ ...QWEN, pool: "l40s" }] }, { infra: aws })).not.toThrow();
  expect(() => cfg({ models: [{ ...QWEN, pool: "h100", tensorParallelSize: 2, resources: { requests: { cpu: "40", memory: "400Gi" }, limits: { memory: "440Gi" } } }] }, { infra: aws })).not.toThrow();
  expect(() => cfg({ models: [{ ...QWEN, replicas: { min: 0, max: 2 }, scaleToZero: true }] })).not.toThrow();
  expect(() => cfg({ models: [{ ...QWEN, extraArgs: ["--enable-prefix-caching", "--max-num-seqs=128"] }] })).not.toThrow();
  expect(() => cfg({ models: [{ ...QWEN, replicas: { min: 1, max: 2 } }] }, { infra: existing(2) })).not.toThrow();
});

test("extraArgs and the weight cache have bounds: a 400,000-flag list, a 2 KB flag and a 0-byte cache are refused", () => {
  const huge = Array.from({ length: 400_000 }, (_, i) => `--flag-${i}`);
  expect(error({ models: [{ ...QWEN, extraArgs: huge }] })).toContain("ods:model.models[0].extraArgs");
  expect(error({ models: [{ ...QWEN, extraArgs: huge }] })).toContain("must list at most 64 flags");
  expect(error({ models: [{ ...QWEN, extraArgs: [`--x=${"a".repeat(2048)}`] }] })).toContain("each flag must be at most 1024 characters");
  expect(error({ models: [{ ...QWEN, cacheSize: "0" }] })).toContain('cacheSize = "0": must be a size from 1Gi to 64Ti');
  expect(cfg({ models: [{ ...QWEN, extraArgs: Array.from({ length: 64 }, (_, i) => `--f${i}`) }] }).model.models[0].extraArgs).toHaveLength(64);
});

test("the Hugging Face token's Secret key is a Secret key, not a path or a shell fragment", () => {
  expect(error({ models: [{ ...QWEN, hfTokenSecret: { name: "hf", key: "../$(id)" } }] })).toContain("ods:model.models[0].hfTokenSecret.key");
  expect(error({ models: [{ ...QWEN, hfTokenSecret: { name: "hf", key: ".." } }] })).toContain("must be a Secret key");
  expect(cfg({ models: [{ ...QWEN, hfTokenSecret: { name: "hf", key: "HF_TOKEN.v1" } }] }).model.models[0].hfTokenSecret).toEqual({ name: "hf", key: "HF_TOKEN.v1" });
});

test("a credential in extraArgs is refused without being shown (it would land in the Deployment in plain text)", () => {
  const token = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123";
  for (const extraArgs of [[`--hf-token=${token}`], ["--hf-token", token], [`--api-key=${token}`], ["--enable-prefix-caching", `--x=${token}`]]) {
    const msg = error({ models: [{ ...QWEN, extraArgs }] });
    expect(msg).toMatch(/ods:model\.models\[0\]\.extraArgs\[\d\] = \[secret, not shown\]: model "qwen": carries a credential in plain text/);
    expect(msg).not.toContain(token);
  }
  // The bad case for the check itself: ordinary flags pass.
  expect(cfg({ models: [{ ...QWEN, extraArgs: ["--enable-prefix-caching", "--max-num-seqs=64"] }] }).model.models[0].extraArgs).toHaveLength(2);
});
