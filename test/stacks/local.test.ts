// The local stack: an existing cluster from a kubeconfig, no cloud at all, no GPUs.
import { runPlan, FullPlanResult } from "../../plan/run";
import { get, ofType, one } from "../harness";
import { l1Changes } from "../l1Baseline";
import { skeletonProblems } from "../skeleton";

let plan: FullPlanResult;
beforeAll(async () => {
  plan = await runPlan("local");
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
  expect(gpuQuotas).toEqual(["0", "0", "0", "0", "0", "0", "0"]);
});

test("the laptop quotas from the stack file are applied", () => {
  const data = ofType(plan.resources, "kubernetes:core/v1:ResourceQuota").find((q) => get(q, "metadata.namespace") === "ods-data")!;
  expect(get(data, "spec.hard")).toEqual({
    "requests.cpu": "4",
    "requests.memory": "8Gi",
    "limits.memory": "16Gi",
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
