// L2 (data section, `ods:data`): object storage (MinIO or S3), MySQL (MOCO), Redis, Milvus, the data API,
// and the route `pulumi up` takes to the MinIO and MySQL admin APIs.
import { z } from "zod";
import { cidr, count, isWorldOpenCidr, quantity } from "./common";

/** `repo:tag` or `repo@sha256:...`; never `latest` and never untagged. */
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;
export const image = z
  .string()
  .regex(IMAGE, { error: "must be an image reference pinned by tag or digest, such as ghcr.io/org/app:1.4.2" })
  .refine((s) => !/:latest$/i.test(s), { error: "must not use the tag latest; allowed: a pinned version tag or a digest" });

export const resourcesSchema = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: quantity }),
  limits: z.strictObject({ memory: quantity, cpu: quantity.optional() }),
});
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });
const nodePort = (what: string) => z.number().int().min(30000, { error: `${what} must be a node port (30000-32767)` }).max(32767, { error: `${what} must be a node port (30000-32767)` });

/**
 * How the machine that runs `pulumi up` reaches the MinIO and MySQL admin endpoints that @pulumi/minio
 * and @pulumi/mysql talk to.
 */
export const accessSchema = z.strictObject({
  /**
   * "nodePort": fixed node ports, mapped to `host` by the laptop cluster (kind extraPortMappings).
   * "loadBalancer": an internal AWS NLB per admin endpoint, reachable from `allowedCidrs` only.
   * Default: nodePort on an existing cluster, loadBalancer on AWS.
   */
  mode: z.enum(["nodePort", "loadBalancer"]).optional(),
  /** nodePort: the address where the node ports are reachable from `pulumi up`. Default 127.0.0.1. */
  host: z.string().min(1).default("127.0.0.1"),
  /** nodePort: the node ports. Defaults minio 30900, mysql 30306. */
  ports: z.strictObject({ minio: nodePort("minio").default(30900), mysql: nodePort("mysql").default(30306) }).default({ minio: 30900, mysql: 30306 }),
  /** loadBalancer: CIDRs allowed to reach the internal load balancers (CI runners, VPN); required in that mode. */
  allowedCidrs: z.array(cidr).default([]),
  /** Seconds `pulumi up` waits for an admin endpoint to accept connections before configuring it. Default 900. */
  readyTimeoutSeconds: z.number().int().min(30).max(3600).default(900),
});

export const minioSchema = z.strictObject({
  /** MinIO server image (the last released tag; upstream is archived). */
  image: image.default("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
  /** Servers: 1 = standalone, 4 to 32 = distributed with erasure coding. Default: 4 where highAvailability, else 1. */
  servers: count("servers", 32).optional(),
  /** Volume per server. Default 50Gi. */
  volumeSize: quantity.default("50Gi"),
  resources: resourcesSchema.default(res("250m", "512Mi", "2Gi")),
});

export const s3Schema = z.strictObject({
  /** KMS key for bucket encryption; default: the kit creates one with rotation on. */
  kmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, { error: "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias ARN does not work in IAM policies" }).optional(),
  /** Days a non-current object version is kept before it expires. Default 90. */
  noncurrentVersionDays: z.number().int().min(1).max(3650).default(90),
});

export const objectStoreSchema = z.strictObject({
  /** "minio" (in the cluster) or "s3" (AWS, infra.kind "aws" only). */
  kind: z.enum(["minio", "s3"]),
  minio: minioSchema.default(minioSchema.parse({})),
  s3: s3Schema.default(s3Schema.parse({})),
});

export const mysqlSchema = z.strictObject({
  /** MySQL instances: 1 (single) or 3/5 (semi-synchronous primary + replicas). Default: 3 where highAvailability, else 1. */
  replicas: z.union([z.literal(1), z.literal(3), z.literal(5)], { error: "must be 1, 3 or 5 (MOCO needs an odd number for semi-synchronous quorum)" }).optional(),
  /** mysqld image (MOCO's MySQL 8.4 build). */
  image: image.default("ghcr.io/cybozu-go/moco/mysql:8.4.8"),
  volumeSize: quantity.default("20Gi"),
  resources: resourcesSchema.default(res("500m", "1Gi", "2Gi")),
  backup: z
    .strictObject({
      /** Cron schedule of full backups (UTC). Default "0 3 * * *". */
      schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: 'must be a five-field cron schedule such as "0 3 * * *"' }).default("0 3 * * *"),
    })
    .default({ schedule: "0 3 * * *" }),
});

export const redisSchema = z.strictObject({
  /** Redis servers: 1 (single, no Sentinel) or 3 to 7 (replicas with Sentinel failover). Default: 3 where highAvailability, else 1. */
  replicas: count("replicas", 7).optional(),
  volumeSize: quantity.default("8Gi"),
  resources: resourcesSchema.default(res("100m", "256Mi", "1Gi")),
});

export const milvusSchema = z.strictObject({
  /** "standalone" (one pod) or "cluster" (every role separate, replicated). Default: cluster where highAvailability, else standalone. */
  mode: z.enum(["standalone", "cluster"]).optional(),
  /** Volume of the standalone pod (cluster mode keeps everything in the object store and etcd). Default 20Gi. */
  volumeSize: quantity.default("20Gi"),
  resources: resourcesSchema.default(res("500m", "2Gi", "8Gi")),
});

