// S3 on AWS: the same buckets, KMS-encrypted, public access blocked, versioned, TLS only, old versions
// expired, and one IAM role per consumer for its service account (IRSA) instead of keys.
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as awsS3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { irsaTrustPolicy } from "../infra/iam";
import { BUCKET_ROLES, BucketRole, ObjectStoreAccess, ObjectStoreConsumer } from "./contracts";
import { bucketNames, ObjectStoreArgs, S3Settings, StoreParts } from "./objectStore";

/** Days after which S3 aborts an unfinished multipart upload and frees its parts. */
export const ABORT_MULTIPART_DAYS = 7;

/** Days KMS waits before it really deletes a key scheduled for deletion (the maximum; the key is also retained on delete). */
export const KMS_DELETION_WINDOW_DAYS = 30;

/** Regions where S3 has no account regional namespace: buckets there go to the global namespace. */
export const REGIONS_WITHOUT_ACCOUNT_NAMESPACE: readonly string[] = ["me-south-1", "me-central-1"];

/** Object actions of a "read" consumer, and the bucket actions it needs to list and locate. */
export const READ_OBJECT_ACTIONS = ["s3:GetObject"] as const;
export const READ_BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"] as const;
/** What "readwrite" adds: writing, deleting and multipart uploads (large model weights, backups). */
export const WRITE_OBJECT_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"] as const;
export const WRITE_BUCKET_ACTIONS = ["s3:ListBucketMultipartUploads"] as const;

const MAX_BUCKET_NAME = 63;
const PREFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const SERVICE_ACCOUNT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

export interface S3BucketName {
  /** The bucket's name. */
  bucket: string;
  /** "account-regional": the name carries `-<account>-<region>-an` and no other account can ever take it. */
  namespace: "account-regional" | "global";
}

/**
 * The name of one bucket (pure). S3 names are global: a plain `ods-prod-datasets` may already belong to
 * someone else, and a deleted bucket's name can be taken by anyone. In the account regional namespace the
 * name ends in `-<account>-<region>-an` and only this account can create it, so names stay predictable and
 * cannot be squatted. Where a region has no such namespace the same name without `-an` goes to the global
 * namespace. A stem too long for 63 characters is cut and suffixed with a hash, like k8sName.
 */
export function s3BucketName(stem: string, accountId: string, region: string): S3BucketName {
  const regional = !REGIONS_WITHOUT_ACCOUNT_NAMESPACE.includes(region);
  const suffix = `-${accountId}-${region}${regional ? "-an" : ""}`;
  const room = MAX_BUCKET_NAME - suffix.length;
  const fitted = stem.length <= room ? stem : `${stem.slice(0, room - 9).replace(/-+$/, "")}-${createHash("sha256").update(stem).digest("hex").slice(0, 8)}`;
  return { bucket: `${fitted}${suffix}`, namespace: regional ? "account-regional" : "global" };
}

/** ARN of a bucket (pure). */
export function bucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/**
 * Checks the arguments before anything is declared (pure); throws naming the argument, the value and what
 * is allowed.
 */
