import { checkStack, FakeResource } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { ebsEncrypted } from "./aws-ebs";

const lt = (name: string, mappings: unknown): FakeResource => ({ type: "aws:ec2/launchTemplate:LaunchTemplate", name, props: { blockDeviceMappings: mappings } });
const ng = (name: string, launchTemplate: unknown): FakeResource => ({
  type: "aws:eks/nodeGroup:NodeGroup",
  name,
  props: { scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 3 }, diskSize: launchTemplate ? undefined : 100, launchTemplate },
});
const vol = (name: string, encrypted: unknown): FakeResource => ({ type: "aws:ebs/volume:Volume", name, props: { availabilityZone: "us-east-1a", size: 10, encrypted } });
const root = (encrypted: unknown) => [{ deviceName: "/dev/xvda", ebs: { encrypted, volumeSize: 100, volumeType: "gp3" } }];

describe("aws-ebs-encrypted", () => {
  it("accepts encrypted volumes, launch templates and node groups that use them", async () => {
    const res = [vol("data", true), lt("system", root("true")), ng("system", { id: "lt-1", version: "1" })];
    expect(await checkStack(ebsEncrypted, res)).toEqual([]);
  });
  it("reports unencrypted volumes, template disks and node groups without a template", async () => {
    const res = [vol("data", false), lt("gpu", root("false")), lt("bare", undefined), ng("workers", undefined)];
    expect(await checkStack(ebsEncrypted, res)).toEqual([
      ["EBS volume data is not encrypted.", "data"],
      ["Launch template gpu block device /dev/xvda is not encrypted.", "gpu"],
      ["Launch template bare has no block device mapping, so the root volume is created unencrypted from the AMI.", "bare"],
      ["Node group workers has no launch template, so its root volumes (diskSize) are unencrypted unless EBS encryption by default is on.", "workers"],
    ]);
  });
  it("accepts everything when EBS encryption by default is on (in the stack or attested in config)", async () => {
    const res = [vol("data", false), ng("workers", undefined)];
    expect(await checkStack(ebsEncrypted, [...res, { type: "aws:ebs/encryptionByDefault:EncryptionByDefault", name: "ebd", props: { enabled: true } }])).toEqual([]);
    expect(await checkStack(ebsEncrypted, res, { accountEncryptionByDefault: true })).toEqual([]);
  });
  it("does not report unknown values", async () => {
    expect(await checkStack(ebsEncrypted, [vol("data", UNKNOWN), lt("x", root(UNKNOWN)), lt("y", UNKNOWN), ng("z", UNKNOWN)])).toEqual([]);
  });
});
