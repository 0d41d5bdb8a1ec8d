import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { minioNoPublicBuckets } from "./minio";

const BUCKET = "minio:index/s3Bucket:S3Bucket";
const POLICY = "minio:index/s3BucketPolicy:S3BucketPolicy";
const statement = (principal: unknown) => ({ Effect: "Allow", Principal: principal, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::models/*"] });

describe("minio-no-public-buckets", () => {
  it("accepts private buckets and policies for named principals", async () => {
    expect(await check(minioNoPublicBuckets, BUCKET, { bucket: "models", acl: "private" })).toEqual([]);
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [statement({ AWS: ["arn:aws:iam:::user/milvus"] })] });
    expect(await check(minioNoPublicBuckets, POLICY, { bucket: "models", policy })).toEqual([]);
  });
  it("reports public ACLs and anonymous policies", async () => {
    expect(await check(minioNoPublicBuckets, BUCKET, { bucket: "models", acl: "public-read" })).toEqual(["MinIO bucket models has the public ACL public-read."]);
    const star = JSON.stringify({ Version: "2012-10-17", Statement: [statement("*")] });
    expect(await check(minioNoPublicBuckets, POLICY, { bucket: "models", policy: star })).toEqual([
      'MinIO bucket policy test allows anonymous access (Principal "*") to ["s3:GetObject"].',
    ]);
    const awsStar = JSON.stringify({ Statement: statement({ AWS: ["*"] }) });
    expect(await check(minioNoPublicBuckets, POLICY, { bucket: "models", policy: awsStar })).toHaveLength(1);
  });
  it("does not report unknown ACLs or policies", async () => {
    expect(await check(minioNoPublicBuckets, BUCKET, { bucket: "models", acl: UNKNOWN })).toEqual([]);
    expect(await check(minioNoPublicBuckets, POLICY, { bucket: "models", policy: UNKNOWN })).toEqual([]);
  });
});