export const appReplicasSchema = z.strictObject({
  min: count("min", 100).min(1, { error: "min must be >= 1" }),
  max: count("max", 100).min(1, { error: "max must be >= 1" }),
});

export const dataApiSchema = z.strictObject({
  /** The data API's image, pinned (required: the kit ships no default image). */
  image,
  /** Replicas: the HPA's range. Default 2-6 where highAvailability, else 1-2. */
  replicas: appReplicasSchema.optional(),
  resources: resourcesSchema.default(res("100m", "256Mi", "512Mi")),
});

export const dataInputSchema = z.strictObject({
  access: accessSchema.default(accessSchema.parse({})),
  objectStore: objectStoreSchema,
  mysql: mysqlSchema.default(mysqlSchema.parse({})),
  redis: redisSchema.default(redisSchema.parse({})),
  milvus: milvusSchema.default(milvusSchema.parse({})),
  dataApi: dataApiSchema,
});

type DataInput = z.infer<typeof dataInputSchema>;

/** Rules across data keys and with the platform and infra keys; paths are relative to `data`. */
export function checkData(data: DataInput, ctx: z.RefinementCtx, at: PropertyKey[], others: { highAvailability: boolean; infraKind: "aws" | "existing" }): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const r = resolveData(data, others);
  if (data.objectStore.kind === "s3" && others.infraKind !== "aws") issue(["objectStore", "kind"], 'S3 needs AWS (infra.kind "aws"); allowed on an existing cluster: "minio"');
  const servers = r.objectStore.minio.servers;
  if (data.objectStore.kind === "minio" && servers > 1 && servers < 4) {
    issue(["objectStore", "minio", "servers"], "distributed MinIO needs at least 4 servers for erasure coding; allowed: 1 (standalone) or 4 to 32");
  }
  if (data.objectStore.kind === "minio" && others.highAvailability && servers === 1) {
    issue(["objectStore", "minio", "servers"], "highAvailability needs distributed MinIO; allowed: 4 to 32");
  }
  if (others.highAvailability && r.mysql.replicas === 1) issue(["mysql", "replicas"], "highAvailability needs automatic failover; allowed: 3 or 5");
  const redis = r.redis.replicas;
  if (redis === 2 || redis === 0) issue(["redis", "replicas"], "Sentinel needs a quorum of at least 3 servers; allowed: 1 (single) or 3 to 7");
  if (others.highAvailability && redis === 1) issue(["redis", "replicas"], "highAvailability needs Sentinel failover; allowed: 3 to 7");
  if (others.highAvailability && r.milvus.mode === "standalone") issue(["milvus", "mode"], 'highAvailability needs Milvus in cluster mode; allowed: "cluster"');
  const api = r.dataApi.replicas;
  if (api.min > api.max) issue(["dataApi", "replicas"], `min ${api.min} is larger than max ${api.max}; allowed: min <= max`);
  if (others.highAvailability && api.min < 2) issue(["dataApi", "replicas", "min"], "highAvailability needs at least 2 replicas; allowed: 2 or more");
  if (r.access.mode === "loadBalancer") {
    if (others.infraKind !== "aws") issue(["access", "mode"], 'loadBalancer creates internal AWS NLBs and needs infra.kind "aws"; allowed here: "nodePort"');
    if (data.access.allowedCidrs.length === 0) issue(["access", "allowedCidrs"], "loadBalancer mode needs the CIDRs that run `pulumi up` (CI runners, VPN); allowed: a non-empty list");
    data.access.allowedCidrs.forEach((c, i) => {
      if (isWorldOpenCidr(c)) issue(["access", "allowedCidrs", i], "opens the MinIO and MySQL admin endpoints to (nearly) the whole internet; allowed: the CIDRs of your CI runners or VPN");
    });
  }
  if (r.access.mode === "nodePort" && data.access.ports.minio === data.access.ports.mysql) issue(["access", "ports"], "minio and mysql use the same node port; allowed: two different ports");
}

/** The validated section with the defaults that depend on highAvailability and the cluster kind filled in. */
export function resolveData(data: DataInput, others: { highAvailability: boolean; infraKind: "aws" | "existing" }) {
  const ha = others.highAvailability;
  return {
    ...data,
    access: { ...data.access, mode: data.access.mode ?? (others.infraKind === "aws" ? ("loadBalancer" as const) : ("nodePort" as const)) },
    objectStore: { ...data.objectStore, minio: { ...data.objectStore.minio, servers: data.objectStore.minio.servers ?? (ha ? 4 : 1) } },
    mysql: { ...data.mysql, replicas: data.mysql.replicas ?? (ha ? 3 : 1) },
    redis: { ...data.redis, replicas: data.redis.replicas ?? (ha ? 3 : 1) },
    milvus: { ...data.milvus, mode: data.milvus.mode ?? (ha ? ("cluster" as const) : ("standalone" as const)) },
    dataApi: { ...data.dataApi, replicas: data.dataApi.replicas ?? (ha ? { min: 2, max: 6 } : { min: 1, max: 2 }) },
  };
}

export type DataConfig = ReturnType<typeof resolveData>;
