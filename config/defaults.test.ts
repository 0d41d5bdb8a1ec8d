// Pure derivations: GPU capacity and per-layer namespace settings.
import { gpuCapacity, gpuOperatorEnabled, namespacePlan } from "./defaults";
import { validateConfig } from "./load";

const base = { environment: "t", domain: "t.example.com" };
const awsSection = {
  region: "us-east-1",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  kubernetesVersion: "1.35",
  ebsCsiAddonVersion: "v1.67.1-eksbuild.1",
  systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize: 2 },
};
const pool = (name: string, maxSize: number, gpusPerNode: number) => ({ name, instanceTypes: ["x"], gpuType: "l4", gpusPerNode, capacityType: "spot", minSize: 0, desiredSize: 0, maxSize });

test("GPU capacity is the sum of max nodes x GPUs per node, times time-slicing replicas", () => {
  const cfg = validateConfig({ ...base, kind: "aws", aws: awsSection, gpuPools: [pool("a", 2, 1), pool("b", 3, 8)], gpuOperator: { timeSlicingReplicas: 2 } });
  expect(gpuCapacity(cfg)).toBe((2 * 1 + 3 * 8) * 2);
  expect(gpuOperatorEnabled(cfg)).toBe(true);
});

test("an existing cluster without GPUs gets no GPU operator and zero GPU quota", () => {
  const cfg = validateConfig({ ...base, kind: "existing" });
  expect(gpuCapacity(cfg)).toBe(0);
  expect(gpuOperatorEnabled(cfg)).toBe(false);
  expect(namespacePlan(cfg).map((n) => n.quota.gpus)).toEqual([0, 0, 0, 0, 0, 0, 0]);
});

test("the operator can be forced off even with GPUs", () => {
  const cfg = validateConfig({ ...base, kind: "existing", existingCluster: { gpus: 4 }, gpuOperator: { enabled: false } });
  expect(gpuCapacity(cfg)).toBe(4);
  expect(gpuOperatorEnabled(cfg)).toBe(false);
});

test("only the model layer and the GPU operator's namespace may hold GPUs by default", () => {
  const cfg = validateConfig({ ...base, kind: "existing", existingCluster: { gpus: 4 } });
  const byLayer = Object.fromEntries(namespacePlan(cfg).map((n) => [n.layer, n]));
  expect(byLayer.model.quota.gpus).toBe(4);
  expect(byLayer.gpu.quota.gpus).toBe(4);
  expect(byLayer.apps.quota.gpus).toBe(0);
  expect(byLayer.data.quota.gpus).toBe(0);
});

test("namespaces are <prefix>-<layer>, restricted except the GPU operator's (with a reason)", () => {
  const cfg = validateConfig({ ...base, kind: "existing", namePrefix: "acme" });
  const plan = namespacePlan(cfg);
  expect(plan.map((n) => n.name)).toEqual(["acme-infra", "acme-gpu", "acme-data", "acme-model", "acme-apps", "acme-identity", "acme-observability"]);
  expect(plan.filter((n) => n.podSecurity !== "restricted").map((n) => [n.layer, n.podSecurity])).toEqual([["gpu", "privileged"]]);
  expect(plan.find((n) => n.layer === "gpu")?.podSecurityReason).toMatch(/GPU operator/);
});

test("stack overrides merge over the defaults key by key", () => {
  const cfg = validateConfig({ ...base, kind: "existing", namespaces: { data: { quota: { requestsCpu: "3", gpus: 1 }, limitRange: { defaultLimitMemory: "1Gi" } } } });
  const data = namespacePlan(cfg).find((n) => n.layer === "data")!;
  expect(data.quota).toEqual({ requestsCpu: "3", requestsMemory: "64Gi", limitsMemory: "128Gi", pods: 100, persistentVolumeClaims: 50, gpus: 1 });
  expect(data.limitRange).toEqual({ defaultRequestCpu: "100m", defaultRequestMemory: "128Mi", defaultLimitMemory: "1Gi" });
});
