import { get, one, record } from "../../test/harness";
import { cachedPlan } from "../../plan/planCache";
import { dcgmRelabelings, GpuOperator, gpuOperatorValues, nodeLabelMetaLabel } from "./gpuOperator";
import { gpuPoolLabels } from "./gpuNodePool";

const OFF = { driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true };

test("driver and toolkit off by default (the EKS NVIDIA AMI ships them), DCGM ServiceMonitor on, GPU taint tolerated", () => {
  const v = gpuOperatorValues(OFF);
  expect(v.driver).toEqual({ enabled: false });
  expect(v.toolkit).toEqual({ enabled: false });
  expect(v.dcgmExporter).toEqual({ enabled: true, serviceMonitor: { enabled: true, interval: "15s", relabelings: dcgmRelabelings() } });
  const toleration = { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" };
  expect(v.daemonsets).toEqual({ tolerations: [toleration] });
  expect((v["node-feature-discovery"] as { worker: { tolerations: unknown[] } }).worker.tolerations).toContainEqual(toleration);
  expect(v.devicePlugin).toBeUndefined();
});

test("time-slicing writes a device plugin config with the replica count", () => {
  const v = gpuOperatorValues({ ...OFF, timeSlicingReplicas: 4 }) as { devicePlugin: { config: { create: boolean; name: string; default: string; data: Record<string, string> } } };
  expect(v.devicePlugin.config.create).toBe(true);
  expect(v.devicePlugin.config.default).toBe("any");
  expect(v.devicePlugin.config.data.any).toContain("- name: nvidia.com/gpu\n        replicas: 4");
});

test("the chart is pinned and installed with the values; DCGM scraping is allowed from monitoring only", async () => {
  const rs = await record(() => new GpuOperator("gpu-op", { ...OFF, namespace: "ods-gpu", monitoringNamespace: "ods-observability", driver: true }));
  const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
  expect(get(chart, "chart")).toBe("gpu-operator");
  expect(get(chart, "version")).toBe("v26.7.0");
  expect(get(chart, "repositoryOpts.repo")).toBe("https://helm.ngc.nvidia.com/nvidia");
  expect(get(chart, "namespace")).toBe("ods-gpu");
  expect(get(chart, "values.driver")).toEqual({ enabled: true });
  const np = one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
  expect(get(np, "spec.ingress")).toEqual([
    { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: 9400 }] },
  ]);
});

const POOL_RELABEL = { action: "replace", sourceLabels: ["__meta_kubernetes_node_label_ods_io_gpu_pool"], regex: "(.+)", targetLabel: "gpu_pool", replacement: "$1" };

test("node labels map to Prometheus' meta label names the way its Kubernetes discovery writes them", () => {
  expect(nodeLabelMetaLabel("ods.io/gpu-pool")).toBe("__meta_kubernetes_node_label_ods_io_gpu_pool");
  expect(nodeLabelMetaLabel("nvidia.com/gpu.product")).toBe("__meta_kubernetes_node_label_nvidia_com_gpu_product");
  // Bad case: the label as written on the node is not a valid meta label.
  expect(nodeLabelMetaLabel("ods.io/gpu-pool")).not.toContain(".");
});

test("the DCGM ServiceMonitor copies the GPU node pool's label (the one gpuPoolLabels puts on the nodes) into gpu_pool", () => {
  const nodeLabel = Object.keys(gpuPoolLabels("gpu", "l4")).find((k) => k.endsWith("gpu-pool"))!;
  expect(dcgmRelabelings()).toEqual([{ ...POOL_RELABEL, sourceLabels: [nodeLabelMetaLabel(nodeLabel)] }]);
  expect(dcgmRelabelings()).toEqual([POOL_RELABEL]);
  // An empty source (no pool label, no node metadata) must not match: no empty gpu_pool.
  expect(new RegExp(`^(?:${POOL_RELABEL.regex})$`).test("")).toBe(false);
  expect(new RegExp(`^(?:${POOL_RELABEL.regex})$`).test("gpu")).toBe(true);
});

describe("dev stack plan (the chart rendered by Helm)", () => {
  let resources: Awaited<ReturnType<typeof cachedPlan>>["resources"];
  beforeAll(async () => {
    resources = (await cachedPlan("dev")).resources;
  }, 300_000);

  it("renders the relabeling into the ClusterPolicy, from which the operator creates the DCGM exporter's ServiceMonitor", () => {
    const policy = one(resources, "kubernetes:nvidia.com/v1:ClusterPolicy");
    expect(get(policy, "spec.dcgmExporter.serviceMonitor")).toEqual({ enabled: true, interval: "15s", scrapeTimeout: "10s", honorLabels: false, additionalLabels: {}, relabelings: [POOL_RELABEL] });
  });
});
