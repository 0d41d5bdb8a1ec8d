import { get, one, record } from "../../test/harness";
import { GpuOperator, gpuOperatorValues } from "./gpuOperator";

const OFF = { driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true };

test("driver and toolkit off by default (the EKS NVIDIA AMI ships them), DCGM ServiceMonitor on, GPU taint tolerated", () => {
  const v = gpuOperatorValues(OFF);
  expect(v.driver).toEqual({ enabled: false });
  expect(v.toolkit).toEqual({ enabled: false });
  expect(v.dcgmExporter).toEqual({ enabled: true, serviceMonitor: { enabled: true, interval: "15s" } });
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
