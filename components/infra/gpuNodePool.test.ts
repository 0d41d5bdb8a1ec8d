import { get, one, record } from "../../test/harness";
import { checkGpuNodePoolArgs, GpuNodePool, GpuNodePoolArgs, GpuPoolSpec } from "./gpuNodePool";

const args = (over: Partial<GpuPoolSpec> = {}): GpuNodePoolArgs => ({
  environment: "dev",
  clusterName: "ods-dev",
  nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
  subnetIds: ["subnet-a", "subnet-b"],
  pool: { name: "l4", gpuType: "l4", instanceTypes: ["g6.xlarge", "g6.2xlarge"], capacityType: "spot", minSize: 0, desiredSize: 1, maxSize: 2, diskSizeGiB: 200, ...over },
});

test("a tainted, labelled, spot node group on the NVIDIA AMI", async () => {
  const rs = await record(() => new GpuNodePool("gpu-l4", args()));
  const ng = one(rs, "aws:eks/nodeGroup:NodeGroup");
  expect(ng.name).toBe("gpu-l4-ng");
  expect(ng.parent).toBe("gpu-l4");
  expect(get(ng, "amiType")).toBe("AL2023_x86_64_NVIDIA");
  expect(get(ng, "capacityType")).toBe("SPOT");
  expect(get(ng, "instanceTypes")).toEqual(["g6.xlarge", "g6.2xlarge"]);
  expect(get(ng, "scalingConfig")).toEqual({ minSize: 0, desiredSize: 1, maxSize: 2 });
  expect(get(ng, "taints")).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
  expect(get(ng, "labels")).toEqual({ "ods.io/gpu-pool": "l4", "ods.io/gpu-type": "l4", "ods.io/accelerator": "nvidia" });
});

test("on-demand capacity and an encrypted root volume of the configured size", async () => {
  const rs = await record(() => new GpuNodePool("gpu-h100", args({ name: "h100", gpuType: "h100", capacityType: "on-demand", diskSizeGiB: 1000 })));
  expect(get(one(rs, "aws:eks/nodeGroup:NodeGroup"), "capacityType")).toBe("ON_DEMAND");
  const lt = one(rs, "aws:ec2/launchTemplate:LaunchTemplate");
  expect(get(lt, "blockDeviceMappings")).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 1000, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
  expect(lt.parent).toBe("gpu-h100");
});

test("bad args fail before anything is declared, naming the argument and what is allowed", async () => {
  expect(() => checkGpuNodePoolArgs("gpu-x", args({ instanceTypes: [], minSize: 3, desiredSize: 1, maxSize: 2 }))).toThrow(
    "GpuNodePool gpu-x: instanceTypes is empty; allowed: at least one GPU instance type; sizes min 3 / desired 1 / max 2; allowed: 0 <= min <= desired <= max, max >= 1",
  );
  let recorded = -1;
  await expect(
    record(() => {
      new GpuNodePool("gpu-x", args({ diskSizeGiB: 20 }));
    }).then((rs) => (recorded = rs.length)),
  ).rejects.toThrow("GpuNodePool gpu-x: diskSizeGiB 20; allowed: >= 50");
  expect(recorded).toBe(-1);
});
