// MinIO buckets are never readable or writable anonymously.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "./lib/rule";
import { isRecord, isUnknown, Obj, str } from "./lib/values";

const PUBLIC_ACLS = new Set(["public", "public-read", "public-read-write", "public-write"]);

function isAnonymousPrincipal(p: unknown): boolean {
  if (p === "*") return true;
  if (isRecord(p)) {
    const aws = p["AWS"];
    return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
  }
  return false;
}

/** Statements of a bucket policy (a JSON string or an object) that Allow anonymous principals. */
export function anonymousStatements(policy: unknown): Obj[] | undefined {
  if (isUnknown(policy)) return undefined;
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(doc)) return [];
  const raw = doc["Statement"];
  const statements = (Array.isArray(raw) ? raw : [raw]).filter(isRecord);
  return statements.filter((s) => s["Effect"] === "Allow" && isAnonymousPrincipal(s["Principal"]));
}

export const minioNoPublicBuckets: ResourceValidationPolicy = {
  name: "minio-no-public-buckets",
  description: "MinIO buckets must not be public: no public ACL (public, public-read, public-read-write) and no bucket policy that allows Principal \"*\" (anonymous).",
  enforcementLevel: "mandatory",
  remediationSteps: "Use acl: \"private\" and grant access with IAM policies attached to MinIO users or service accounts; remove anonymous statements from bucket policies.",
  validateResource: validateTypes(
    ["minio:index/s3Bucket:S3Bucket", "minio:index/s3BucketPolicy:S3BucketPolicy"],
    {},
    (props, _cfg, args, report) => {
      if (args.type === "minio:index/s3Bucket:S3Bucket") {
        const acl = str(props["acl"]);
        if (acl !== undefined && PUBLIC_ACLS.has(acl)) report(`MinIO bucket ${str(props["bucket"]) ?? args.name} has the public ACL ${acl}.`);
        return;
      }
      const anon = anonymousStatements(props["policy"]);
      if (anon && anon.length > 0) {
        const actions = anon.map((s) => JSON.stringify(s["Action"] ?? "?")).join(", ");
        report(`MinIO bucket policy ${args.name} allows anonymous access (Principal "*") to ${actions}.`);
      }
    },
  ),
};
