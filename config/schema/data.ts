// L2 (data section, `ods:data`): object storage (MinIO or S3), MySQL (MOCO), Redis, Milvus, the data API,
// and the route `pulumi up` takes to the MinIO and MySQL admin APIs.
import { z } from "zod";
import { quantityValue } from "../../components/lib/quantity";
import { cidr, count, cronSchedule, hostName, isWorldOpenCidr, quantity, volumeSize } from "./common";

/** `repo:tag` or `repo@sha256:...`; never `latest` and never untagged. */
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;
export const image = z
  .string()
  .regex(IMAGE, { error: "must be an image reference pinned by tag or digest, such as ghcr.io/org/app:1.4.2" })
  .refine((s) => !/:latest$/i.test(s), { error: "must not use the tag latest; allowed: a pinned version tag or a digest" })
  .meta({ title: "image", "x-format": "a container image pinned by tag or digest (`repo:tag` or `repo@sha256:<64 hex digits>`), such as ghcr.io/org/app:1.4.2; the tag `latest` is refused" });

const RESOURCES_META = { title: "resources", "x-format": "A container's requests and limits, e.g. `{ requests: { cpu: 500m, memory: 1Gi }, limits: { memory: 2Gi } }`. Given, it replaces the default as a whole." };

export const resourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: quantity.describe("CPU request."), memory: quantity.describe("Memory request.") }).describe("What the scheduler reserves."),
    limits: z.strictObject({ memory: quantity.describe("Memory limit."), cpu: quantity.optional().describe("CPU limit.") }).describe("What the container may use at most."),
  })
  // The API server refuses a request above its limit: every resources key is checked here, before anything is declared.
  .superRefine((r, ctx) => {
    const req = quantityValue(r.requests.memory);
    const lim = quantityValue(r.limits.memory);
    if (req !== undefined && lim !== undefined && req > lim) ctx.addIssue({ code: "custom", path: ["requests", "memory"], message: `${r.requests.memory} is above limits.memory ${r.limits.memory}; allowed: request <= limit` });
    const cpuReq = quantityValue(r.requests.cpu);
    const cpuLim = r.limits.cpu === undefined ? undefined : quantityValue(r.limits.cpu);
    if (cpuReq !== undefined && cpuLim !== undefined && cpuReq > cpuLim) ctx.addIssue({ code: "custom", path: ["requests", "cpu"], message: `${r.requests.cpu} is above limits.cpu ${r.limits.cpu}; allowed: request <= limit` });
  })
  .meta(RESOURCES_META);
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

/**
 * Resources whose memory limit has a floor the program inside needs (a JVM's heap, Redis' own use):
 * below it the component would refuse them once declaration had begun, so the schema does, by key.
 */
export function resourcesWithMemoryFloor(floor: string, why: string) {
  const min = quantityValue(floor) ?? 0;
  return resourcesSchema
    .superRefine((r, ctx) => {
      const lim = quantityValue(r.limits.memory);
      if (lim !== undefined && lim < min) ctx.addIssue({ code: "custom", path: ["limits", "memory"], message: `${r.limits.memory} is below ${floor}; allowed: ${floor} or more (${why})` });
    })
    .meta(RESOURCES_META);
}

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });
const nodePort = (what: string) => z.number().int().min(30000, { error: `${what} must be a node port (30000-32767)` }).max(32767, { error: `${what} must be a node port (30000-32767)` });

/**
 * How the machine that runs `pulumi up` reaches the MinIO and MySQL admin endpoints that @pulumi/minio
 * and @pulumi/mysql talk to.
 */
export const accessSchema = z.strictObject({
  mode: z
    .enum(["nodePort", "loadBalancer"])
    .optional()
    .meta({
      description: "`nodePort`: fixed node ports, mapped to `host` by the laptop cluster (kind's extraPortMappings). `loadBalancer`: an internal AWS NLB per admin endpoint, reachable from `allowedCidrs` only; needs infra.kind aws.",
      "x-default": "nodePort on an existing cluster, loadBalancer on AWS",
    }),
  host: hostName.default("127.0.0.1").describe("nodePort: the address where `pulumi up` reaches the node ports."),
  ports: z
    .strictObject({ minio: nodePort("minio").default(30900).describe("MinIO's S3 API."), mysql: nodePort("mysql").default(30306).describe("MySQL.") })
    .default({ minio: 30900, mysql: 30306 })
    .describe("nodePort: the node ports, two distinct ones, not used by Keycloak's or the gateway's node ports."),
  allowedCidrs: z.array(cidr).default([]).describe("loadBalancer: the CIDRs that run `pulumi up` (CI runners, VPN); required, non-empty, in that mode; no world-open CIDR."),
  readyTimeoutSeconds: z.number().int().min(30).max(3600).default(900).describe("How long `pulumi up` waits for an admin endpoint to accept connections before configuring it."),
});

export const minioSchema = z.strictObject({
  image: image.default("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z").describe("MinIO server image: the last released tag (upstream is archived)."),
  servers: count("servers", 32)
    .min(1, { error: "servers must be >= 1; allowed: 1 (standalone) or 4 to 32" })
    .optional()
    .meta({ description: "1 = standalone, 4 to 32 = distributed with erasure coding; 2-3 are refused, and highAvailability needs 4 or more.", "x-default": "4 where highAvailability, else 1" }),
  volumeSize: volumeSize.default("50Gi").describe("Volume per server."),
  resources: resourcesSchema.default(res("250m", "512Mi", "2Gi")).describe("Per server."),
});

