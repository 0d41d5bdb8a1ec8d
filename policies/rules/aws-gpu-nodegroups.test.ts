import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { gpuNodeGroupCap, isGpuNodeGroup } from "./aws-gpu-nodegroups";

const NG = "aws:eks/nodeGroup:NodeGroup";
const gpu = (maxSize: unknown) => ({
  amiType: "AL2023_x86_64_NVIDIA",
  labels: { "ods.io/gpu-pool": "l40s" },
  taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }],
  scalingConfig: { minSize: 0, desiredSize: 1, maxSize },
});

describe("gpu-nodegroup-max-size", () => {
  it("recognises GPU node groups by AMI, label or taint", () => {
    expect(isGpuNodeGroup({ amiType: "AL2023_x86_64_NVIDIA" })).toBe(true);
    expect(isGpuNodeGroup({ labels: { "ods.io/gpu-pool": "l4" } })).toBe(true);
    expect(isGpuNodeGroup({ taints: [{ key: "nvidia.com/gpu" }] })).toBe(true);
    expect(isGpuNodeGroup({ amiType: "AL2023_x86_64_STANDARD", labels: { "ods.io/node-group": "system" } })).toBe(false);
  });
  it("accepts a GPU group within the cap and ignores CPU groups", async () => {
    expect(await check(gpuNodeGroupCap, NG, gpu(4))).toEqual([]);
    expect(await check(gpuNodeGroupCap, NG, { amiType: "AL2023_x86_64_STANDARD", scalingConfig: { maxSize: 50 } })).toEqual([]);
  });
  it("reports a GPU group above the environment's cap", async () => {
    expect(await check(gpuNodeGroupCap, NG, gpu(8), { maxGpuNodes: 2 })).toEqual(["GPU node group test can scale to 8 nodes; the cap here is 2."]);
  });
  it("skips an unknown maxSize", async () => {
    expect(await check(gpuNodeGroupCap, NG, gpu(UNKNOWN), { maxGpuNodes: 0 })).toEqual([]);
  });
});
