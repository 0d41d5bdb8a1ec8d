// ModelApi: the plan and router values (pure), the component as recorded, and what vllm-stack renders
// for it with the real Helm and the component's patches applied, schema-validated and checked by the
// policy pack (1 and 2 router replicas).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MOCK_SECRET_MARK } from "../../plan/mocks";
import { policies } from "../../policies/rules";
import { evaluate } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { chartCacheDir } from "../../plan/charts/cache";
import { renderCharts } from "../../plan/charts/render";
import { manifestFiles, validateObjects } from "../../plan/manifests";
import { applyPatches } from "../../plan/patches";
import type { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, podApiAccess, record } from "../../test/harness";
import type { ServedModelHandle } from "./contracts";
import { API_KEY_KEY, ModelApi, ModelApiArgs, modelApiPlan, ModelApiKey, ROUTER_IMAGE, ROUTER_PORT, routerIngress, routerValues } from "./modelApi";

const handle = (servedModelName: string, svc: string): ServedModelHandle => ({
  servedModelName,
  url: pulumi.output(`http://${svc}.ods-model.svc.cluster.local:8000`),
  serviceName: pulumi.output(svc),
});
const MODELS = () => [handle("Qwen/Qwen2.5-7B-Instruct", "qwen2-5-7b"), handle("bge-m3", "bge-m3")];
const ARGS = (): ModelApiArgs => ({
  namespace: "ods-model",
  models: MODELS(),
  replicas: { min: 1, max: 1 },
  monitoringNamespace: "ods-observability",
  callers: ["ods-apps"],
});
const PURE = { models: [{ servedModelName: "a" }, { servedModelName: "b" }] as ServedModelHandle[], replicas: { min: 1, max: 1 } };
const REF = { secretName: "ods-test-model-api-key", key: API_KEY_KEY };