export const s3Schema = z.strictObject({
  kmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, { error: "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); an alias ARN does not work in IAM policies" })
    .optional()
    .meta({ description: "An existing KMS key for bucket encryption, by key ARN (an alias ARN does not work in IAM policies).", "x-default": "the kit creates a key, with rotation on" }),
  noncurrentVersionDays: z.number().int().min(1).max(3650).default(90).describe("Days an overwritten or deleted object version is kept before it expires."),
});

export const objectStoreSchema = z.strictObject({
  kind: z.enum(["minio", "s3"]).describe("`minio` (in the cluster) or `s3` (needs infra.kind aws)."),
  minio: minioSchema.default(minioSchema.parse({})).describe("MinIO settings (kind minio)."),
  s3: s3Schema.default(s3Schema.parse({})).describe("S3 settings (kind s3)."),
});

export const mysqlSchema = z.strictObject({
  replicas: z
    .union([z.literal(1), z.literal(3), z.literal(5)], { error: "must be 1, 3 or 5 (MOCO needs an odd number for semi-synchronous quorum)" })
    .optional()
    .meta({ description: "MySQL instances: 1, or a semi-synchronous primary with replicas (3 or 5); highAvailability needs 3 or 5.", "x-default": "3 where highAvailability, else 1" }),
  image: image.default("ghcr.io/cybozu-go/moco/mysql:8.4.8").describe("mysqld image (MOCO's MySQL 8.4 build)."),
  volumeSize: volumeSize.default("20Gi").describe("Volume per instance."),
  resources: resourcesSchema.default(res("500m", "1Gi", "2Gi")).describe("Per instance."),
  backup: z
    .strictObject({
      schedule: cronSchedule
        .default("0 3 * * *")
        .describe("Five-field cron schedule (UTC) of full backups into the backups bucket."),
    })
    .default({ schedule: "0 3 * * *" })
    .describe("Full backups (a MOCO BackupPolicy) into the backups bucket, with binlogs for point-in-time recovery."),
});

/** The smallest memory limit a Redis server gets (the component's own floor too). */
export const REDIS_MIN_MEMORY_LIMIT = "64Mi";

export const redisSchema = z.strictObject({
  replicas: count("replicas", 7)
    .optional()
    .meta({ description: "Redis servers: 1 (no Sentinel) or 3 to 7 (replicas with Sentinel failover); highAvailability needs 3 or more.", "x-default": "3 where highAvailability, else 1" }),
  volumeSize: volumeSize.default("8Gi").describe("Volume per server."),
  resources: resourcesWithMemoryFloor(REDIS_MIN_MEMORY_LIMIT, "Redis and its replication buffers").default(res("100m", "256Mi", "1Gi")).describe(`Per server; limits.memory at least ${REDIS_MIN_MEMORY_LIMIT}.`),
});

export const milvusSchema = z.strictObject({
  mode: z
    .enum(["standalone", "cluster"])
    .optional()
    .meta({ description: "`standalone` (one pod) or `cluster` (every role separate and replicated); highAvailability needs cluster.", "x-default": "cluster where highAvailability, else standalone" }),
  volumeSize: volumeSize.default("20Gi").describe("Volume of the standalone pod (cluster mode keeps everything in the object store and etcd)."),
  resources: resourcesSchema.default(res("500m", "2Gi", "8Gi")).describe("Per pod."),
});

export const appReplicasSchema = z
  .strictObject({
    min: count("min", 100).min(1, { error: "min must be >= 1" }).describe("Fewest replicas."),
    max: count("max", 100).min(1, { error: "max must be >= 1" }).describe("Most replicas; min <= max."),
  })
  .meta({ title: "replica range", "x-format": "The HorizontalPodAutoscaler's range, e.g. `{ min: 2, max: 6 }`; with min above 1 the service also gets a PodDisruptionBudget and spreading over nodes." });

export const dataApiSchema = z.strictObject({
  image: image
    .optional()
    .meta({
      description: "A prebuilt image of the data API, pinned (for stacks that build nowhere: the release workflow publishes ghcr.io/one-data-studio/data-api:<version>). Unset: `pulumi up` builds services/data-api and pushes it to the stack's registry (docs/adr/0001-service-images.md).",
      "x-default": "built by the kit",
    }),
  replicas: appReplicasSchema.optional().meta({ description: "The HPA's range; highAvailability needs min >= 2.", "x-default": "2-6 where highAvailability, else 1-2" }),
  resources: resourcesSchema.default(res("100m", "256Mi", "512Mi")).describe("Per pod."),
});

export const dataInputSchema = z.strictObject({
  access: accessSchema.default(accessSchema.parse({})).describe("How the machine that runs `pulumi up` reaches the MinIO and MySQL admin endpoints that @pulumi/minio and @pulumi/mysql talk to."),
  objectStore: objectStoreSchema.describe("The object store: datasets, models, backups and Milvus' data."),
  mysql: mysqlSchema.default(mysqlSchema.parse({})).describe("MySQL through the MOCO operator."),
  redis: redisSchema.default(redisSchema.parse({})).describe("Redis (redis-ha), with Sentinel when replicated."),
  milvus: milvusSchema.default(milvusSchema.parse({})).describe("Milvus, the vector database."),
  dataApi: dataApiSchema.default(dataApiSchema.parse({})).describe("The data API, on AppService; its image is built by the kit unless `image` names a prebuilt one."),
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
