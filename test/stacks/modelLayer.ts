// The model layer as each stack's plan has it, checked against that stack's own config: the exact
// engine args, GPUs where the stack has them and none on the laptop, probes, shm, rollout, the KEDA
// query on a metric vLLM exports, the weight cache bound to the model, the router's backends, its pods
// without a Kubernetes API token or rules, and the gate's endpoint. Called from each stack's test file
// with the plan it already made.
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { REPO_ROOT } from "../../lib/repo";
import type { FullPlanResult } from "../../plan/run";
import type { RecordedResource } from "../../plan/types";
import { ROUTER_INCOMING_REQUESTS, weightsHash } from "../../components/model/modelServing";
import { HISTOGRAMS, SERIES } from "../../components/observability/metrics";
import { get, ofType, podApiAccess } from "../harness";

/** vLLM's metric names as the kit's metric list records them, each with its upstream source. */
function vllmMetrics(): string[] {
  return [...Object.keys(HISTOGRAMS), ...Object.keys(SERIES)].filter((n) => n.startsWith("vllm:"));
}

type Obj = Record<string, unknown>;
const container = (d: RecordedResource) => (get(d, "spec.template.spec.containers") as Obj[])[0];

export function describeModelLayer(stack: string, plan: () => FullPlanResult): void {
  const sc = readStackConfig(REPO_ROOT, stack);
  const cfg = validateStackConfig(sc);
  const m = cfg.model;

  describe(`the model layer of ${stack} (${m.engine}, ${m.models.length} model(s))`, () => {
    const servingOf = (name: string) => {
      const r = plan().resources;
      const comp = r.find((x) => x.type === "ods:model:ModelServing" && x.name.endsWith(`-model-${name}`))!;
      const kids = r.filter((x) => x.parent === comp.name);
      return {
        comp,
        deployment: kids.find((x) => x.type === "kubernetes:apps/v1:Deployment")!,
        scaler: kids.find((x) => x.type === "kubernetes:keda.sh/v1alpha1:ScaledObject")!,
        jobs: kids.filter((x) => x.type === "kubernetes:batch/v1:Job"),
      };
    };

    it("serves every configured model, each with its Deployment, ScaledObject and Service", () => {
      expect(ofType(plan().resources, "ods:model:ModelServing").map((x) => x.name)).toEqual(m.models.map((x) => `ods-${stack}-model-${x.name}`));
      for (const x of m.models) {
        const s = servingOf(x.name);
        expect(s.deployment).toBeDefined();
        expect(s.scaler).toBeDefined();
      }
    });

    it("runs the engine with exactly the args from config", () => {
      for (const x of m.models) {
        const args = container(servingOf(x.name).deployment).args as string[];
        if (m.engine === "simulator") {
          expect(args).toEqual(["--model", x.servedModelName, "--served-model-name", x.servedModelName, "--port", "8000", "--max-model-len", String(x.maxModelLen), "--time-to-first-token", `${m.simulator.timeToFirstTokenMs}ms`, "--inter-token-latency", `${m.simulator.interTokenLatencyMs}ms`, "--force-dummy-tokenizer"]);
        } else {
          const gpu = m.engine === "vllm-gpu";
          expect(args).toEqual([
            `/models/${x.modelId}/${x.revision}`,
            "--served-model-name", x.servedModelName,
            "--port", "8000",
            ...(gpu ? ["--tensor-parallel-size", String(x.tensorParallelSize)] : []),
            "--max-model-len", String(x.maxModelLen),
            ...(gpu ? ["--gpu-memory-utilization", String(x.gpuMemoryUtilization)] : []),
            ...x.extraArgs,
          ]);
        }
      }
    });

    it(m.engine === "vllm-gpu" ? "asks for the GPUs on the configured pool and tolerates its taint" : "asks for no GPU and tolerates no GPU taint", () => {
      for (const x of m.models) {
        const d = servingOf(x.name).deployment;
        const res = container(d).resources as { requests: Obj; limits: Obj };
        const spec = get(d, "spec.template.spec") as Obj;
        if (m.engine === "vllm-gpu") {
          expect([res.requests["nvidia.com/gpu"], res.limits["nvidia.com/gpu"]]).toEqual([String(x.tensorParallelSize), String(x.tensorParallelSize)]);
          expect((spec.nodeSelector as Obj)["ods.io/gpu-pool"]).toBe(x.pool);
          expect(spec.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        } else {
          expect(JSON.stringify(res)).not.toContain("nvidia.com/gpu");
          expect(spec.tolerations).toBeUndefined();
          expect(JSON.stringify(spec.nodeSelector ?? {})).not.toContain("gpu");
        }
        expect([res.requests.cpu, res.requests.memory, res.limits.memory]).toEqual([x.resources.requests.cpu, x.resources.requests.memory, x.resources.limits.memory]);
      }
    });

    it("probes /health (startup allows for loading), mounts a memory-backed /dev/shm for vLLM, and rolls out as configured", () => {
      for (const x of m.models) {
        const d = servingOf(x.name).deployment;
        const c = container(d);
        const startup = c.startupProbe as { httpGet: { path: string }; periodSeconds: number; failureThreshold: number };
        expect((c.livenessProbe as { httpGet: { path: string } }).httpGet.path).toBe("/health");
        expect((c.readinessProbe as { httpGet: { path: string } }).httpGet.path).toMatch(/^\/health/);
        const budget = startup.periodSeconds * startup.failureThreshold;
        expect(budget).toBeGreaterThanOrEqual(m.engine === "vllm-gpu" ? 20 * 60 : m.engine === "vllm-cpu" ? 10 * 60 : 60);
        const shm = (get(d, "spec.template.spec.volumes") as Obj[]).find((v) => (v.emptyDir as Obj | undefined)?.medium === "Memory");
        if (m.engine === "simulator") expect(shm).toBeUndefined();
        else expect((c.volumeMounts as Obj[]).find((v) => v.name === shm!.name)?.mountPath).toBe("/dev/shm");
        const strategy = get(d, "spec.strategy") as Obj;
        expect(strategy).toEqual(
          x.rollout === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: x.rollout === "RollingNoSurge" ? { maxSurge: 0, maxUnavailable: 1 } : { maxSurge: 1, maxUnavailable: 0 } },
        );
      }
    });

    it("scales on vLLM's own queue metric (one the kit's metric list records) within the configured replicas", () => {
      const known = [...vllmMetrics(), ROUTER_INCOMING_REQUESTS];
      expect(known).toContain("vllm:num_requests_waiting");
      for (const x of m.models) {
        const s = get(servingOf(x.name).scaler, "spec") as { minReplicaCount: number; maxReplicaCount: number; triggers: { metadata: { query: string } }[] };
        expect([s.minReplicaCount, s.maxReplicaCount]).toEqual([x.scaleToZero ? 0 : x.replicas.min, x.replicas.max]);
        expect(s.triggers[0].metadata.query).toBe(`sum(vllm:num_requests_waiting{model_name="${x.servedModelName}",namespace="ods-model"})`);
        for (const t of s.triggers) {
          const names = [...t.metadata.query.matchAll(/(vllm:[a-z_:]+)/g)].map((g) => g[1]);
          expect(names.filter((n) => !known.includes(n))).toEqual([]);
        }
      }
    });

    it(m.engine === "simulator" ? "needs no weights: no fetch Job, no cache" : "fetches the weights of the configured revision once, into the models bucket, and serves them from the pod's cache", () => {
      for (const x of m.models) {
        const s = servingOf(x.name);
        if (m.engine === "simulator") {
          expect(s.jobs).toEqual([]);
          continue;
        }
        expect(s.jobs.map((j) => get(j, "metadata.name"))).toEqual([`${x.name}-fetch-${weightsHash(x)}`]);
        expect(JSON.stringify(get(s.jobs[0], "spec"))).toContain(x.revision);
        const init = get(s.deployment, "spec.template.spec.initContainers") as Obj[];
        expect(JSON.stringify(init)).toContain(`${x.modelId}/${x.revision}`);
      }
    });

    it("puts one model API in front: the router's backends are the models' Services, in order, and the gate's llm endpoint is it", () => {
      const chart = plan().resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === `ods-${stack}-model-api-chart`)!;
      expect(get(chart, "values.routerSpec.staticModels")).toBe(m.models.map((x) => x.servedModelName).join(","));
      expect(get(chart, "values.routerSpec.staticBackends")).toBe(m.models.map((x) => `http://${x.name}.ods-model.svc.cluster.local:8000`).join(","));
      const llm = (plan().outputs.endpoints as { llm: Obj }).llm;
      expect(llm.baseUrl).toBe(`http://ods-${stack}-model-api-router-service.ods-model.svc.cluster.local:8000`);
      expect(llm.model).toBe(m.models[0].servedModelName);
      expect("metricsUrl" in llm).toBe(m.models[0].replicas.max <= 1);
    });

    it("runs the router without a Kubernetes API token and binds its ServiceAccount no rule (the chart's, patched: static discovery never calls the API)", () => {
      const r = plan().resources;
      const router = r.find((x) => x.type === "kubernetes:apps/v1:Deployment" && get(x, "metadata.name") === `ods-${stack}-model-api-deployment-router`)!;
      expect(podApiAccess(r, router)).toEqual({ serviceAccount: `ods-${stack}-model-api-router-service-account`, token: false, rules: [] });
    });
  });
}
