// The data section: defaults that follow highAvailability and the cluster kind, and every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { validateConfig } from "../load";

const existing = { kind: "existing" };
const aws = {
  kind: "aws",
  aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], kubernetesVersion: "1.35", ebsCsiAddonVersion: "v1.67.1-eksbuild.1", systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } },
};
const cfg = (data: Record<string, unknown>, opts: { ha?: boolean; infra?: Record<string, unknown> } = {}) =>
  validateConfig({ environment: "t", domain: "t.example.com", highAvailability: opts.ha ?? false, infra: opts.infra ?? existing, data: { ...MINIMAL_DATA, ...data }, model: MINIMAL_MODEL, apps: MINIMAL_APPS, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE });
const error = (data: Record<string, unknown>, opts: { ha?: boolean; infra?: Record<string, unknown> } = {}) => configErrorOf(() => cfg(data, opts));

test("single instances everywhere by default, failover everywhere with highAvailability", () => {
  const single = cfg({ access: undefined }).data;
  expect([single.access.mode, single.objectStore.minio.servers, single.mysql.replicas, single.redis.replicas, single.milvus.mode, single.dataApi.replicas]).toEqual(["nodePort", 1, 1, 1, "standalone", { min: 1, max: 2 }]);
  const ha = cfg({ access: { allowedCidrs: ["10.0.0.0/16"] } }, { ha: true, infra: aws }).data;
  expect([ha.access.mode, ha.objectStore.minio.servers, ha.mysql.replicas, ha.redis.replicas, ha.milvus.mode, ha.dataApi.replicas]).toEqual(["loadBalancer", 4, 3, 3, "cluster", { min: 2, max: 6 }]);
});

test("the data API's image: built by the kit into the stack's registry unless a pinned prebuilt one is named", () => {
  const base = { environment: "t", domain: "t.example.com", model: MINIMAL_MODEL, apps: MINIMAL_APPS, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE };
  // An existing cluster has no registry of the kit's: one must be named, or a prebuilt image.
  expect(configErrorOf(() => validateConfig({ ...base, infra: existing, data: { objectStore: { kind: "minio" } } }))).toContain(
    "ods:infra.existingCluster.registry (not set): is needed: the kit builds the data API's image and pushes it where the nodes pull from",
  );
  expect(validateConfig({ ...base, infra: { kind: "existing", existingCluster: { registry: "localhost:5001" } }, data: { objectStore: { kind: "minio" } } }).data.dataApi.image).toBeUndefined();
  expect(configErrorOf(() => validateConfig({ ...base, infra: { kind: "existing", existingCluster: { registry: "http://localhost:5001" } }, data: { objectStore: { kind: "minio" } } }))).toContain(
    'ods:infra.existingCluster.registry = "http://localhost:5001": must be a registry host[:port][/path]',
  );
  // On AWS the kit's ECR repositories take it: nothing to name.
  expect(cfg({ dataApi: {}, access: { allowedCidrs: ["10.0.0.0/16"] } }, { infra: aws }).data.dataApi.image).toBeUndefined();
  expect(error({ dataApi: { image: "ghcr.io/one-data-studio/data-api:latest" } })).toContain('ods:data.dataApi.image = "ghcr.io/one-data-studio/data-api:latest": must not use the tag latest');
  expect(error({ dataApi: { image: "ghcr.io/one-data-studio/data-api" } })).toContain("must be an image reference pinned by tag or digest");
  expect(cfg({ dataApi: { image: `ghcr.io/x/y@sha256:${"a".repeat(64)}` } }).data.dataApi.image).toMatch(/@sha256:/);
});

