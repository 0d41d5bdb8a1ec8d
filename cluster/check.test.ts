// The cluster check's own logic, without a cluster: apply order, readiness, quota arithmetic, node shapes.
import type { RecordedResource } from "../plan/types";
import { isReady, orderedObjects, podUsage, surgePods } from "./check";
import { eksAllocatable, nodeObject, nodeShapes, quantity } from "./nodes";
import type { OdsConfig } from "../config/schema";

const URN = (type: string, name: string) => `urn:pulumi:t::ods::${type}::${name}`;
function rec(type: string, name: string, inputs: Record<string, unknown>, more: Partial<RecordedResource> = {}): RecordedResource {
  return { type, name, parent: null, parentType: null, component: type.startsWith("ods:") || type.endsWith(":Chart"), inputs, urn: URN(type, name), ...more };
}
const CHART = "kubernetes:helm.sh/v4:Chart";
const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra });

describe("orderedObjects", () => {
  const ns = rec("kubernetes:core/v1:Namespace", "ns", obj("v1", "Namespace", "ods-data"));
  const chart = rec(CHART, "moco", { chart: "moco" }, { dependencies: [ns.urn] });
  const crd = rec("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "moco:crd", obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "mysqlclusters.moco.cybozu.com", undefined, { spec: { group: "moco.cybozu.com", names: { kind: "MySQLCluster" } } }), { parent: "moco", parentType: CHART });
  const deploy = rec("kubernetes:apps/v1:Deployment", "moco:deploy", obj("apps/v1", "Deployment", "moco-controller", "ods-data"), { parent: "moco", parentType: CHART });
  const sa = rec("kubernetes:core/v1:ServiceAccount", "moco:sa", obj("v1", "ServiceAccount", "moco", "ods-data"), { parent: "moco", parentType: CHART });
  const cluster = rec("kubernetes:moco.cybozu.com/v1beta2:MySQLCluster", "db", obj("moco.cybozu.com/v1beta2", "MySQLCluster", "db", "ods-data"), { dependencies: [chart.urn] });
  const hook = rec("kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration", "moco:hook", obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "moco"), { parent: "moco", parentType: CHART });

  test("an object comes after what it waits for; one chart's objects follow Helm's kind order; webhooks are left out with the reason", () => {
    const { objects, skipped } = orderedObjects([cluster, deploy, crd, hook, sa, chart, ns]);
    expect(objects.map((o) => o.object.kind)).toEqual(["Namespace", "ServiceAccount", "CustomResourceDefinition", "Deployment", "MySQLCluster"]);
    expect(objects.map((o) => o.level)).toEqual([0, 1, 1, 1, 2]);
    expect(skipped).toEqual([{ object: "ValidatingWebhookConfiguration moco", reason: expect.stringContaining("call a pod") }]);
  });

  test("without the dependency the custom resource is not held back (the order is the plan's, not a hand list)", () => {
    const loose = { ...cluster, dependencies: [] };
    const { objects } = orderedObjects([loose, deploy, crd, sa, chart, ns]);
    expect(objects.find((o) => o.object.kind === "MySQLCluster")?.level).toBe(0);
  });

  test("secret values the offline plan does not know become base64 placeholders; a name it lacks comes from the resource", () => {
    const s = rec("kubernetes:core/v1:Secret", "creds", { apiVersion: "v1", kind: "Secret", metadata: { namespace: "ods-data" }, data: "[secret]" });
    const t = rec("kubernetes:core/v1:Secret", "keys", { apiVersion: "v1", kind: "Secret", metadata: { name: "keys", namespace: "ods-data" }, data: { a: "[secret]", b: "eA==" } });
    const { objects } = orderedObjects([s, t]);
    expect(objects[0].object).toMatchObject({ metadata: { name: "creds" }, data: { placeholder: Buffer.from("placeholder").toString("base64") } });
    expect(objects[1].object).toMatchObject({ data: { a: Buffer.from("placeholder").toString("base64"), b: "eA==" } });
  });

  test("a dependency cycle is an error naming a resource on it", () => {
    const a = rec("kubernetes:core/v1:ConfigMap", "a", obj("v1", "ConfigMap", "a", "x"), { dependencies: [URN("kubernetes:core/v1:ConfigMap", "b")] });
    const b = rec("kubernetes:core/v1:ConfigMap", "b", obj("v1", "ConfigMap", "b", "x"), { dependencies: [a.urn] });
    expect(() => orderedObjects([a, b])).toThrow(/dependency cycle/);
  });
});

