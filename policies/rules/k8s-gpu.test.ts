import { check } from "../test/harness";
import { container, DEPLOYMENT, deployment, UNKNOWN } from "../test/fixtures";
import { gpuScheduling } from "./k8s-gpu";

const gpuContainer = container({
  name: "vllm",
  image: "vllm/vllm-openai:v0.30.0",
  resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { memory: "48Gi", "nvidia.com/gpu": 1 } },
});
const toleration = { key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" };

describe("k8s-gpu-scheduling", () => {
  it("accepts a GPU pod that tolerates the taint and selects a GPU pool", async () => {
    const d = deployment({ containers: [gpuContainer], tolerations: [toleration], nodeSelector: { "ods.io/accelerator": "nvidia" } });
    expect(await check(gpuScheduling, DEPLOYMENT, d)).toEqual([]);
  });
  it("accepts Exists tolerations and required node affinity", async () => {
    const d = deployment({
      containers: [gpuContainer],
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: "ods.io/gpu-type", operator: "In", values: ["l40s", "h100"] }] }],
          },
        },
      },
    });
    expect(await check(gpuScheduling, DEPLOYMENT, d)).toEqual([]);
  });
  it("reports a GPU pod without toleration and without a GPU node selector", async () => {
    const d = deployment({ containers: [gpuContainer], nodeSelector: { "kubernetes.io/os": "linux" } });
    expect(await check(gpuScheduling, DEPLOYMENT, d)).toEqual([
      "container vllm requests nvidia.com/gpu but the pod does not tolerate nvidia.com/gpu=true:NoSchedule.",
      "container vllm requests nvidia.com/gpu but the pod selects no GPU nodes (nodeSelector or required nodeAffinity on one of: ods.io/gpu-pool, ods.io/gpu-type, ods.io/accelerator, nvidia.com/gpu.present, nvidia.com/gpu.product, node.kubernetes.io/instance-type, eks.amazonaws.com/nodegroup, karpenter.k8s.aws/instance-gpu-count).",
    ]);
  });
  it("reports a toleration with the wrong value or effect", async () => {
    const d = deployment({ containers: [gpuContainer], tolerations: [{ ...toleration, value: "false" }], nodeSelector: { "ods.io/gpu-pool": "l40s" } });
    expect(await check(gpuScheduling, DEPLOYMENT, d)).toHaveLength(1);
  });
  it("leaves CPU pods alone and skips unknown GPU quantities and tolerations", async () => {
    expect(await check(gpuScheduling, DEPLOYMENT, deployment())).toEqual([]);
    const unknownQty = container({ resources: { limits: { "nvidia.com/gpu": UNKNOWN } } });
    expect(await check(gpuScheduling, DEPLOYMENT, deployment({ containers: [unknownQty] }))).toEqual([]);
    const d = deployment({ containers: [gpuContainer], tolerations: UNKNOWN, nodeSelector: UNKNOWN });
    expect(await check(gpuScheduling, DEPLOYMENT, d)).toEqual([]);
  });
});