export function validateS3Args(name: string, args: Pick<ObjectStoreArgs, "bucketPrefix" | "consumers"> & { s3: S3Settings }): void {
  const fail = (what: string) => {
    throw new Error(`ObjectStore ${name} (s3): ${what}`);
  };
  const { s3 } = args;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(s3.region)) fail(`region ${JSON.stringify(s3.region)} is not an AWS region; allowed: a region such as us-east-1`);
  if (!PREFIX.test(args.bucketPrefix) || /^(xn--|sthree-|amzn-s3-demo-)/.test(args.bucketPrefix)) {
    fail(`bucketPrefix ${JSON.stringify(args.bucketPrefix)} cannot start an S3 bucket name; allowed: lower-case letters, digits and inner hyphens, not starting with xn--, sthree- or amzn-s3-demo-`);
  }
  if (!Number.isInteger(s3.noncurrentVersionDays) || s3.noncurrentVersionDays < 1) {
    fail(`noncurrentVersionDays ${s3.noncurrentVersionDays} must be a whole number of days >= 1 (ods:data objectStore.s3.noncurrentVersionDays)`);
  }
  if (s3.kmsKeyArn !== undefined) {
    const m = KMS_KEY_ARN.exec(s3.kmsKeyArn);
    if (!m) {
      // IAM authorizes kms:Decrypt on the key's ARN, never on an alias, so an alias would leave every role unable to read.
      fail(`kmsKeyArn ${JSON.stringify(s3.kmsKeyArn)} is not a KMS key ARN (ods:data objectStore.s3.kmsKeyArn); allowed: arn:aws:kms:<region>:<account>:key/<key-id>, not an alias ARN`);
    } else if (m[2] !== s3.region) {
      fail(`kmsKeyArn is in region ${m[2]} but the buckets are in ${s3.region}; S3 needs a key in the bucket's region`);
    }
  }
  const seen = new Set<string>();
  for (const c of args.consumers) {
    if (seen.has(c.name)) fail(`consumer ${JSON.stringify(c.name)} is listed twice; allowed: one entry per consumer`);
    seen.add(c.name);
    if (!SERVICE_ACCOUNT.test(c.serviceAccount) || c.serviceAccount.length > 253) fail(`consumer ${c.name}: serviceAccount ${JSON.stringify(c.serviceAccount)} is not a Kubernetes name`);
    const entries = Object.entries(c.buckets);
    if (entries.length === 0) fail(`consumer ${c.name} lists no bucket; allowed: at least one of ${BUCKET_ROLES.join(", ")}`);
    for (const [role, level] of entries) {
      if (!(BUCKET_ROLES as readonly string[]).includes(role)) fail(`consumer ${c.name}: bucket ${JSON.stringify(role)} is unknown; allowed: ${BUCKET_ROLES.join(", ")}`);
      if (level !== "read" && level !== "readwrite") fail(`consumer ${c.name}: access ${JSON.stringify(level)} to ${role} is unknown; allowed: read, readwrite`);
    }
  }
}

/**
 * Bucket policy (pure): every request without TLS, or with TLS older than 1.2, is denied, whoever makes
 * it; so is an upload that asks for an encryption other than KMS (an upload that asks for none gets the
 * bucket's KMS default).
 */
export function bucketPolicy(arn: string): string {
  const resources = [arn, `${arn}/*`];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      { Sid: "DenyOldTls", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: resources, Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
      {
        Sid: "DenyNonKmsEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${arn}/*`,
        // Null=false: only when the request names an encryption; without the header the KMS default applies.
        Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
      },
    ],
  });
}

/** Lifecycle rules (pure): non-current versions expire after `days`, lone delete markers go, stale multipart uploads are aborted. */
export function lifecycleRules(days: number) {
  return [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: days },
      expiration: { expiredObjectDeleteMarker: true },
    },
    { id: "abort-incomplete-multipart-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_MULTIPART_DAYS } },
  ];
}

/**
 * Permissions of one consumer (pure): only its buckets, write actions only where it has "readwrite", and
 * the KMS key only through S3 in this region (Decrypt to read; GenerateDataKey too where it writes).
 */
export function consumerPolicy(consumer: Pick<ObjectStoreConsumer, "name" | "buckets">, arns: Record<BucketRole, string>, keyArn: string, region: string, dnsSuffix = "amazonaws.com"): string {
  const roles = BUCKET_ROLES.filter((r) => consumer.buckets[r] !== undefined);
  const writable = roles.filter((r) => consumer.buckets[r] === "readwrite");
  const objects = (rs: BucketRole[]) => rs.map((r) => `${arns[r]}/*`);
  const statements: Record<string, unknown>[] = [
    { Sid: "ListBuckets", Effect: "Allow", Action: [...READ_BUCKET_ACTIONS], Resource: roles.map((r) => arns[r]) },
    { Sid: "ReadObjects", Effect: "Allow", Action: [...READ_OBJECT_ACTIONS], Resource: objects(roles) },
  ];
  if (writable.length > 0) {
    statements.push(
      { Sid: "ListUploads", Effect: "Allow", Action: [...WRITE_BUCKET_ACTIONS], Resource: writable.map((r) => arns[r]) },
      { Sid: "WriteObjects", Effect: "Allow", Action: [...WRITE_OBJECT_ACTIONS], Resource: objects(writable) },
    );
  }
  statements.push({
    Sid: "UseBucketKey",
    Effect: "Allow",
    Action: writable.length > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `s3.${region}.${dnsSuffix}` } },
  });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const tags = (extra: Record<string, string> = {}) => ({ "ods:component": "object-store", ...extra });

