// Derived settings of the infra section: GPU capacity, the operator switch, per-layer namespace defaults.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../../test/minimalConfig";
import { validateConfig } from "../load";

const base = { environment: "t", domain: "t.example.com", data: MINIMAL_DATA, model: MINIMAL_MODEL, apps: MINIMAL_APPS, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE };
const awsSection = {
  region: "us-east-1",
  availabilityZones: ["us-east-1a", "us-east-1b"],
  kubernetesVersion: "1.35",
  ebsCsiAddonVersion: "v1.67.1-eksbuild.1",
  systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 },
};
const pool = (name: string, maxSize: number, gpusPerNode: number) => ({ name, instanceTypes: [gpusPerNode === 8 ? "p5.48xlarge" : "g6.xlarge"], gpuType: "l4", gpusPerNode, capacityType: "spot", minSize: 0, desiredSize: 0, maxSize });
const infraOf = (infra: Record<string, unknown>) => validateConfig({ ...base, infra }).infra;

test("GPU capacity is the sum of max nodes x GPUs per node, times time-slicing replicas; the operator follows it", () => {
  const infra = infraOf({ kind: "aws", aws: awsSection, gpuPools: [pool("a", 2, 1), pool("b", 3, 8)], gpuOperator: { timeSlicingReplicas: 2 } });
  expect(infra.gpuCapacity).toBe((2 * 1 + 3 * 8) * 2);
  expect(infra.gpuOperator.enabled).toBe(true);
});

test("an existing cluster without GPUs gets the existing-cluster defaults, no GPU operator and zero GPU quota", () => {
  const infra = infraOf({ kind: "existing" });
  expect(infra.existingCluster).toEqual({ kubeconfig: "~/.kube/config", storageClass: "standard", gpus: 0, kubernetesVersion: "1.35", nodes: { count: 1, cpu: "8", memory: "16Gi" }, imagePlatform: "linux/amd64" });
  expect(infra.gpuCapacity).toBe(0);
  expect(infra.gpuOperator.enabled).toBe(false);
  expect(Object.values(infra.namespaces).map((n) => n.quota.gpus)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
});

test("the operator can be forced off even with GPUs, and on without them", () => {
  expect(infraOf({ kind: "existing", existingCluster: { gpus: 4 }, gpuOperator: { enabled: false } }).gpuOperator.enabled).toBe(false);
  expect(infraOf({ kind: "existing", gpuOperator: { enabled: true } }).gpuOperator.enabled).toBe(true);
});

test("only the model layer and the GPU operator's namespace may hold GPUs by default", () => {
  const ns = infraOf({ kind: "existing", existingCluster: { gpus: 4 } }).namespaces;
  expect([ns.model.quota.gpus, ns.gpu.quota.gpus, ns.apps.quota.gpus, ns.data.quota.gpus]).toEqual([4, 4, 0, 0]);
});

test("stack overrides merge over the defaults key by key", () => {
  const data = infraOf({ kind: "existing", namespaces: { data: { quota: { requestsCpu: "3", gpus: 1 }, limitRange: { defaultLimitMemory: "1Gi" } } } }).namespaces.data;
  expect(data.quota).toEqual({ requestsCpu: "3", requestsMemory: "64Gi", limitsMemory: "128Gi", pods: 100, persistentVolumeClaims: 50, gpus: 1 });
  expect(data.limitRange).toEqual({ defaultRequestCpu: "100m", defaultRequestMemory: "128Mi", defaultLimitMemory: "1Gi" });
});