type Obj = Record<string, unknown>;
const at = (v: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((c, k) => (c !== null && typeof c === "object" ? (c as Obj)[k] : undefined), v);

describe("modelApiPlan", () => {
  it("derives the chart's object names from the release, and the pinned image's parts", () => {
    const plan = modelApiPlan("ods-test-model-api", PURE);
    expect(plan).toMatchObject({
      release: "ods-test-model-api",
      deploymentName: "ods-test-model-api-deployment-router",
      serviceName: "ods-test-model-api-router-service",
      serviceAccountName: "ods-test-model-api-router-service-account",
      roleName: "ods-test-model-api-reader",
      image: { repository: "docker.io/lmcache/lmstack-router", tag: "v0.1.12" },
      servedModelNames: ["a", "b"],
      autoscaling: false,
      replicated: false,
      podLabels: { "app.kubernetes.io/name": "router", "app.kubernetes.io/instance": "ods-test-model-api" },
    });
    expect(ROUTER_IMAGE).toBe("docker.io/lmcache/lmstack-router:v0.1.12");
    expect(modelApiPlan("x", { ...PURE, replicas: { min: 2, max: 4 } })).toMatchObject({ autoscaling: true, replicated: true });
    expect(modelApiPlan("x", { ...PURE, replicas: { min: 2, max: 2 } })).toMatchObject({ autoscaling: false, replicated: true });
  });

  it("rejects no models, a duplicate served name and a name the router cannot carry, by name", () => {
    expect(() => modelApiPlan("x", { ...PURE, models: [] })).toThrow("models is empty; allowed: at least one served model");
    expect(() => modelApiPlan("x", { ...PURE, models: [{ servedModelName: "a" }, { servedModelName: "b" }, { servedModelName: "a" }] as ServedModelHandle[] })).toThrow(
      'models[2].servedModelName "a" is served twice',
    );
    expect(() => modelApiPlan("x", { ...PURE, models: [{ servedModelName: "a,b" }] as ServedModelHandle[] })).toThrow('models[0].servedModelName "a,b" is not a model name');
  });

  it.each([
    ["docker.io/lmcache/lmstack-router", "is not pinned by tag"],
    ["docker.io/lmcache/lmstack-router:latest", "uses the tag latest"],
    ["docker.io/lmcache/lmstack-router@sha256:" + "a".repeat(64), "is not pinned by tag"],
  ])("rejects the image %s by name", (image, why) => {
    expect(() => modelApiPlan("x", { ...PURE, image })).toThrow(`image "${image}" ${why}`);
  });

  it("rejects bad replica ranges, bad resources and a name that makes object names too long", () => {
    expect(() => modelApiPlan("x", { ...PURE, replicas: { min: 0, max: 1 } })).toThrow("replicas.min 0 is below 1");
    expect(() => modelApiPlan("x", { ...PURE, replicas: { min: 3, max: 2 } })).toThrow("replicas.min 3 is larger than replicas.max 2");
    expect(() => modelApiPlan("x", { ...PURE, replicas: { min: 1, max: 21 } })).toThrow("replicas.max 21 is out of range");
    expect(() => modelApiPlan("x", { ...PURE, resources: { requests: { cpu: "lots", memory: "2Gi" }, limits: { memory: "1Gi" } } })).toThrow(
      /resources.requests.cpu "lots" is not a Kubernetes quantity.*resources.requests.memory 2Gi is above resources.limits.memory 1Gi/,
    );
    expect(() => modelApiPlan("a-very-long-platform-prefix-production-model-api", PURE)).toThrow("allowed: at most 41");
  });
});

describe("routerValues", () => {
  const one1 = routerValues(modelApiPlan("api", PURE), "http://a:8000,http://b:8000", REF);
  const two = routerValues(modelApiPlan("api", { ...PURE, replicas: { min: 2, max: 4 } }), "http://a:8000,http://b:8000", REF);

  it("router only, static discovery: backends and models in the same order, routing by model name", () => {
    expect(at(one1, "servingEngineSpec.enableEngine")).toBe(false);
    expect(one1.routerSpec).toMatchObject({ serviceDiscovery: "static", staticBackends: "http://a:8000,http://b:8000", staticModels: "a,b", routingLogic: "roundrobin" });
    const reversed = routerValues(modelApiPlan("api", { ...PURE, models: [...PURE.models].reverse() }), "x", REF);
    expect(reversed.routerSpec.staticModels).toBe("b,a");
  });

  it("no routerSpec.serviceAccountName: the release ignores it (its router always runs as <release>-router-service-account)", () => {
    expect(one1.routerSpec).not.toHaveProperty("serviceAccountName");
  });

  it("pins the image; no `latest` anywhere in the values", () => {
    expect(one1.routerSpec).toMatchObject({ repository: "docker.io/lmcache/lmstack-router", tag: "v0.1.12", imagePullPolicy: "IfNotPresent" });
    expect(allStrings(one1).filter((s) => /latest/i.test(s))).toEqual([]);
  });

  it("the API key only as a Secret reference", () => {
    expect(one1.routerSpec.env).toContainEqual({ name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "ods-test-model-api-key", key: "api-key", optional: false } } });
    expect(one1.routerSpec.vllmApiKey).toEqual({ secretName: "", secretKey: "" });
  });

  it("restricted security context, probes on /health, resources, ServiceMonitor on", () => {
    expect(one1.routerSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } });
    expect(one1.routerSpec.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) expect(at(one1.routerSpec, `${p}.httpGet`)).toEqual({ path: "/health", port: "router-port" });
    expect(one1.routerSpec.resources).toEqual({ requests: { cpu: "400m", memory: "1Gi" }, limits: { memory: "1Gi" } });
    expect(one1.routerSpec.serviceMonitor).toMatchObject({ enabled: true });
  });

  it("one replica: fixed, no PDB, no anti-affinity; a range: HPA, PDB allowing one disruption, anti-affinity", () => {
    expect(one1.routerSpec).toMatchObject({ replicaCount: 1, autoscaling: { enabled: false }, pdb: { enabled: false }, affinity: {} });
    expect(two.routerSpec).toMatchObject({ replicaCount: 2, autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 }, pdb: { enabled: true, maxUnavailable: 1 } });
    expect(at(two.routerSpec, "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution")).toHaveLength(2);
  });

  it("ingress: callers and Prometheus on the router port only", () => {
    expect(routerIngress(["ods-apps"], "ods-observability")).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-apps" } } }], ports: [{ protocol: "TCP", port: ROUTER_PORT }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: ROUTER_PORT }] },
    ]);
    // No callers: only Prometheus, never an empty `from` (which would admit everyone).
    expect(routerIngress([], "ods-observability")).toHaveLength(1);
  });
});

