// S3 buckets: public access blocked and server-side encryption configured, for each bucket.
import type { StackValidationPolicy } from "@pulumi/policy";
import { typesScope, validateStackOf } from "./lib/rule";
import { refersTo, StackResource } from "./lib/stack";
import { at, bool, isUnknown, records, str } from "./lib/values";

const BUCKET = "aws:s3/bucket:Bucket";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const SSE_ALGORITHMS = new Set(["AES256", "aws:kms", "aws:kms:dsse"]);
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

/** Values another resource may hold to point at this bucket: its name and, offline, its mock id. */
function bucketIds(b: StackResource): unknown[] {
  return [b.props["bucket"], b.name, `${b.name}_id`, `${b.name}-id`];
}

/** "yes" if all four flags are true, "unknown" if some are not known yet, else "no". */
function blocksAll(props: Record<string, unknown>): "yes" | "no" | "unknown" {
  if (PAB_FLAGS.some((f) => isUnknown(props[f]))) return "unknown";
  return PAB_FLAGS.every((f) => bool(props[f]) === true) ? "yes" : "no";
}

export const s3BlockPublicAccess: StackValidationPolicy = {
  name: "s3-block-public-access",
  description: "Every S3 bucket must have a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true (an AccountPublicAccessBlock with all four also counts), and no public canned ACL.",
  enforcementLevel: "mandatory",
  remediationSteps: "Create an aws.s3.BucketPublicAccessBlock for the bucket with all four flags true, and drop any public-read/public-read-write ACL.",
  validateStack: validateStackOf(typesScope([BUCKET]), {}, (resources, _cfg, _args, report) => {
    const accountWide = resources.some((r) => r.type === ACCOUNT_PAB && blocksAll(r.props) === "yes");
    const blocks = resources.filter((r) => r.type === PAB);
    for (const b of resources.filter((r) => r.type === BUCKET)) {
      const label = str(b.props["bucket"]) ?? b.name;
      const acl = str(b.props["acl"]);
      if (acl !== undefined && PUBLIC_ACLS.has(acl)) report(`Bucket ${label} has the public ACL ${acl}.`, b.urn);
      if (accountWide) continue;
      const mine = blocks.map((p) => ({ p, ref: refersTo(p, "bucket", b, bucketIds(b)) }));
      if (mine.some((m) => m.ref === "unknown")) continue;
      const verdicts = mine.filter((m) => m.ref === true).map((m) => blocksAll(m.p.props));
      if (verdicts.includes("yes") || verdicts.includes("unknown")) continue;
      if (verdicts.length === 0) report(`Bucket ${label} has no BucketPublicAccessBlock.`, b.urn);
      else report(`Bucket ${label} has a BucketPublicAccessBlock that does not set all of ${PAB_FLAGS.join(", ")} to true.`, b.urn);
    }
  }),
};

/** "yes"/"no"/"unknown": whether SSE rules name a valid default algorithm. */
function encrypts(rules: unknown): "yes" | "no" | "unknown" {
  if (isUnknown(rules)) return "unknown";
  const list = Array.isArray(rules) ? records(rules) : records([rules]);
  for (const r of list) {
    const alg = at(r, "applyServerSideEncryptionByDefault", "sseAlgorithm");
    if (isUnknown(alg)) return "unknown";
    if (typeof alg === "string" && SSE_ALGORITHMS.has(alg)) return "yes";
  }
  return "no";
}

export const s3Encryption: StackValidationPolicy = {
  name: "s3-encryption",
  description: "Every S3 bucket must have a server-side encryption configuration (AES256, aws:kms or aws:kms:dsse) declared in the stack, so the encryption choice (and KMS key) is explicit rather than the account default.",
  enforcementLevel: "mandatory",
  remediationSteps: "Create an aws.s3.BucketServerSideEncryptionConfiguration for the bucket with rules[0].applyServerSideEncryptionByDefault.sseAlgorithm aws:kms (and kmsMasterKeyId) or AES256.",
  validateStack: validateStackOf(typesScope([BUCKET]), {}, (resources, _cfg, _args, report) => {
    const sse = resources.filter((r) => r.type === SSE);
    for (const b of resources.filter((r) => r.type === BUCKET)) {
      // The deprecated inline block on the bucket still configures encryption.
      const inline = encrypts(at(b.props, "serverSideEncryptionConfiguration", "rule"));
      if (inline !== "no") continue;
      const mine = sse.map((s) => ({ s, ref: refersTo(s, "bucket", b, bucketIds(b)) }));
      if (mine.some((m) => m.ref === "unknown")) continue;
      const verdicts = mine.filter((m) => m.ref === true).map((m) => encrypts(m.s.props["rules"]));
      if (verdicts.includes("yes") || verdicts.includes("unknown")) continue;
      const label = str(b.props["bucket"]) ?? b.name;
      if (verdicts.length === 0) report(`Bucket ${label} has no server-side encryption configuration.`, b.urn);
      else report(`Bucket ${label} has an encryption configuration without a valid sseAlgorithm.`, b.urn);
    }
  }),
};
