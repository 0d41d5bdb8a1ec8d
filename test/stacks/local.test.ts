// The local stack: an existing cluster from a kubeconfig, no cloud at all, no GPUs.
import { describeIdentityLayer } from "./identityLayer";
import { unorderedCustomResources } from "../../plan/converge";
import { describeFlows } from "./flows";
import { describeModelLayer } from "./modelLayer";
import { describeAppsLayer } from "./appsLayer";
import { describeObservabilityLayer } from "./observabilityLayer";
import { describeEdgeLayer } from "./edgeLayer";
import { FullPlanResult } from "../../plan/run";
import { cachedPlan } from "../../plan/planCache";
import { get, ofType, one } from "../harness";
import { l1Changes } from "../l1Baseline";
import { skeletonProblems } from "../skeleton";

let plan: FullPlanResult;
beforeAll(async () => {
  plan = await cachedPlan("local");
});

test("no AWS resources and no AWS provider at all", () => {
  expect(plan.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws")).toEqual([]);
});

test("one Kubernetes provider from the kubeconfig context", () => {
  const p = one(plan.resources, "pulumi:providers:kubernetes");
  expect(get(p, "context")).toBe("kind-ods");
  expect(get(p, "kubeconfig")).toBe("[secret]");
});

test("no GPU operator, and no namespace may claim a GPU", () => {
  expect(ofType(plan.resources, "kubernetes:helm.sh/v4:Chart").map((c) => get(c, "chart"))).not.toContain("gpu-operator");
  const gpuQuotas = ofType(plan.resources, "kubernetes:core/v1:ResourceQuota").map((q) => (get(q, "spec.hard") as Record<string, string>)["requests.nvidia.com/gpu"]);
  expect(gpuQuotas).toEqual(["0", "0", "0", "0", "0", "0", "0", "0"]);
});

test("the laptop quotas from the stack file are applied", () => {
  const data = ofType(plan.resources, "kubernetes:core/v1:ResourceQuota").find((q) => get(q, "metadata.namespace") === "ods-data")!;
  expect(get(data, "spec.hard")).toEqual({
    "requests.cpu": "4",
    "requests.memory": "8Gi",
    "limits.memory": "24Gi",
    "requests.nvidia.com/gpu": "0",
    pods: "40",
    persistentvolumeclaims: "20",
    "requests.storage": "100Gi",
  });
});

test("outputs use the existing cluster's names", () => {
  expect(plan.outputs).toMatchObject({ environment: "local", clusterName: "kind-ods", storageClass: "standard", gpuPools: [], kubeconfig: "[secret]" });
});

test("L1 is exactly what it was before the layout change: same URNs, same inputs, same outputs", () => {
  expect(l1Changes("local", plan.resources, plan.outputs, ["kubernetesVersion"])).toEqual([]);
});

test("every ods: component follows the skeleton: token, parents, derived names, registered outputs", () => {
  expect(plan.resources.filter((r) => r.type.startsWith("ods:")).length).toBeGreaterThan(1);
  expect(skeletonProblems(plan.resources)).toEqual([]);
});

describe("one `pulumi up` converges on a bare cluster", () => {
  it("every custom resource waits for the CRD of its kind (monitors for L1's Prometheus CRDs, MOCO's Certificate for cert-manager)", () => {
    expect(unorderedCustomResources(plan.resources)).toEqual([]);
    const crds = one(plan.resources, "ods:infra:PrometheusCrds");
    const chart = plan.resources.find((r) => r.parent === crds.name && r.type === "kubernetes:helm.sh/v4:Chart")!;
    // It renders the ten monitoring.coreos.com CRDs and nothing else.
    const rendered = plan.resources.filter((r) => r.parent === chart.name);
    expect(rendered.map((r) => r.type)).toEqual(Array(10).fill("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"));
    expect(rendered.map((r) => get(r, "spec.group"))).toEqual(Array(10).fill("monitoring.coreos.com"));
  });

  it("fails when the data and model layers do not wait for them", () => {
    const crds = one(plan.resources, "ods:infra:PrometheusCrds");
    // The SDK records a dependency on a component as one on it and on each of its children.
    const gone = new Set(plan.resources.filter((r) => r === crds || r.parent === crds.name).map((r) => r.urn));
    const stripped = plan.resources.map((r) => ({ ...r, dependencies: (r.dependencies ?? []).filter((u) => !gone.has(u)) }));
    const unordered = unorderedCustomResources(stripped).map((u) => u.resource);
    // Exactly every monitor of the layers above L1 (all of them need the CRDs), a few named from each layer.
    const monitors = plan.resources.filter((r) => r.type.startsWith("kubernetes:monitoring.coreos.com/"));
    expect(monitors.length).toBeGreaterThanOrEqual(15);
    expect(unordered).toHaveLength(monitors.length);
    expect(unordered).toEqual(expect.arrayContaining([
      "kubernetes:monitoring.coreos.com/v1:PodMonitor ods-local-mysql-moco:ods-data/moco-mysql",
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule ods-local-redis-chart:ods-data/ods-local-redis",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor ods-local-data-api-servicemonitor",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor ods-local-keda-chart:ods-model/keda-operator",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor ods-local-model-qwen2-5-0-5b-servicemonitor",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor ods-local-agent-api-servicemonitor",
      "kubernetes:monitoring.coreos.com/v1:ServiceMonitor ods-local-web-servicemonitor",
    ]));
    expect(unordered.every((u) => u.includes("monitoring.coreos.com"))).toBe(true);
  });
});

describeModelLayer("local", () => plan);
describeAppsLayer("local", () => plan);
describeFlows("local", () => plan);
describeObservabilityLayer("local", () => plan);
describeIdentityLayer("local", () => plan);
describeEdgeLayer("local", () => plan);