export function s3Store(parent: pulumi.ComponentResource, name: string, args: ObjectStoreArgs & { s3: S3Settings }): StoreParts {
  validateS3Args(name, args);
  const s3 = args.s3;
  const region = s3.region;
  const opts = { parent };
  // Deleting a bucket or the key loses data: both stay in AWS when they leave the program or the stack is destroyed.
  // Their guards (encryption, public access block, policy, versioning) stay with them, so a retained bucket is never left open.
  const keep = { parent, retainOnDelete: true };

  const caller = getCallerIdentityOutput({}, opts);
  const partition = getPartitionOutput({}, opts);

  let keyArn: pulumi.Output<string>;
  const ready: pulumi.Resource[] = [];
  if (s3.kmsKeyArn !== undefined) {
    keyArn = pulumi.output(s3.kmsKeyArn);
  } else {
    const key = new kms.Key(`${name}-key`, {
      description: `Object store ${name}: default encryption of its S3 buckets`,
      enableKeyRotation: true,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
      region,
      tags: tags(),
    }, keep);
    ready.push(new kms.Alias(`${name}-key-alias`, { name: `alias/${args.bucketPrefix}-object-store`, targetKeyId: key.keyId, region }, opts));
    keyArn = key.arn;
  }

  const stems = bucketNames(args.bucketPrefix);
  const buckets = {} as Record<BucketRole, pulumi.Output<string>>;
  const arns = {} as Record<BucketRole, pulumi.Output<string>>;
  for (const role of BUCKET_ROLES) {
    const naming = caller.accountId.apply((account) => s3BucketName(stems[role], account, region));
    const bucket = new awsS3.Bucket(`${name}-${role}`, {
      bucket: naming.bucket,
      bucketNamespace: naming.namespace,
      forceDestroy: false,
      region,
      tags: tags({ "ods:bucket-role": role }),
    }, keep);
    const on = { bucket: bucket.id, region };
    const pab = new awsS3.BucketPublicAccessBlock(`${name}-${role}-public-access`, {
      ...on,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }, keep);
    const ownership = new awsS3.BucketOwnershipControls(`${name}-${role}-ownership`, { ...on, rule: { objectOwnership: "BucketOwnerEnforced" } }, keep);
    const sse = new awsS3.BucketServerSideEncryptionConfiguration(`${name}-${role}-encryption`, {
      ...on,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn }, bucketKeyEnabled: true }],
    }, keep);
    const versioning = new awsS3.BucketVersioning(`${name}-${role}-versioning`, { ...on, versioningConfiguration: { status: "Enabled" } }, keep);
    const arn = pulumi.all([partition.partition, naming]).apply(([p, n]) => bucketArn(p, n.bucket));
    // S3 rejects concurrent changes to one bucket's configuration, and a noncurrent-version rule means nothing before versioning is on.
    const policy = new awsS3.BucketPolicy(`${name}-${role}-policy`, { ...on, policy: arn.apply(bucketPolicy) }, { ...keep, dependsOn: [pab] });
    const lifecycle = new awsS3.BucketLifecycleConfiguration(`${name}-${role}-lifecycle`, { ...on, rules: lifecycleRules(s3.noncurrentVersionDays) }, { ...keep, dependsOn: [versioning] });
    ready.push(bucket, pab, ownership, sse, versioning, policy, lifecycle);
    buckets[role] = bucket.bucket;
    arns[role] = arn;
  }

  const access: Record<string, ObjectStoreAccess> = {};
  const allArns = pulumi.all(arns);
  for (const c of args.consumers) {
    const role = new iam.Role(`${name}-irsa-${c.name}`, {
      description: `IRSA role of ${c.name} for object store ${name}`,
      assumeRolePolicy: pulumi.all([s3.oidcProviderArn, s3.oidcIssuerUrl, c.namespace]).apply(([provider, issuer, ns]) => irsaTrustPolicy(provider, issuer, ns, c.serviceAccount)),
      tags: tags({ "ods:consumer": c.name }),
    }, opts);
    const permissions = new iam.RolePolicy(`${name}-irsa-${c.name}-s3`, {
      role: role.id,
      policy: pulumi.all([allArns, keyArn, partition.dnsSuffix]).apply(([a, key, dns]) => consumerPolicy(c, a as Record<BucketRole, string>, key, region, dns)),
    }, opts);
    ready.push(role, permissions);
    access[c.name] = { roleArn: role.arn, serviceAccount: c.serviceAccount };
  }

  const host = pulumi.interpolate`s3.${region}.${partition.dnsSuffix}`;
  return {
    endpoint: pulumi.interpolate`https://${host}`,
    host,
    port: 443,
    useTls: true,
    pathStyle: false,
    region,
    buckets,
    access,
    ready,
  };
}
