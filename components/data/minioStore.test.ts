import { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { ObjectStoreConsumer } from "./contracts";
import {
  checkConsumers,
  consumerCredentials,
  consumerPolicy,
  minioBucketNames,
  minioIngressRules,
  minioMode,
  minioNames,
  minioServerArgs,
  rootCredentials,
} from "./minioStore";
import { MinioSettings, ObjectStore, ObjectStoreArgs } from "./objectStore";

const CONSUMERS: ObjectStoreConsumer[] = [
  { name: "data-api", namespace: "ods-data", serviceAccount: "data-api", buckets: { datasets: "readwrite", models: "readwrite" } },
  { name: "milvus", namespace: "ods-data", serviceAccount: "milvus", buckets: { milvus: "readwrite" } },
  { name: "model-cache", namespace: "ods-model", serviceAccount: "model-cache", buckets: { models: "read" } },
];

const NODE_PORT_ACCESS: MinioSettings["access"] = { mode: "nodePort", host: "127.0.0.1", allowedCidrs: [], readyTimeoutSeconds: 900, nodePort: 30900 };

function storeArgs(servers: number, access = NODE_PORT_ACCESS): ObjectStoreArgs {
  return {
    kind: "minio",
    namespace: "ods-data",
    bucketPrefix: "ods-dev",
    consumers: CONSUMERS,
    monitoringNamespace: "ods-observability",
    minio: {
      image: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
      servers,
      volumeSize: "50Gi",
      storageClass: "gp3",
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
      access,
    },
  };
}

const build = (servers: number, access = NODE_PORT_ACCESS) => record(() => new ObjectStore("ods-dev-objects", storeArgs(servers, access)));
const byName = (rs: RecordedResource[], type: string, name: string) => {
  const found = ofType(rs, type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
  return found[0];
};
const STS = "kubernetes:apps/v1:StatefulSet";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SECRET = "kubernetes:core/v1:Secret";
const NAMES = minioNames("ods-dev-objects");
const SELECTOR = { "app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": "ods-dev-objects" };

describe("pure rules", () => {
  test("servers: 1 is standalone, 4 to 32 distributed; 0, 2, 3, 33 and fractions are rejected naming the argument", () => {
    expect(minioMode(1)).toBe("standalone");
    expect(minioMode(4)).toBe("distributed");
    expect(minioMode(32)).toBe("distributed");
    for (const bad of [0, 2, 3, 33, 4.5, -1]) expect(() => minioMode(bad)).toThrow(`args.minio.servers is ${bad}; allowed: 1 (standalone) or 4 to 32`);
  });

  test("server args: a single drive standalone, the {0...N-1} expansion over the headless Service when distributed", () => {
    expect(minioServerArgs(1, NAMES, "ods-data")).toEqual(["server", "/data", "--console-address", ":9001", "--certs-dir", "/tmp/certs"]);
    expect(minioServerArgs(4, NAMES, "ods-data")).toEqual([
      "server",
      "http://ods-dev-objects-{0...3}.ods-dev-objects-hl.ods-data.svc.cluster.local/data",
      "--console-address",
      ":9001",
      "--certs-dir",
      "/tmp/certs",
    ]);
    expect(() => minioServerArgs(2, NAMES, "ods-data")).toThrow("args.minio.servers is 2");
  });

  test("names are DNS labels; a name too long for the StatefulSet's revision label is rejected", () => {
    expect(NAMES).toEqual({ statefulSet: "ods-dev-objects", headless: "ods-dev-objects-hl", service: "ods-dev-objects", adminService: "ods-dev-objects-admin", console: "ods-dev-objects-console", rootSecret: "ods-dev-objects-root" });
    expect(() => minioNames("x".repeat(53))).toThrow("allowed: at most 52");
  });

  test("bucket names are <prefix>-<role>; a prefix that breaks the S3 naming rules is rejected", () => {
    expect(minioBucketNames("ods-dev")).toEqual({ datasets: "ods-dev-datasets", models: "ods-dev-models", milvus: "ods-dev-milvus", backups: "ods-dev-backups" });
    expect(() => minioBucketNames("ODS_dev")).toThrow('args.bucketPrefix "ODS_dev"');
    expect(() => minioBucketNames("a".repeat(60))).toThrow("args.bucketPrefix");
  });

  test("consumers: distinct, valid user names, at least one bucket each", () => {
    expect(() => checkConsumers(CONSUMERS)).not.toThrow();
    expect(() => checkConsumers([...CONSUMERS, CONSUMERS[0]])).toThrow("consumer data-api is declared twice");
    expect(() => checkConsumers([{ ...CONSUMERS[0], buckets: {} }])).toThrow("consumer data-api uses no bucket");
    expect(() => checkConsumers([{ ...CONSUMERS[0], name: "Data API" }])).toThrow('consumer name "Data API"');
  });

  test("a read consumer may list and get its buckets only; readwrite adds put, delete and multipart; never other buckets", () => {
    const names = minioBucketNames("ods-dev");
    expect(consumerPolicy({ buckets: { models: "read" } }, names)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: ["arn:aws:s3:::ods-dev-models"] },
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::ods-dev-models/*"] },
      ],
    });
    const rw = consumerPolicy({ buckets: { datasets: "readwrite", models: "readwrite" } }, names);
    expect(rw.Statement).toEqual([
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: ["arn:aws:s3:::ods-dev-datasets"] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::ods-dev-datasets/*"],
      },
      { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: ["arn:aws:s3:::ods-dev-models"] },
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::ods-dev-models/*"],
      },
    ]);
    // Nothing wildcarded, nothing that deletes versions or changes the bucket.
    const all = allStrings(rw);
    expect(all.filter((s) => s.includes("*") && !s.endsWith("/*"))).toEqual([]);
    expect(all).not.toContain("s3:DeleteObjectVersion");
    expect(all.some((s) => s.startsWith("s3:*") || s.startsWith("admin:"))).toBe(false);
  });

  test("ingress: S3 from each consumer namespace once, metrics from monitoring, peers only when distributed", () => {
    const port = [{ protocol: "TCP", port: 9000 }];
    const ns = (n: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } });
    const standalone = minioIngressRules({ consumerNamespaces: ["ods-data", "ods-model", "ods-data"], monitoringNamespace: "ods-observability", selector: SELECTOR, mode: "standalone" });
    expect(standalone).toEqual([
      { from: [ns("ods-data"), ns("ods-model")], ports: port },
      { from: [ns("ods-observability")], ports: port },
    ]);
    const distributed = minioIngressRules({ consumerNamespaces: ["ods-data"], monitoringNamespace: "ods-observability", selector: SELECTOR, mode: "distributed" });
    expect(distributed[2]).toEqual({ from: [{ podSelector: { matchLabels: SELECTOR } }], ports: port });
  });

  test("credentials Secrets use the documented keys", () => {
    expect(rootCredentials("u", "p")).toEqual({ rootUser: "u", rootPassword: "p" });
    expect(consumerCredentials("id", "key")).toEqual({ AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "key" });
  });
});

describe("standalone (servers 1)", () => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    rs = await build(1);
  });

  test("one server, one volume, retained PVCs, no anti-affinity and no PDB", () => {
    const sts = one(rs, STS);
    expect(get(sts, "metadata.name")).toBe("ods-dev-objects");
    expect(get(sts, "spec.replicas")).toBe(1);
    expect(get(sts, "spec.template.spec.containers.0.args")).toEqual(["server", "/data", "--console-address", ":9001", "--certs-dir", "/tmp/certs"]);
    expect(get(sts, "spec.persistentVolumeClaimRetentionPolicy")).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    const claims = get(sts, "spec.volumeClaimTemplates") as unknown[];
    expect(claims).toHaveLength(1);
    expect(get(sts, "spec.volumeClaimTemplates.0.spec")).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "50Gi" } } });
    expect(get(sts, "spec.template.spec.affinity")).toBeUndefined();
    expect(get(sts, "spec.template.spec.topologySpreadConstraints")).toBeUndefined();
    expect(ofType(rs, PDB)).toHaveLength(0);
  });

  test("the container is hardened, sized from the settings, probed, and pinned", () => {
    const c = get(one(rs, STS), "spec.template.spec.containers.0") as Record<string, unknown>;
    expect(c.image).toBe("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    expect(get(one(rs, STS), "spec.template.spec.securityContext")).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
    expect(get(one(rs, STS), "spec.template.spec.containers.0.livenessProbe.httpGet.path")).toBe("/minio/health/live");
    expect(get(one(rs, STS), "spec.template.spec.containers.0.readinessProbe.httpGet.path")).toBe("/minio/health/ready");
  });

  test("root credentials reach the pods only as secretKeyRef to the generated Secret", () => {
    const env = get(one(rs, STS), "spec.template.spec.containers.0.env") as Record<string, unknown>[];
    expect(env).toEqual([
      { name: "MINIO_ROOT_USER", valueFrom: { secretKeyRef: { name: "ods-dev-objects-root", key: "rootUser" } } },
      { name: "MINIO_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "ods-dev-objects-root", key: "rootPassword" } } },
      { name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" },
    ]);
    const root = byName(rs, SECRET, "ods-dev-objects-root");
    expect(get(root, "metadata")).toMatchObject({ name: "ods-dev-objects-root", namespace: "ods-data" });
    expect(get(root, "stringData")).toBe("[secret]");
    expect(ofType(rs, "random:index/randomPassword:RandomPassword").map((r) => r.name).sort()).toEqual(
      ["ods-dev-objects-data-api-secret-key", "ods-dev-objects-milvus-secret-key", "ods-dev-objects-model-cache-secret-key", "ods-dev-objects-root-password", "ods-dev-objects-root-user"].sort(),
    );
  });

  test("S3 Service on 9000, metrics scraped from it by a ServiceMonitor, peers' headless Service publishes unready pods", () => {
    const svc = byName(rs, "kubernetes:core/v1:Service", "ods-dev-objects-svc");
    expect(get(svc, "spec")).toEqual({ type: "ClusterIP", selector: SELECTOR, ports: [{ name: "s3", port: 9000, targetPort: 9000, protocol: "TCP" }] });
    const hl = byName(rs, "kubernetes:core/v1:Service", "ods-dev-objects-headless");
    expect(get(hl, "spec.clusterIP")).toBe("None");
    expect(get(hl, "spec.publishNotReadyAddresses")).toBe(true);
    const sm = one(rs, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    expect(get(sm, "spec.endpoints.0")).toEqual({ port: "s3", path: "/minio/v2/metrics/cluster", interval: "30s", scheme: "http" });
    // Selects the S3 Service (component object-store), not the headless one (which would double every series).
    expect(get(sm, "spec.selector.matchLabels")).toEqual({ ...SELECTOR, "app.kubernetes.io/component": "object-store" });
    expect((get(svc, "metadata.labels") as Record<string, string>)["app.kubernetes.io/component"]).toBe("object-store");
    expect((get(hl, "metadata.labels") as Record<string, string>)["app.kubernetes.io/component"]).toBe("object-store-peers");
  });

  test("ingress: S3 from the consumers' namespaces (each once) and Prometheus; no peer rule standalone", () => {
    const np = byName(rs, NP, "ods-dev-objects-ingress");
    const ns = (n: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } });
    expect(get(np, "spec.podSelector")).toEqual({ matchLabels: SELECTOR });
    expect(get(np, "spec.ingress")).toEqual([
      { from: [ns("ods-data"), ns("ods-model")], ports: [{ protocol: "TCP", port: 9000 }] },
      { from: [ns("ods-observability")], ports: [{ protocol: "TCP", port: 9000 }] },
    ]);
  });

  test("buckets: four, private, never force-destroyed; versioning on datasets and models only", () => {
    const buckets = ofType(rs, "minio:index/s3Bucket:S3Bucket");
    expect(buckets.map((b) => get(b, "bucket")).sort()).toEqual(["ods-dev-backups", "ods-dev-datasets", "ods-dev-milvus", "ods-dev-models"]);
    for (const b of buckets) {
      expect(get(b, "acl")).toBe("private");
      expect(get(b, "forceDestroy")).toBe(false);
    }
    const versioning = ofType(rs, "minio:index/s3BucketVersioning:S3BucketVersioning");
    expect(versioning.map((v) => get(v, "bucket")).sort()).toEqual(["ods-dev-datasets", "ods-dev-models"]);
    for (const v of versioning) expect(get(v, "versioningConfiguration")).toEqual({ status: "Enabled" });
    expect(ofType(rs, "minio:index/s3BucketPolicy:S3BucketPolicy")).toHaveLength(0);
  });

  test("one user, one policy limited to its buckets, one attachment and one credentials Secret per consumer", () => {
    const users = ofType(rs, "minio:index/iamUser:IamUser");
    expect(users.map((u) => get(u, "name"))).toEqual(["data-api", "milvus", "model-cache"]);
    for (const u of users) expect(get(u, "secret")).toBe("[secret]");
    const policies = ofType(rs, "minio:index/iamPolicy:IamPolicy");
    expect(policies.map((p) => get(p, "name"))).toEqual(["data-api-buckets", "milvus-buckets", "model-cache-buckets"]);
    const docOf = (user: string) => JSON.parse(get(byName(rs, "minio:index/iamPolicy:IamPolicy", `ods-dev-objects-${user}-policy`), "policy") as string);
    const resources = (user: string) => docOf(user).Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources("data-api")).toEqual(["arn:aws:s3:::ods-dev-datasets", "arn:aws:s3:::ods-dev-datasets/*", "arn:aws:s3:::ods-dev-models", "arn:aws:s3:::ods-dev-models/*"]);
    expect(resources("milvus")).toEqual(["arn:aws:s3:::ods-dev-milvus", "arn:aws:s3:::ods-dev-milvus/*"]);
    expect(resources("model-cache")).toEqual(["arn:aws:s3:::ods-dev-models", "arn:aws:s3:::ods-dev-models/*"]);
    expect(docOf("model-cache").Statement.flatMap((s: { Action: string[] }) => s.Action)).toEqual(["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"]);
    expect(docOf("milvus").Statement.flatMap((s: { Action: string[] }) => s.Action)).toContain("s3:PutObject");
    const attachments = ofType(rs, "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment");
    expect(attachments.map((a) => [get(a, "userName"), get(a, "policyName")])).toEqual([
      ["data-api", "data-api-buckets"],
      ["milvus", "milvus-buckets"],
      ["model-cache", "model-cache-buckets"],
    ]);
    const creds = ofType(rs, SECRET).filter((s) => s.name.endsWith("-credentials"));
    expect(creds.map((s) => [get(s, "metadata.name"), get(s, "metadata.namespace"), get(s, "stringData")])).toEqual([
      ["data-api-object-store", "ods-data", "[secret]"],
      ["milvus-object-store", "ods-data", "[secret]"],
      ["model-cache-object-store", "ods-model", "[secret]"],
    ]);
  });

  test("every minio resource goes through the minio provider, whose endpoint is the readiness gate's output", () => {
    const provider = one(rs, "pulumi:providers:minio");
    expect(provider.name).toBe("ods-dev-objects-provider");
    const gate = one(rs, "pulumi-nodejs:dynamic:Resource");
    expect(gate.name).toBe("ods-dev-objects-admin-ready");
    expect([get(gate, "host"), get(gate, "port")]).toEqual(["127.0.0.1", 30900]);
    expect(get(provider, "minioServer")).toBe("127.0.0.1:30900");
    expect(get(provider, "minioUser")).toBe("[secret]");
    expect(get(provider, "minioPassword")).toBe("[secret]");
    // Provider configuration reaches the engine as strings.
    expect(get(provider, "minioSsl")).toBe("false");
    const minioResources = rs.filter((r) => r.type.startsWith("minio:"));
    expect(minioResources).toHaveLength(4 + 2 + 3 * 3);
    for (const r of minioResources) {
      expect(r.provider).toBe("ods-dev-objects-provider");
      expect(r.parent).toBe("ods-dev-objects");
    }
    const adminSvc = byName(rs, "kubernetes:core/v1:Service", "ods-dev-objects-admin-svc");
    expect(get(adminSvc, "spec.ports")).toEqual([{ name: "admin", protocol: "TCP", port: 9000, targetPort: 9000, nodePort: 30900 }]);
  });

  test("the handle: in-cluster endpoint, host:port, path-style, no TLS, MinIO's default region, access per consumer", async () => {
    let store: ObjectStore | undefined;
    await record(() => (store = new ObjectStore("ods-dev-objects", storeArgs(1))));
    const value = <T>(o: { apply: (f: (v: T) => void) => unknown }) => new Promise<T>((resolve) => o.apply(resolve));
    expect(await value(store!.endpoint)).toBe("http://ods-dev-objects.ods-data.svc.cluster.local:9000");
    expect(await value(store!.host)).toBe("ods-dev-objects.ods-data.svc.cluster.local:9000");
    expect([store!.port, store!.pathStyle, store!.useTls, store!.region]).toEqual([9000, true, false, "us-east-1"]);
    expect(await value(store!.buckets.models)).toBe("ods-dev-models");
    expect(Object.keys(store!.access)).toEqual(["data-api", "milvus", "model-cache"]);
    expect(await value(store!.access["model-cache"].credentialsSecret!)).toBe("model-cache-object-store");
    expect(store!.access["model-cache"].roleArn).toBeUndefined();
    // Buckets, versioning, users, policies, attachments and credentials Secrets.
    expect(store!.ready).toHaveLength(4 + 2 + 3 * 4);
  });

  test("no credential in any recorded input: only secret envelopes where credentials go", () => {
    const bad: string[] = [];
    for (const r of rs) {
      for (const s of allStrings(r.inputs)) if (/minioadmin|password=|secret=/i.test(s)) bad.push(`${r.name}: ${s}`);
      const env = (get(r, "spec.template.spec.containers.0.env") as { name: string; value?: unknown }[] | undefined) ?? [];
      for (const e of env) if (/PASSWORD|SECRET|ROOT_USER|ACCESS_KEY/.test(e.name) && e.value !== undefined) bad.push(`${r.name}: env ${e.name} is a literal`);
    }
    expect(bad).toEqual([]);
    // The places that do carry credentials are all secret.
    expect(get(one(rs, "pulumi:providers:minio"), "minioPassword")).toBe("[secret]");
    for (const s of ofType(rs, SECRET)) expect(get(s, "stringData")).toBe("[secret]");
    expect(ofType(rs, "kubernetes:core/v1:ConfigMap")).toHaveLength(0);
  });
});

describe("distributed (servers 4)", () => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    rs = await build(4, { mode: "loadBalancer", host: "127.0.0.1", allowedCidrs: ["10.40.0.0/16"], readyTimeoutSeconds: 900, nodePort: 30900 });
  });

  test("four servers over the headless Service, one PVC each, started in parallel", () => {
    const sts = one(rs, STS);
    expect(get(sts, "spec.replicas")).toBe(4);
    expect(get(sts, "spec.podManagementPolicy")).toBe("Parallel");
    expect(get(sts, "spec.serviceName")).toBe("ods-dev-objects-hl");
    expect(get(sts, "spec.template.spec.containers.0.args.1")).toBe("http://ods-dev-objects-{0...3}.ods-dev-objects-hl.ods-data.svc.cluster.local/data");
    expect(get(sts, "spec.volumeClaimTemplates") as unknown[]).toHaveLength(1);
    expect(get(sts, "spec.template.spec.containers.0.volumeMounts.0")).toEqual({ name: "data", mountPath: "/data" });
    expect(get(sts, "spec.persistentVolumeClaimRetentionPolicy")).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
  });

  test("one server per node (required anti-affinity), spread over zones, PDB allowing one down", () => {
    const spec = get(one(rs, STS), "spec.template.spec") as Record<string, unknown>;
    expect(spec.affinity).toEqual({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: SELECTOR }, topologyKey: "kubernetes.io/hostname" }] },
    });
    expect(spec.topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: SELECTOR } }]);
    const pdb = one(rs, PDB);
    expect(get(pdb, "spec")).toEqual({ maxUnavailable: 1, selector: { matchLabels: SELECTOR } });
    expect(get(pdb, "metadata.namespace")).toBe("ods-data");
  });

  test("MinIO pods may reach each other on 9000", () => {
    const ingress = get(byName(rs, NP, "ods-dev-objects-ingress"), "spec.ingress") as unknown[];
    expect(ingress).toContainEqual({ from: [{ podSelector: { matchLabels: SELECTOR } }], ports: [{ protocol: "TCP", port: 9000 }] });
  });

  test("loadBalancer access: an internal NLB limited to the CIDRs, admitted by the admin NetworkPolicy", () => {
    const admin = byName(rs, "kubernetes:core/v1:Service", "ods-dev-objects-admin-svc");
    expect(get(admin, "spec.type")).toBe("LoadBalancer");
    expect(get(admin, "spec.loadBalancerSourceRanges")).toEqual(["10.40.0.0/16"]);
    expect(get(byName(rs, NP, "ods-dev-objects-admin-allow"), "spec.ingress")).toEqual([{ from: [{ ipBlock: { cidr: "10.40.0.0/16" } }], ports: [{ protocol: "TCP", port: 9000 }] }]);
  });
});

test.each([2, 3, 33])("servers %i is rejected by name before anything is declared", async (servers) => {
  await expect(build(servers)).rejects.toThrow(`args.minio.servers is ${servers}`);
});
