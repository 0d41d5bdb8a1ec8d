// The S3 object store: encrypted, private, versioned, TLS-only buckets and one IRSA role per consumer.
import { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { RecordedResource } from "../../plan/types";
import { BUCKET_ROLES, ObjectStoreConsumer } from "./contracts";
import { ObjectStore, ObjectStoreArgs } from "./objectStore";
import { bucketPolicy, consumerPolicy, lifecycleRules, s3BucketName, validateS3Args } from "./s3Store";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF";
const OIDC_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const GIVEN_KEY = `arn:aws:kms:${REGION}:210987654321:key/11111111-2222-3333-4444-555555555555`;

const CONSUMERS: ObjectStoreConsumer[] = [
  { name: "data-api", namespace: "ods-data", serviceAccount: "data-api", buckets: { datasets: "readwrite", models: "readwrite" } },
  { name: "milvus", namespace: "ods-data", serviceAccount: "milvus", buckets: { milvus: "readwrite" } },
  { name: "model-cache", namespace: "ods-model", serviceAccount: "model-cache", buckets: { models: "read" } },
];

function storeArgs(s3: Partial<ObjectStoreArgs["s3"]> = {}): ObjectStoreArgs {
  return {
    kind: "s3",
    namespace: "ods-data",
    bucketPrefix: "ods-prod",
    consumers: CONSUMERS,
    monitoringNamespace: "ods-observability",
    s3: { region: REGION, noncurrentVersionDays: 365, oidcProviderArn: OIDC_ARN, oidcIssuerUrl: `https://${ISSUER}`, ...s3 },
  };
}

interface Declared {
  resources: RecordedResource[];
  store: ObjectStore;
  /** Resource options as declared, by logical name (the mock runtime does not record them). */
  options: Map<string, pulumi.CustomResourceOptions>;
}

async function declare(s3: Partial<ObjectStoreArgs["s3"]> = {}): Promise<Declared> {
  let store: ObjectStore | undefined;
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const resources = await record(() => {
    const provider = new Provider("aws", { region: REGION });
    const see: pulumi.ResourceTransformation = (a) => {
      options.set(a.name, a.opts);
      return undefined;
    };
    store = new ObjectStore("objects", storeArgs(s3), { providers: { aws: provider }, transformations: [see] });
  }, { region: REGION });
  return { resources, store: store!, options };
}

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const json = (r: RecordedResource, key: string) => JSON.parse(get(r, key) as string);
const byName = (rs: RecordedResource[], type: string, name: string) => ofType(rs, type).find((r) => r.name === name)!;
type Statement = { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, string>> };
const arnOf = (role: string) => `arn:aws:s3:::ods-prod-${role}-${ACCOUNT}-${REGION}-an`;

describe("S3 object store", () => {
  let d: Declared;
  beforeAll(async () => {
    d = await declare();
  });

  test("four buckets in the account regional namespace, named per environment, role and account", () => {
    const buckets = ofType(d.resources, "aws:s3/bucket:Bucket");
    expect(buckets.map((b) => get(b, "bucket")).sort()).toEqual(BUCKET_ROLES.map((r) => `ods-prod-${r}-${ACCOUNT}-${REGION}-an`).sort());
    for (const b of buckets) {
      expect(get(b, "bucketNamespace")).toBe("account-regional");
      expect(get(b, "forceDestroy")).toBe(false);
      expect(get(b, "region")).toBe(REGION);
      expect(b.parent).toBe("objects");
    }
    // The layer's aws provider reaches every AWS resource through the component, none is on the default provider.
    for (const r of d.resources.filter((x) => x.type.startsWith("aws:"))) {
      expect([r.name, r.provider]).toEqual([r.name, "aws"]);
    }
  });

  test("the handle: virtual-hosted HTTPS endpoint of the region, the bucket names, a role per consumer and no keys", async () => {
    const s = d.store;
    expect(s.kind).toBe("s3");
    expect(await value(s.endpoint)).toBe(`https://s3.${REGION}.amazonaws.com`);
    expect(await value(s.host)).toBe(`s3.${REGION}.amazonaws.com`);
    expect([s.port, s.useTls, s.pathStyle, s.region]).toEqual([443, true, false, REGION]);
    expect(await value(s.buckets.models)).toBe(`ods-prod-models-${ACCOUNT}-${REGION}-an`);
    expect(Object.keys(s.access).sort()).toEqual(["data-api", "milvus", "model-cache"]);
    for (const c of CONSUMERS) {
      const a = s.access[c.name];
      expect(a.credentialsSecret).toBeUndefined();
      expect(a.serviceAccount).toBe(c.serviceAccount);
      expect(await value(a.roleArn!)).toBe(`arn:aws:iam::${ACCOUNT}:role/objects-irsa-${c.name}`);
    }
    expect(s.ready.length).toBeGreaterThanOrEqual(4 * 7 + 2 * CONSUMERS.length);
  });

  test("every bucket is encrypted with the created key (aws:kms, bucket key), and the key rotates", () => {
    const key = one(d.resources, "aws:kms/key:Key");
    expect(get(key, "enableKeyRotation")).toBe(true);
    expect(get(key, "deletionWindowInDays")).toBe(30);
    expect(get(one(d.resources, "aws:kms/alias:Alias"), "name")).toBe("alias/ods-prod-object-store");
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/`;
    for (const role of BUCKET_ROLES) {
      const sse = byName(d.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", `objects-${role}-encryption`);
      expect(get(sse, "bucket")).toBe(`objects-${role}-id`);
      const [rule] = get(sse, "rules") as { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string }; bucketKeyEnabled: boolean }[];
      expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
      expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId.startsWith(keyArn)).toBe(true);
      expect(rule.bucketKeyEnabled).toBe(true);
    }
  });

  test("public access blocked (all four flags), owner-enforced objects and versioning on every bucket", () => {
    for (const role of BUCKET_ROLES) {
      const pab = byName(d.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `objects-${role}-public-access`);
      expect(pab.inputs).toMatchObject({ bucket: `objects-${role}-id`, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      const own = byName(d.resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", `objects-${role}-ownership`);
      expect(get(own, "rule.objectOwnership")).toBe("BucketOwnerEnforced");
      const v = byName(d.resources, "aws:s3/bucketVersioning:BucketVersioning", `objects-${role}-versioning`);
      expect(get(v, "versioningConfiguration.status")).toBe("Enabled");
    }
  });

  test("the bucket policy denies plain HTTP, TLS below 1.2 and non-KMS uploads, for everyone, on that bucket only", () => {
    for (const role of BUCKET_ROLES) {
      const p = byName(d.resources, "aws:s3/bucketPolicy:BucketPolicy", `objects-${role}-policy`);
      const doc = json(p, "policy") as { Statement: (Statement & { Principal: string })[] };
      expect(doc.Statement.every((s) => s.Effect === "Deny" && s.Principal === "*")).toBe(true);
      const tls = doc.Statement.find((s) => s.Sid === "DenyInsecureTransport")!;
      expect(tls).toMatchObject({ Action: "s3:*", Resource: [arnOf(role), `${arnOf(role)}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } });
      expect(doc.Statement.find((s) => s.Sid === "DenyOldTls")!.Condition).toEqual({ NumericLessThan: { "s3:TlsVersion": "1.2" } });
      expect(doc.Statement.find((s) => s.Sid === "DenyNonKmsEncryption")!.Condition).toEqual({
        StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        Null: { "s3:x-amz-server-side-encryption": "false" },
      });
    }
  });

  test("lifecycle: non-current versions expire after the configured days, stale multipart uploads are aborted", () => {
    for (const role of BUCKET_ROLES) {
      const l = byName(d.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", `objects-${role}-lifecycle`);
      const rules = get(l, "rules") as Record<string, unknown>[];
      expect(rules.find((r) => r.id === "expire-noncurrent-versions")).toMatchObject({ status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 365 } });
      expect(rules.find((r) => r.id === "abort-incomplete-multipart-uploads")).toMatchObject({ status: "Enabled", abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });
    }
  });

  test("buckets, the key and each bucket's guards are retained when deleted; IAM roles are not", () => {
    const retained = (n: string) => d.options.get(n)?.retainOnDelete === true;
    expect(retained("objects-key")).toBe(true);
    for (const role of BUCKET_ROLES) {
      for (const part of ["", "-public-access", "-encryption", "-versioning", "-policy", "-lifecycle", "-ownership"]) expect([`objects-${role}${part}`, retained(`objects-${role}${part}`)]).toEqual([`objects-${role}${part}`, true]);
    }
    expect(retained("objects-irsa-milvus")).toBe(false);
  });

  test("one role per consumer, trusted only by its service account through the cluster's OIDC provider", () => {
    const roles = ofType(d.resources, "aws:iam/role:Role");
    expect(roles.map((r) => r.name).sort()).toEqual(["objects-irsa-data-api", "objects-irsa-milvus", "objects-irsa-model-cache"]);
    for (const c of CONSUMERS) {
      const trust = json(byName(d.resources, "aws:iam/role:Role", `objects-irsa-${c.name}`), "assumeRolePolicy");
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Federated: OIDC_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:${c.namespace}:${c.serviceAccount}`, [`${ISSUER}:aud`]: "sts.amazonaws.com" } },
        },
      ]);
    }
  });

  test("each role's policy names only its own buckets, and writes only where it has readwrite", () => {
    const policyOf = (c: string) => json(byName(d.resources, "aws:iam/rolePolicy:RolePolicy", `objects-irsa-${c}-s3`), "policy").Statement as Statement[];
    const resources = (ss: Statement[]) => [...new Set(ss.filter((s) => s.Sid !== "UseBucketKey").flatMap((s) => [s.Resource].flat()))].sort();

    const api = policyOf("data-api");
    expect(resources(api)).toEqual([arnOf("datasets"), `${arnOf("datasets")}/*`, arnOf("models"), `${arnOf("models")}/*`].sort());
    expect(api.find((s) => s.Sid === "WriteObjects")!.Action).toEqual(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
    expect(api.find((s) => s.Sid === "UseBucketKey")).toMatchObject({ Action: ["kms:Decrypt", "kms:GenerateDataKey"], Condition: { StringEquals: { "kms:ViaService": `s3.${REGION}.amazonaws.com` } } });
    expect(api.find((s) => s.Sid === "UseBucketKey")!.Resource).toMatch(new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`));

    expect(resources(policyOf("milvus"))).toEqual([arnOf("milvus"), `${arnOf("milvus")}/*`]);

    // The bad case: a read consumer gets no write action, no data key, and nothing outside its bucket.
    const cache = policyOf("model-cache");
    const actions = cache.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(["kms:Decrypt", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
    expect(actions).not.toContain("s3:PutObject");
    expect(resources(cache)).toEqual([arnOf("models"), `${arnOf("models")}/*`]);
  });

  test("no access keys or users anywhere", () => {
    const types = new Set(d.resources.map((r) => r.type));
    expect(types.has("aws:iam/accessKey:AccessKey")).toBe(false);
    expect(types.has("aws:iam/user:User")).toBe(false);
    expect(types.has("kubernetes:core/v1:Secret")).toBe(false);
    expect(allStrings(d.resources.map((r) => r.inputs)).filter((s) => /AKIA[0-9A-Z]{16}|aws_secret_access_key/i.test(s))).toEqual([]);
  });
});

test("a given kmsKeyArn encrypts every bucket and is the key in every role's policy; no key is created", async () => {
  const d = await declare({ kmsKeyArn: GIVEN_KEY });
  expect(ofType(d.resources, "aws:kms/key:Key")).toHaveLength(0);
  expect(ofType(d.resources, "aws:kms/alias:Alias")).toHaveLength(0);
  const sse = ofType(d.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
  expect(sse).toHaveLength(4);
  for (const s of sse) expect(get(s, "rules")).toEqual([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: GIVEN_KEY }, bucketKeyEnabled: true }]);
  for (const p of ofType(d.resources, "aws:iam/rolePolicy:RolePolicy")) {
    expect((json(p, "policy").Statement as Statement[]).find((s) => s.Sid === "UseBucketKey")!.Resource).toBe(GIVEN_KEY);
  }
});

describe("pure parts", () => {
  test("bucket names: account regional where the region has it, global elsewhere, hashed when too long", () => {
    expect(s3BucketName("ods-dev-models", ACCOUNT, "us-east-1")).toEqual({ bucket: `ods-dev-models-${ACCOUNT}-us-east-1-an`, namespace: "account-regional" });
    expect(s3BucketName("ods-dev-models", ACCOUNT, "me-south-1")).toEqual({ bucket: `ods-dev-models-${ACCOUNT}-me-south-1`, namespace: "global" });
    const long = "abcdefghijkl-environment-name-twenty-datasets";
    const a = s3BucketName(long, ACCOUNT, "ap-southeast-5").bucket;
    const b = s3BucketName(`${long}x`, ACCOUNT, "ap-southeast-5").bucket;
    expect(a.length).toBe(63);
    expect(a).toMatch(new RegExp(`^abcdefghijkl-[a-z0-9-]+-[0-9a-f]{8}-${ACCOUNT}-ap-southeast-5-an$`));
    expect(a).not.toBe(b);
  });

  test("lifecycle rules carry the given days", () => {
    expect(lifecycleRules(30)[0]).toMatchObject({ noncurrentVersionExpiration: { noncurrentDays: 30 }, expiration: { expiredObjectDeleteMarker: true }, filter: {} });
  });

  test("the bucket policy covers the bucket and its objects", () => {
    const doc = JSON.parse(bucketPolicy("arn:aws:s3:::b"));
    expect(doc.Statement[0].Resource).toEqual(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
  });

  test("a consumer with read on one bucket and readwrite on another writes only to the second", () => {
    const arns = Object.fromEntries(BUCKET_ROLES.map((r) => [r, `arn:aws:s3:::${r}`])) as Record<(typeof BUCKET_ROLES)[number], string>;
    const doc = JSON.parse(consumerPolicy({ name: "x", buckets: { datasets: "read", backups: "readwrite" } }, arns, "arn:aws:kms:r:1:key/k", "us-east-1")) as { Statement: Statement[] };
    expect(doc.Statement.find((s) => s.Sid === "WriteObjects")!.Resource).toEqual(["arn:aws:s3:::backups/*"]);
    expect(doc.Statement.find((s) => s.Sid === "ReadObjects")!.Resource).toEqual(["arn:aws:s3:::datasets/*", "arn:aws:s3:::backups/*"]);
    expect(doc.Statement.find((s) => s.Sid === "ListUploads")!.Resource).toEqual(["arn:aws:s3:::backups"]);
  });

  describe("validation", () => {
    const ok = { bucketPrefix: "ods-prod", consumers: CONSUMERS, s3: storeArgs().s3! };
    const err = (patch: Partial<Omit<typeof ok, "s3">> & { s3?: Partial<typeof ok.s3> }) => () => validateS3Args("objects", { ...ok, ...patch, s3: { ...ok.s3, ...patch.s3 } });

    test("valid arguments pass", () => expect(err({})).not.toThrow());
    test("an alias ARN is refused: IAM cannot grant Decrypt through an alias", () => {
      expect(err({ s3: { kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/data` } })).toThrow(/kmsKeyArn .* is not a KMS key ARN .*not an alias ARN/);
    });
    test("a key in another region is refused", () => {
      expect(err({ s3: { kmsKeyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/abc` } })).toThrow(/kmsKeyArn is in region us-east-1 but the buckets are in eu-west-1/);
    });
    test("days below 1 are refused", () => expect(err({ s3: { noncurrentVersionDays: 0 } })).toThrow(/noncurrentVersionDays 0 must be a whole number/));
    test("a prefix S3 cannot use is refused", () => {
      expect(err({ bucketPrefix: "ODS_prod" })).toThrow(/bucketPrefix "ODS_prod" cannot start an S3 bucket name/);
      expect(err({ bucketPrefix: "xn--ods" })).toThrow(/bucketPrefix/);
    });
    test("a consumer without buckets, with an unknown bucket or listed twice is refused", () => {
      expect(err({ consumers: [{ ...CONSUMERS[0], buckets: {} }] })).toThrow(/consumer data-api lists no bucket/);
      expect(err({ consumers: [{ ...CONSUMERS[0], buckets: { logs: "read" } as never }] })).toThrow(/bucket "logs" is unknown; allowed: datasets, models, milvus, backups/);
      expect(err({ consumers: [CONSUMERS[0], CONSUMERS[0]] })).toThrow(/consumer "data-api" is listed twice/);
    });
  });
});