async function outputOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("the component", () => {
  let rs: RecordedResource[];
  let url: string;
  let ref: { secretName: string; key: string };
  beforeAll(async () => {
    rs = await record(async () => {
      const api = new ModelApi("ods-test-model-api", ARGS());
      url = await outputOf(api.url);
      ref = { secretName: await outputOf(pulumi.output(api.apiKey.secretName)), key: api.apiKey.key };
    });
  });

  it("outputs the in-cluster /v1 base URL and the key's Secret", () => {
    expect(url).toBe(`http://ods-test-model-api-router-service.ods-model.svc.cluster.local:${ROUTER_PORT}/v1`);
    expect(ref).toEqual({ secretName: "ods-test-model-api-key", key: "api-key" });
  });

  it("generates the key into a Secret (secret in the plan); the chart gets its name only", () => {
    const secret = one(rs, "kubernetes:core/v1:Secret");
    expect(get(secret, "metadata")).toMatchObject({ name: "ods-test-model-api-key", namespace: "ods-model" });
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect(get(chart, "routerSpec")).toBeUndefined();
    expect(get(chart, "values.routerSpec.env")).toContainEqual({ name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "ods-test-model-api-key", key: "api-key", optional: false } } });
    expect(get(chart, "values.routerSpec.staticBackends")).toBe("http://qwen2-5-7b.ods-model.svc.cluster.local:8000,http://bge-m3.ods-model.svc.cluster.local:8000");
    expect(get(chart, "values.routerSpec.staticModels")).toBe("Qwen/Qwen2.5-7B-Instruct,bge-m3");
    expect(chart.inputs).toMatchObject({ chart: "vllm-stack", version: "0.1.12", name: "ods-test-model-api", namespace: "ods-model", skipCrds: true });
  });

  it("no secret value anywhere in the records: the Secret holds the generated key as a Pulumi secret", () => {
    const pw = one(rs, "random:index/randomPassword:RandomPassword");
    expect(pw.inputs).toMatchObject({ length: 48, special: false });
    expect(one(rs, "kubernetes:core/v1:Secret").inputs.stringData).toBe("[secret]");
    expect(allStrings(rs).filter((s) => s.includes(MOCK_SECRET_MARK))).toEqual([]);
  });

  it("the bad case: an unwrapped key would show in the records (the scan above finds the mock value)", async () => {
    const leaked = await record(() => {
      const pw = new random.RandomPassword("leak", { length: 8 });
      new k8s.core.v1.ConfigMap("leak", { metadata: { namespace: "ods-model" }, data: { key: pw.result } });
    });
    expect(allStrings(leaked).filter((s) => s.includes(MOCK_SECRET_MARK))).toEqual([`${MOCK_SECRET_MARK}leak`]);
  });

  it("no ServiceAccount of its own; after the chart, patches take the token off the router's pods and the rules off the chart's Role; every child parented", () => {
    expect(ofType(rs, "kubernetes:core/v1:ServiceAccount")).toEqual([]);
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    const noToken = one(rs, "kubernetes:apps/v1:DeploymentPatch");
    expect(noToken.name).toBe("ods-test-model-api-router-no-token");
    expect(noToken.inputs).toMatchObject({
      metadata: { name: "ods-test-model-api-deployment-router", namespace: "ods-model", annotations: { "pulumi.com/patchForce": "true" } },
      spec: { template: { spec: { automountServiceAccountToken: false } } },
    });
    const noRules = one(rs, "kubernetes:rbac.authorization.k8s.io/v1:RolePatch");
    expect(noRules.name).toBe("ods-test-model-api-router-no-rules");
    expect(noRules.inputs).toMatchObject({ metadata: { name: "ods-test-model-api-reader", namespace: "ods-model", annotations: { "pulumi.com/patchForce": "true" } }, rules: [] });
    for (const p of [noToken, noRules]) expect(p.dependencies).toContain(chart.urn);
    for (const r of rs.filter((x) => x.name !== "ods-test-model-api")) expect(r.parent).not.toBeNull();
    expect(ofType(rs, "ods:model:ModelApiKey")).toHaveLength(1);
  });

  it("a given key is used, none is created", async () => {
    const rs2 = await record(() => {
      const key = new ModelApiKey("shared-key", { namespace: "ods-model" });
      new ModelApi("api", { ...ARGS(), apiKey: key });
    });
    expect(ofType(rs2, "kubernetes:core/v1:Secret")).toHaveLength(1);
    expect(get(one(rs2, "kubernetes:helm.sh/v4:Chart"), "values.routerSpec.env")).toContainEqual({ name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "shared-key", key: "api-key", optional: false } } });
  });

  it("rejects bad args before declaring anything", async () => {
    await expect(record(() => new ModelApi("api", { ...ARGS(), models: [handle("a", "a"), handle("a", "b")] }))).rejects.toThrow('servedModelName "a" is served twice');
  });
});