test.each([
  [{ objectStore: { kind: "minio", minio: { servers: 2 } } }, {}, "ods:data.objectStore.minio.servers = 2: distributed MinIO needs at least 4 servers"],
  [{ objectStore: { kind: "minio", minio: { servers: 0 } } }, {}, "ods:data.objectStore.minio.servers = 0: servers must be >= 1; allowed: 1 (standalone) or 4 to 32"],
  [{ objectStore: { kind: "minio", minio: { servers: 1 } } }, { ha: true, infra: aws, cidrs: true }, "ods:data.objectStore.minio.servers = 1: highAvailability needs distributed MinIO"],
  [{ objectStore: { kind: "s3" } }, {}, 'ods:data.objectStore.kind = "s3": S3 needs AWS'],
  [{ mysql: { replicas: 2 } }, {}, "ods:data.mysql.replicas = 2: must be 1, 3 or 5"],
  [{ mysql: { replicas: 1 } }, { ha: true, infra: aws, cidrs: true }, "ods:data.mysql.replicas = 1: highAvailability needs automatic failover"],
  [{ redis: { replicas: 2 } }, {}, "ods:data.redis.replicas = 2: Sentinel needs a quorum of at least 3 servers"],
  [{ milvus: { mode: "standalone" } }, { ha: true, infra: aws, cidrs: true }, 'ods:data.milvus.mode = "standalone": highAvailability needs Milvus in cluster mode'],
  [{ dataApi: { image: "ghcr.io/x/y:1", replicas: { min: 3, max: 2 } } }, {}, "min 3 is larger than max 2"],
  [{ access: { mode: "loadBalancer" } }, { infra: aws }, "ods:data.access.allowedCidrs (not set): loadBalancer mode needs the CIDRs"],
  [{ access: { mode: "loadBalancer", allowedCidrs: ["0.0.0.0/0"] } }, { infra: aws }, 'ods:data.access.allowedCidrs[0] = "0.0.0.0/0": opens the MinIO and MySQL admin endpoints'],
  [{ access: { mode: "loadBalancer", allowedCidrs: ["10.0.0.0/8"] } }, {}, 'ods:data.access.mode = "loadBalancer": loadBalancer creates internal AWS NLBs'],
  [{ access: { mode: "nodePort", ports: { minio: 30900, mysql: 30900 } } }, {}, "ods:data.access.ports"],
  [{ access: { mode: "nodePort", ports: { minio: 80 } } }, {}, "ods:data.access.ports.minio = 80: minio must be a node port"],
  [{ objectStore: { kind: "s3", s3: { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias/x" } } }, { infra: aws, cidrs: true }, "must be a KMS key ARN"],
])("%j is refused, naming the key and what is allowed", (data, opts, message) => {
  const { cidrs, ...o } = opts as { ha?: boolean; infra?: Record<string, unknown>; cidrs?: boolean };
  const withCidrs = cidrs ? { ...data, access: { allowedCidrs: ["10.0.0.0/16"], ...((data as { access?: object }).access ?? {}) } } : data;
  expect(error(withCidrs, o)).toContain(message);
});

test("MinIO servers and MySQL instances need a system node each (required anti-affinity); the bad case names both keys", () => {
  const three = { ...aws, aws: { ...aws.aws, systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6 } } };
  const msg = error({ access: { allowedCidrs: ["10.0.0.0/16"] }, objectStore: { kind: "minio", minio: { servers: 4 } } }, { ha: true, infra: three });
  expect(msg).toContain("ods:data.objectStore.minio.servers = 4: 4 MinIO servers need 4 nodes (one each), and ods:infra.aws.systemNodes.minSize is 3; allowed: at most 3, or raise ods:infra.aws.systemNodes.minSize");
  expect(msg).not.toContain("ods:data.mysql.replicas");
  const two = { ...aws, aws: { ...aws.aws, systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 2, desiredSize: 2, maxSize: 6 } } };
  expect(error({ mysql: { replicas: 3 } }, { infra: two })).toContain("ods:data.mysql.replicas = 3: 3 MySQL instances need 3 nodes");
  // Enough nodes: accepted. S3 instead of MinIO: only MySQL counts.
  expect(cfg({ access: { allowedCidrs: ["10.0.0.0/16"] } }, { ha: true, infra: aws }).data.objectStore.minio.servers).toBe(4);
  expect(cfg({ access: { allowedCidrs: ["10.0.0.0/16"] }, objectStore: { kind: "s3" } }, { ha: true, infra: { ...aws, aws: { ...aws.aws, systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6 } } } }).data.mysql.replicas).toBe(3);
});

test.each([
  [{ mysql: { volumeSize: "0" } }, 'ods:data.mysql.volumeSize = "0": must be a size from 1Gi to 64Ti'],
  [{ redis: { volumeSize: "100Ti" } }, 'ods:data.redis.volumeSize = "100Ti": must be a size from 1Gi to 64Ti'],
  [{ mysql: { backup: { schedule: "every day at three am" } } }, 'ods:data.mysql.backup.schedule = "every day at three am": must be a five-field cron schedule'],
  [{ mysql: { backup: { schedule: "0 24 * * *" } } }, "must be a five-field cron schedule"],
  [{ mysql: { backup: { schedule: "61 3 * * *" } } }, "must be a five-field cron schedule"],
  [{ mysql: { backup: { schedule: "0 3 * * * *" } } }, "must be a five-field cron schedule"],
])("sizes and schedules have bounds and a format: %j is refused", (data, message) => {
  expect(error(data)).toContain(message);
});

test("good sizes and schedules pass, names and ranges included", () => {
  for (const schedule of ["0 3 * * *", "*/15 2-4 1,15 jan-jun mon-fri", "30 1 * * 0", "0 0 1 */3 7"]) expect(cfg({ mysql: { backup: { schedule } } }).data.mysql.backup.schedule).toBe(schedule);
  expect(cfg({ mysql: { volumeSize: "1Gi" } }).data.mysql.volumeSize).toBe("1Gi");
  expect(cfg({ redis: { volumeSize: "64Ti" } }).data.redis.volumeSize).toBe("64Ti");
});

test("the admin host is an IPv4 address or a DNS name", () => {
  expect(error({ access: { mode: "nodePort", host: "127.0.0.1:30900" } })).toContain('ods:data.access.host = "127.0.0.1:30900": must be an IPv4 address or a DNS name');
  expect(cfg({ access: { mode: "nodePort", host: "10.1.2.3" } }).data.access.host).toBe("10.1.2.3");
});

test("a request above its limit is refused by the schema for every resources key, before anything is declared (it was the AppService's check)", () => {
  expect(error({ dataApi: { image: "ghcr.io/x/y:1", resources: { requests: { cpu: "500m", memory: "4Gi" }, limits: { memory: "1Gi" } } } })).toContain('ods:data.dataApi.resources.requests.memory = "4Gi": 4Gi is above limits.memory 1Gi; allowed: request <= limit');
  expect(error({ mysql: { resources: { requests: { cpu: "2", memory: "1Gi" }, limits: { memory: "2Gi", cpu: "1" } } } })).toContain('ods:data.mysql.resources.requests.cpu = "2": 2 is above limits.cpu 1');
  expect(cfg({ mysql: { resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "2Gi", cpu: "1" } } } }).data.mysql.resources.limits.cpu).toBe("1");
});