describe("isReady", () => {
  const w = (kind: string, spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1) => ({ kind, metadata: { name: "x", namespace: "n", uid: "u", generation }, spec, status });
  test("every replica ready and updated, observed at the current generation", () => {
    expect(isReady(w("Deployment", { replicas: 2 }, { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 }))).toBe(true);
    expect(isReady(w("Deployment", { replicas: 2 }, { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 2 }))).toBe(false);
    expect(isReady(w("Deployment", { replicas: 2 }, { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2 }, 2))).toBe(false);
    expect(isReady(w("Deployment", {}, { observedGeneration: 1 }))).toBe(false);
    expect(isReady(w("StatefulSet", { replicas: 3 }, { observedGeneration: 1, readyReplicas: 3, currentReplicas: 3 }))).toBe(true);
    expect(isReady(w("DaemonSet", {}, { observedGeneration: 1, desiredNumberScheduled: 4, numberReady: 3 }))).toBe(false);
  });
  test("a Certificate when issued; a ScaledObject when KEDA made its HPA, unless KEDA refused its spec", () => {
    expect(isReady(w("Certificate", {}, { conditions: [{ type: "Ready", status: "True" }] }))).toBe(true);
    expect(isReady(w("Certificate", {}, { conditions: [{ type: "Ready", status: "False" }] }))).toBe(false);
    const trigger = { type: "Ready", status: "False", reason: "TriggerError" };
    expect(isReady(w("ScaledObject", {}, { hpaName: "keda-hpa-m", conditions: [trigger] }))).toBe(true);
    expect(isReady(w("ScaledObject", {}, { conditions: [trigger] }))).toBe(false);
    expect(isReady(w("ScaledObject", {}, { hpaName: "keda-hpa-m", conditions: [{ ...trigger, reason: "ScaledObjectCheckFailed" }] }))).toBe(false);
  });
  test("a Job is ready when complete", () => {
    expect(isReady(w("Job", {}, { conditions: [{ type: "Complete", status: "True" }] }))).toBe(true);
    expect(isReady(w("Job", {}, { conditions: [{ type: "Failed", status: "True" }] }))).toBe(false);
  });
});

describe("quota arithmetic", () => {
  test("a pod counts its containers and sidecars, the largest other init container, and overhead", () => {
    const u = podUsage({
      containers: [{ resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } } }, { resources: { requests: { cpu: "250m" } } }],
      initContainers: [{ resources: { requests: { cpu: "2" } } }, { restartPolicy: "Always", resources: { requests: { memory: "64Mi" } } }],
      overhead: { cpu: "100m" },
    });
    expect(u).toEqual({ pods: 1, "requests.cpu": 2.1, "limits.cpu": 0.1, "requests.memory": 320 * 2 ** 20, "limits.memory": 512 * 2 ** 20 });
  });
  test("a rolling update surges maxSurge pods (25 % of replicas rounded up by default); Recreate none", () => {
    expect(surgePods({ replicas: 3 })).toBe(1);
    expect(surgePods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: "50%" } } })).toBe(4);
    expect(surgePods({ replicas: 2, strategy: { rollingUpdate: { maxSurge: 0 } } })).toBe(0);
    expect(surgePods({ replicas: 2, strategy: { type: "Recreate" } })).toBe(0);
  });
  test("quantities", () => {
    expect(quantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(quantity("500m")).toBe(0.5);
    expect(() => quantity("lots")).toThrow(/not a quantity/);
  });
});

describe("fake nodes", () => {
  test("an EKS node offers the instance's CPU and memory less the kubelet's reservations", () => {
    expect(eksAllocatable("m6i.xlarge")).toEqual({ cpuMilli: 4000 - 80, memoryBytes: 16 * 2 ** 30 - (255 + 11 * 58 + 100) * 2 ** 20, pods: 58 });
    expect(eksAllocatable("g6e.2xlarge")?.cpuMilli).toBe(8000 - 90);
    expect(eksAllocatable("x9.huge")).toBeUndefined();
  });

  const ng = (name: string, inputs: Record<string, unknown>) => rec("aws:eks/nodeGroup:NodeGroup", name, inputs);
  const awsConfig = { infra: { kind: "aws", aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b"] } } } as unknown as OdsConfig;

  test("each node group at its desired size, spread over the zones, with its labels, taints and GPUs", () => {
    const shapes = nodeShapes(
      [
        ng("system", { instanceTypes: ["m6i.2xlarge"], scalingConfig: { desiredSize: 3 }, labels: { "ods.io/node-group": "system" } }),
        ng("gpu", { instanceTypes: ["g6e.2xlarge"], scalingConfig: { desiredSize: 1 }, taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }] }),
        ng("h100", { instanceTypes: ["p5.48xlarge"], scalingConfig: { desiredSize: 0 } }),
      ],
      awsConfig,
    );
    expect(shapes.map((s) => [s.name, s.labels["topology.kubernetes.io/zone"], s.gpus])).toEqual([
      ["system-0", "us-east-1a", 0],
      ["system-1", "us-east-1b", 0],
      ["system-2", "us-east-1a", 0],
      ["gpu-0", "us-east-1a", 1],
    ]);
    expect(shapes[3].taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    const { node, status } = nodeObject(shapes[3]);
    expect(node.metadata).toMatchObject({ annotations: { "kwok.x-k8s.io/node": "fake" }, labels: { "node.kubernetes.io/instance-type": "g6e.2xlarge", "kubernetes.io/hostname": "gpu-0" } });
    expect(status).toMatchObject({ allocatable: { "nvidia.com/gpu": "1", pods: "58" } });
  });

  test("an instance type of unknown shape is an error naming the node group", () => {
    expect(() => nodeShapes([ng("odd", { instanceTypes: ["x9.huge"], scalingConfig: { desiredSize: 1 } })], awsConfig)).toThrow(/node group odd: the shape of x9.huge is not known/);
  });

  test("an existing cluster's nodes come from its config, GPUs spread over them", () => {
    const config = { infra: { kind: "existing", existingCluster: { gpus: 3, storageClass: "standard", nodes: { count: 2, cpu: "4", memory: "8Gi" } } } } as unknown as OdsConfig;
    const shapes = nodeShapes([], config);
    expect(shapes.map((s) => [s.name, s.cpuMilli, s.memoryBytes, s.gpus])).toEqual([
      ["existing-0", 4000, 8 * 2 ** 30, 2],
      ["existing-1", 4000, 8 * 2 ** 30, 1],
    ]);
  });
});
