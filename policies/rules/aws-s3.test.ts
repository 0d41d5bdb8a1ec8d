import { checkStack, FakeResource, urnOf } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { s3BlockPublicAccess, s3Encryption } from "./aws-s3";

const bucket = (name: string, props: Record<string, unknown> = {}, parent?: string): FakeResource => ({ type: "aws:s3/bucket:Bucket", name, props: { bucket: `ods-prod-${name}`, ...props }, parent });
const allFlags = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const pab = (name: string, bucketRef: unknown, flags: Record<string, unknown> = allFlags, parent?: string): FakeResource => ({
  type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  name,
  props: { bucket: bucketRef, ...flags },
  parent,
});
const sse = (name: string, bucketRef: unknown, sseAlgorithm: unknown = "aws:kms"): FakeResource => ({
  type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  name,
  props: { bucket: bucketRef, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] },
});

describe("s3-block-public-access", () => {
  it("accepts a bucket with a full public access block (by mock id, by name, by dependency)", async () => {
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), pab("models-pab", "models-id")])).toEqual([]);
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), pab("models-pab", "ods-prod-models")])).toEqual([]);
    const b = bucket("models");
    const p = { ...pab("models-pab", UNKNOWN), propertyDependencies: { bucket: [urnOf(b)] } };
    expect(await checkStack(s3BlockPublicAccess, [b, p])).toEqual([]);
  });
  it("reports a bucket without a block, with a partial block, or with a public ACL", async () => {
    expect(await checkStack(s3BlockPublicAccess, [bucket("models")])).toEqual([["Bucket ods-prod-models has no BucketPublicAccessBlock.", "models"]]);
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), pab("p", "models-id", { ...allFlags, restrictPublicBuckets: false })])).toEqual([
      ["Bucket ods-prod-models has a BucketPublicAccessBlock that does not set all of blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets to true.", "models"],
    ]);
    expect(await checkStack(s3BlockPublicAccess, [bucket("site", { acl: "public-read" }), pab("p", "site-id")])).toEqual([["Bucket ods-prod-site has the public ACL public-read.", "site"]]);
  });
  it("does not report when the reference or the flags are unknown; matches unknown refs by parent", async () => {
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), pab("p", UNKNOWN)])).toEqual([]);
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), pab("p", "models-id", { ...allFlags, blockPublicAcls: UNKNOWN })])).toEqual([]);
    const parent = "urn:pulumi:test::ods::ods:data:ObjectStore::store";
    expect(await checkStack(s3BlockPublicAccess, [bucket("models", {}, parent), pab("p", UNKNOWN, { ...allFlags, ignorePublicAcls: false }, parent)])).toHaveLength(1);
  });
  it("accepts an account-wide public access block", async () => {
    const account: FakeResource = { type: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", name: "account", props: allFlags };
    expect(await checkStack(s3BlockPublicAccess, [bucket("models"), account])).toEqual([]);
  });
});

describe("s3-encryption", () => {
  it("accepts a bucket with an SSE configuration", async () => {
    expect(await checkStack(s3Encryption, [bucket("models"), sse("models-sse", "models-id")])).toEqual([]);
    expect(await checkStack(s3Encryption, [bucket("logs"), sse("logs-sse", "logs-id", "AES256")])).toEqual([]);
  });
  it("reports a bucket without one, or with an invalid algorithm", async () => {
    expect(await checkStack(s3Encryption, [bucket("models"), sse("other", "other-id")])).toEqual([["Bucket ods-prod-models has no server-side encryption configuration.", "models"]]);
    expect(await checkStack(s3Encryption, [bucket("models"), sse("s", "models-id", "none")])).toEqual([
      ["Bucket ods-prod-models has an encryption configuration without a valid sseAlgorithm.", "models"],
    ]);
  });
  it("does not report unknown references or algorithms", async () => {
    expect(await checkStack(s3Encryption, [bucket("models"), sse("s", UNKNOWN)])).toEqual([]);
    expect(await checkStack(s3Encryption, [bucket("models"), sse("s", "models-id", UNKNOWN)])).toEqual([]);
  });
});