/** What the chart renders for the component (`raw`) and the plan after the component's patches (`rs`), as runPlan does. */
async function renderedFor(replicas: { min: number; max: number }) {
  const declared = await record(() => new ModelApi("ods-prod-model-api", { ...ARGS(), namespace: "ods-model", replicas }));
  const { resources } = await renderCharts(declared, { kubeVersion: "1.35", cacheDir: chartCacheDir() });
  return { raw: resources, rs: applyPatches(resources) };
}

describe.each([
  [{ min: 1, max: 1 }, "local"],
  [{ min: 2, max: 2 }, "prod"],
  [{ min: 2, max: 4 }, "staging"],
])("rendered with replicas %p, checked with the %s pack config", (replicas, stack) => {
  let raw: RecordedResource[];
  let rs: RecordedResource[];
  beforeAll(async () => {
    ({ raw, rs } = await renderedFor(replicas));
  }, 120000);
  const router = (resources: RecordedResource[]) => one(resources, "kubernetes:apps/v1:Deployment");

  it("renders the router only: Deployment, Service, ServiceMonitor, its ServiceAccount, Role and RoleBinding (+ HPA, PDB when replicated); no engine, no Secret from the chart", () => {
    const kinds = rs.filter((r) => r.parent === "ods-prod-model-api-chart").map((r) => r.type.split(":").pop()).sort();
    const expected = ["Deployment", "Role", "RoleBinding", "Service", "ServiceAccount", "ServiceMonitor"];
    if (replicas.max > 1) expected.push("PodDisruptionBudget");
    if (replicas.min < replicas.max) expected.push("HorizontalPodAutoscaler");
    expect(kinds).toEqual(expected.sort());
  });

  it("the Deployment runs the pinned image with the key from the Secret and the static backends", () => {
    const d = one(rs, "kubernetes:apps/v1:Deployment");
    const c = (get(d, "spec.template.spec.containers") as Obj[])[0];
    expect(c.image).toBe(ROUTER_IMAGE);
    expect((c.env as Obj[]).filter((e) => e.name === "VLLM_API_KEY")).toEqual([{ name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "ods-prod-model-api-key", key: "api-key", optional: false } } }]);
    expect(c.args).toEqual(expect.arrayContaining(["--service-discovery", "static", "--static-models", "Qwen/Qwen2.5-7B-Instruct,bge-m3"]));
    expect(get(d, "spec.template.spec.serviceAccountName")).toBe("ods-prod-model-api-router-service-account");
    expect(allStrings(rs).filter((s) => /:latest$/.test(s))).toEqual([]);
  });

  it("the router's pods get no Kubernetes API token, and its ServiceAccount no rule (the chart's Role, emptied)", () => {
    expect(podApiAccess(rs, router(rs))).toEqual({ serviceAccount: "ods-prod-model-api-router-service-account", token: false, rules: [] });
    expect(get(one(rs, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"), "roleRef")).toEqual({ kind: "Role", name: "ods-prod-model-api-reader", apiGroup: "rbac.authorization.k8s.io" });
  });

  it("the bad cases fail: the chart alone mounts a token and binds pod get/watch/list/patch; a patch whose target the chart no longer renders fails the plan", () => {
    expect(podApiAccess(raw, router(raw))).toEqual({
      serviceAccount: "ods-prod-model-api-router-service-account",
      token: true,
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "watch", "list", "patch"] }],
    });
    const renamed = raw.filter((r) => r.type !== "kubernetes:rbac.authorization.k8s.io/v1:Role");
    expect(() => applyPatches(renamed)).toThrow('RolePatch "ods-prod-model-api-router-no-rules" patches kubernetes:rbac.authorization.k8s.io/v1:Role ods-model/ods-prod-model-api-reader, which the plan neither declares nor renders');
  });

  it("every object passes its schema", () => {
    expect(validateObjects(manifestFiles(rs))).toEqual([]);
  });

  it("no mandatory violation of the policy pack", async () => {
    const result = await evaluate(rs, policies, stackPackConfig(stack, policies).config);
    expect(result.errors).toEqual([]);
    expect(result.violations.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.resource?.name}: ${v.message}`)).toEqual([]);
  });

  it("the bad cases fail: the chart's default router (root, no seccomp, latest) and, where replicated, no PDB or no anti-affinity", async () => {
    const config = stackPackConfig(stack, policies).config;
    const isDeployment = (r: RecordedResource) => r.type === "kubernetes:apps/v1:Deployment";
    const mutate = (change: (d: Obj) => void) =>
      rs.map((r) => {
        if (!isDeployment(r)) return r;
        const inputs = JSON.parse(JSON.stringify(r.inputs)) as Obj;
        change(inputs);
        return { ...r, inputs };
      });
    const failing = async (resources: RecordedResource[]) =>
      [...new Set((await evaluate(resources, policies, config)).violations.filter((v) => v.enforcement === "mandatory").map((v) => v.policy))].sort();
    const chartDefaults = mutate((d) => {
      const pod = at(d, "spec.template.spec") as Obj;
      delete pod.securityContext;
      const c = (pod.containers as Obj[])[0];
      delete c.securityContext;
      c.image = "lmcache/lmstack-router:latest";
    });
    expect(await failing(chartDefaults)).toEqual(
      expect.arrayContaining(["k8s-drop-all-capabilities", "k8s-image-pinned", "k8s-no-privilege-escalation", "k8s-run-as-non-root", "k8s-seccomp-profile"]),
    );
    if (stack === "local") return;
    expect(await failing(rs.filter((r) => r.type !== "kubernetes:policy/v1:PodDisruptionBudget"))).toEqual(expect.arrayContaining(replicas.min === replicas.max ? ["k8s-pdb-required"] : []));
    if (replicas.min === replicas.max) {
      expect(await failing(mutate((d) => delete (at(d, "spec.template.spec") as Obj).affinity))).toEqual(["k8s-pod-spread"]);
    }
  });
});
