import { check, checkStack, FakeResource } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { gpuNodeGroupCap, instanceTypesOf, nodeGroupMaxSize } from "./aws-gpu-nodegroups";

const NG = "aws:eks/nodeGroup:NodeGroup";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";

/** A node group the way the kit declares a GPU pool: NVIDIA AMI, GPU labels and taint. */
const pool = (name: string, maxSize: unknown, instanceTypes: unknown = ["g6e.2xlarge"]): FakeResource => ({
  type: NG,
  name,
  props: {
    amiType: "AL2023_x86_64_NVIDIA",
    instanceTypes,
    labels: { "ods.io/gpu-pool": name },
    taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }],
    scalingConfig: { minSize: 0, desiredSize: 1, maxSize },
  },
});

/** GPU instances with nothing that says GPU: standard AMI, no labels, no taints. */
const sneaky = (maxSize: number): FakeResource => ({
  type: NG,
  name: "batch",
  props: { amiType: "AL2023_x86_64_STANDARD", instanceTypes: ["m6i.xlarge", "p5.48xlarge"], scalingConfig: { minSize: 0, desiredSize: 0, maxSize } },
});

const system = (maxSize: unknown): FakeResource => ({
  type: NG,
  name: "system",
  props: { amiType: "AL2023_x86_64_STANDARD", instanceTypes: ["m6i.2xlarge"], labels: { "ods.io/node-group": "system" }, scalingConfig: { minSize: 3, desiredSize: 3, maxSize } },
});

describe("gpu-nodegroup-max-size", () => {
  it("accepts GPU groups whose maxSize together stays within the cap, and ignores CPU groups", async () => {
    expect(await checkStack(gpuNodeGroupCap, [pool("l40s", 8), pool("h100", 2, ["p5.48xlarge"]), system(9)], { maxGpuNodes: 10 })).toEqual([]);
  });
  it("caps the total over all GPU node groups, not each group", async () => {
    expect(await checkStack(gpuNodeGroupCap, [pool("l40s", 8), pool("h100", 4, ["p5.48xlarge"])], { maxGpuNodes: 10 })).toEqual([
      ["GPU node groups can scale to 12 nodes in total, over the cap of 10: l40s 8 (g6e.2xlarge), h100 4 (p5.48xlarge).", undefined],
    ]);
  });
  it("counts a p5.48xlarge group with a standard AMI, no labels and no taints", async () => {
    expect(await checkStack(gpuNodeGroupCap, [pool("l40s", 8), sneaky(2)], { maxGpuNodes: 8 })).toEqual([
      ["GPU node groups can scale to 10 nodes in total, over the cap of 8: l40s 8 (g6e.2xlarge), batch 2 (p5.48xlarge).", undefined],
    ]);
  });
  it("goes by instance family, not by AMI, labels or taints", async () => {
    const cpuWithGpuLooks = pool("fake", 50, ["m6i.xlarge"]);
    expect(await checkStack(gpuNodeGroupCap, [cpuWithGpuLooks], { maxGpuNodes: 0 })).toEqual([]);
    for (const t of ["inf2.xlarge", "trn1.32xlarge", "g5g.xlarge", "dl1.24xlarge"]) {
      expect(await checkStack(gpuNodeGroupCap, [{ ...system(3), props: { ...system(3).props, instanceTypes: [t] } }], { maxGpuNodes: 0 })).toHaveLength(1);
    }
  });
  it("reads the instance type from the launch template when the group names none", async () => {
    const template: FakeResource = { type: LT, name: "gpu-lt", props: { instanceType: "g6.xlarge" } };
    const group: FakeResource = { type: NG, name: "lt-group", props: { launchTemplate: { id: "gpu-lt-id", version: "1" }, scalingConfig: { maxSize: 3 } } };
    expect(await checkStack(gpuNodeGroupCap, [template, group], { maxGpuNodes: 2 })).toEqual([
      ["GPU node groups can scale to 3 nodes in total, over the cap of 2: lt-group 3 (g6.xlarge).", undefined],
    ]);
    expect(instanceTypesOf({ scalingConfig: { maxSize: 3 } }, [])).toEqual(["t3.medium"]);
  });
  it("gives no verdict while an instance type or a GPU group's maxSize is not known", async () => {
    expect(await checkStack(gpuNodeGroupCap, [pool("l40s", 8), pool("x", 5, UNKNOWN)], { maxGpuNodes: 8 })).toEqual([]);
    expect(await checkStack(gpuNodeGroupCap, [pool("l40s", UNKNOWN), sneaky(20)], { maxGpuNodes: 8 })).toEqual([]);
    const group: FakeResource = { type: NG, name: "g", props: { launchTemplate: { id: UNKNOWN }, scalingConfig: { maxSize: 3 } } };
    expect(await checkStack(gpuNodeGroupCap, [group], { maxGpuNodes: 0 })).toEqual([]);
  });
});

describe("aws-nodegroup-max-size", () => {
  it("accepts node groups within maxNodesPerGroup (default 50)", async () => {
    expect(await check(nodeGroupMaxSize, NG, system(9).props)).toEqual([]);
    expect(await check(nodeGroupMaxSize, NG, system(50).props)).toEqual([]);
  });
  it("reports a system group of maxSize 10000, and any group over the configured bound", async () => {
    expect(await check(nodeGroupMaxSize, NG, system(10000).props)).toEqual(["Node group test can scale to 10000 nodes; no node group may have more than 50."]);
    expect(await check(nodeGroupMaxSize, NG, pool("l40s", 8).props, { maxNodesPerGroup: 4 })).toHaveLength(1);
  });
  it("skips an unknown maxSize", async () => {
    expect(await check(nodeGroupMaxSize, NG, system(UNKNOWN).props, { maxNodesPerGroup: 1 })).toEqual([]);
  });
});
