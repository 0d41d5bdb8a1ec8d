import { cachedPlan } from "../../plan/planCache";
import * as pulumi from "@pulumi/pulumi";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import type { RecordedResource } from "../../plan/types";
import type { ObjectStoreHandle } from "./contracts";
import { ETCD_MEMBERS, hostOnly, Milvus, MILVUS_ENV, milvusNetworkPolicies, milvusValues, MilvusValuesInput, USER_YAML, validateMilvusArgs } from "./milvus";

const RES = { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "8Gi" } };
const S3: MilvusValuesInput = {
  mode: "cluster",
  resources: RES,
  storageClass: "gp3",
  store: { kind: "s3", host: "s3.eu-west-1.amazonaws.com", port: 443, useTls: true, pathStyle: false, region: "eu-west-1", bucket: "ods-prod-milvus" },
  access: { serviceAccount: "milvus", roleArn: "arn:aws:iam::123456789012:role/milvus" },
  authSecret: "ods-prod-milvus-auth",
};
const MINIO: MilvusValuesInput = {
  mode: "standalone",
  resources: RES,
  storageClass: "standard",
  store: { kind: "minio", host: "ods-local-objects.ods-data.svc.cluster.local", port: 9000, useTls: false, pathStyle: true, region: "us-east-1", bucket: "ods-local-milvus" },
  access: { serviceAccount: "milvus", credentialsSecret: "milvus-object-store" },
  authSecret: "ods-local-milvus-auth",
  dataClaim: "ods-local-milvus-data",
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const envOf = (v: Obj, role: string): Obj[] => v[role].extraEnv;
const BITNAMI = /(^|\/)(bitnami|bitnamilegacy)\//;

describe("milvusValues (pure)", () => {
  test("S3: IAM through the annotated service account, no key anywhere, only the root password from a Secret", () => {
    const v = milvusValues("ods-prod-milvus", S3) as Obj;
    expect(v.minio).toEqual({ enabled: false });
    expect(v.externalS3).toMatchObject({ enabled: true, host: "s3.eu-west-1.amazonaws.com", port: "443", useSSL: true, useIAM: true, region: "eu-west-1", bucketName: "ods-prod-milvus", useVirtualHost: true, accessKey: "", secretKey: "" });
    expect(v.serviceAccount).toEqual({ create: true, name: "milvus", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/milvus" } });
    for (const role of ["proxy", "mixCoordinator", "queryNode", "dataNode", "streamingNode"]) {
      expect(envOf(v, role)).toEqual([{ name: MILVUS_ENV.rootPassword, valueFrom: { secretKeyRef: { name: "ods-prod-milvus-auth", key: "password" } } }]);
    }
    expect(JSON.stringify(v)).not.toMatch(/MINIO_ACCESS_KEY_ID|MINIO_SECRET_ACCESS_KEY|AWS_SECRET_ACCESS_KEY/);
  });

  test("S3 without an IAM role is refused (Milvus would fall back to keys)", () => {
    expect(() => milvusValues("m", { ...S3, access: { serviceAccount: "milvus" } })).toThrow(/IAM role/);
  });

  test("MinIO: keys reach every container as env from the consumer's Secret, never as values", () => {
    const v = milvusValues("ods-local-milvus", MINIO) as Obj;
    expect(v.externalS3).toMatchObject({ useIAM: false, useSSL: false, useVirtualHost: false, accessKey: "", secretKey: "", port: "9000" });
    expect(v.serviceAccount).toEqual({ create: true, name: "milvus" });
    expect(envOf(v, "standalone")).toEqual([
      { name: "COMMON_SECURITY_DEFAULTROOTPASSWORD", valueFrom: { secretKeyRef: { name: "ods-local-milvus-auth", key: "password" } } },
      { name: "MINIO_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "milvus-object-store", key: "AWS_ACCESS_KEY_ID" } } },
      { name: "MINIO_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "milvus-object-store", key: "AWS_SECRET_ACCESS_KEY" } } },
    ]);
    // No env entry carries a literal value.
    expect(envOf(v, "standalone").every((e) => !("value" in e))).toBe(true);
    const cluster = milvusValues("ods-staging-milvus", { ...MINIO, mode: "cluster", dataClaim: undefined }) as Obj;
    for (const role of ["standalone", "proxy", "mixCoordinator", "queryNode", "dataNode", "streamingNode"]) expect(envOf(cluster, role)).toHaveLength(3);
  });

  test("MinIO without a credentials Secret is refused", () => {
    expect(() => milvusValues("m", { ...MINIO, access: { serviceAccount: "milvus" } })).toThrow(/credentials Secret/);
  });

  test("standalone: one etcd member, Woodpecker, its own claim; cluster: 3 members, 2 replicas per role, spread, active-standby", () => {
    const s = milvusValues("ods-local-milvus", MINIO) as Obj;
    expect(s.cluster).toEqual({ enabled: false });
    expect(s.etcd.replicaCount).toBe(1);
    expect(s.etcd.pdb.create).toBe(false);
    expect(s.standalone).toMatchObject({ resources: RES, messageQueue: "woodpecker", persistence: { enabled: true, persistentVolumeClaim: { existingClaim: "ods-local-milvus-data" } } });
    expect(s.proxy).toBeUndefined();

    const c = milvusValues("ods-prod-milvus", S3) as Obj;
    expect(c.cluster).toEqual({ enabled: true });
    expect(c.etcd.replicaCount).toBe(ETCD_MEMBERS.cluster);
    expect(c.etcd.pdb).toEqual({ create: true, minAvailable: "51%" });
    for (const role of ["proxy", "mixCoordinator", "queryNode", "dataNode", "streamingNode"]) {
      expect(c[role].replicas).toBe(2);
      expect(c[role].affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
      expect(c[role].topologySpreadConstraints[0].topologyKey).toBe("topology.kubernetes.io/zone");
    }
    expect(c.queryNode.resources).toEqual(RES);
    expect(c.streamingNode.resources).toEqual(RES);
    expect(c.mixCoordinator.activeStandby).toEqual({ enabled: true });
    expect(c.pulsarv3).toEqual({ enabled: false });
    expect(c.streaming).toEqual({ enabled: true, woodpecker: { embedded: true, storage: { type: "minio" } } });
    expect(() => milvusValues("m", { ...MINIO, dataClaim: undefined })).toThrow(/data claim/);
  });

  test("authentication on and Woodpecker as the WAL in user.yaml; etcd and Milvus images are Milvus' own, pinned; non-root", () => {
    for (const v of [milvusValues("a-milvus", S3), milvusValues("b-milvus", MINIO)] as Obj[]) {
      expect(v.extraConfigFiles["user.yaml"]).toBe(USER_YAML);
      expect(USER_YAML).toContain("authorizationEnabled: true");
      expect(USER_YAML).toMatch(/mq:\n {2}type: woodpecker/);
      expect(v.image.all).toMatchObject({ repository: "milvusdb/milvus", tag: "v2.6.15" });
      expect(v.etcd.image).toMatchObject({ repository: "milvusdb/etcd", tag: "3.5.25-r1" });
      expect(v.securityContext.runAsNonRoot).toBe(true);
      expect(v.containerSecurityContext.capabilities).toEqual({ drop: ["ALL"] });
      expect(v.etcd.containerSecurityContext.capabilities).toEqual({ drop: ["ALL"] });
      expect(v.etcd.persistentVolumeClaimRetentionPolicy).toEqual({ enabled: true, whenDeleted: "Retain", whenScaled: "Retain" });
      expect(v.metrics.serviceMonitor.enabled).toBe(true);
      expect(allStrings(v).filter((s) => BITNAMI.test(s))).toEqual([]);
      // The root password default ("Milvus") is never written anywhere.
      expect(JSON.stringify(v)).not.toContain("defaultRootPassword");
    }
  });

  test("hostOnly strips the port the MinIO handle carries", () => {
    expect(hostOnly("ods-local-objects.ods-data.svc.cluster.local:9000")).toBe("ods-local-objects.ods-data.svc.cluster.local");
    expect(hostOnly("s3.eu-west-1.amazonaws.com")).toBe("s3.eu-west-1.amazonaws.com");
  });
});

describe("validateMilvusArgs (pure)", () => {
  const store = (kind: "minio" | "s3", access: ObjectStoreHandle["access"]) => ({ kind, access }) as unknown as ObjectStoreHandle;
  test("accepts a declared consumer with the access its store needs", () => {
    expect(() => validateMilvusArgs({ mode: "cluster", consumer: "milvus", volumeSize: "20Gi", objectStore: store("s3", { milvus: { serviceAccount: "milvus", roleArn: pulumi.output("arn") } }) })).not.toThrow();
  });
  test("refuses an undeclared consumer, S3 without a role, a bad mode and a bad size", () => {
    expect(() => validateMilvusArgs({ mode: "cluster", consumer: "vectors", volumeSize: "20Gi", objectStore: store("s3", { milvus: { serviceAccount: "milvus" } }) })).toThrow(/args.consumer "vectors".*allowed: one of milvus/);
    expect(() => validateMilvusArgs({ mode: "cluster", consumer: "milvus", volumeSize: "20Gi", objectStore: store("s3", { milvus: { serviceAccount: "milvus" } }) })).toThrow(/no IAM role/);
    expect(() => validateMilvusArgs({ mode: "big" as "cluster", consumer: "milvus", volumeSize: "20Gi", objectStore: store("s3", {}) })).toThrow(/args.mode is "big"/);
    expect(() => validateMilvusArgs({ mode: "cluster", consumer: "milvus", volumeSize: "lots", objectStore: store("minio", { milvus: { serviceAccount: "milvus", credentialsSecret: pulumi.output("s") } }) })).toThrow(/args.volumeSize "lots" is not a size/);
  });
});

describe("milvusNetworkPolicies (pure)", () => {
  test("clients on 19530 to the entry pods only, Prometheus on 9091, Milvus pods to each other, etcd from Milvus and its peers", () => {
    const ps = milvusNetworkPolicies("ods-prod-milvus", "cluster", { monitoringNamespace: "ods-observability", clientNamespaces: ["ods-apps"] }) as Obj[];
    const by = Object.fromEntries(ps.map((p) => [p.role, p.spec]));
    expect(by.clients.podSelector.matchLabels.component).toBe("proxy");
    expect(by.clients.ingress).toEqual([{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-apps" } } }], ports: [{ protocol: "TCP", port: 19530 }] }]);
    expect(by.metrics.ingress).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: 9091 }] }]);
    expect(by.etcd.ingress[0].ports).toEqual([{ protocol: "TCP", port: 2379 }]);
    const standalone = milvusNetworkPolicies("m", "standalone", { monitoringNamespace: "mon", clientNamespaces: [] }) as Obj[];
    expect(standalone[0].spec.podSelector.matchLabels.component).toBe("standalone");
    // Nothing opens 19530 to the world: every peer is a namespace or a pod selector.
    expect(JSON.stringify(ps)).not.toContain("ipBlock");
  });
});

const fakeStore = (kind: "minio" | "s3"): ObjectStoreHandle => ({
  kind,
  endpoint: pulumi.output(kind === "s3" ? "https://s3.eu-west-1.amazonaws.com" : "http://objects.ods-data.svc.cluster.local:9000"),
  host: pulumi.output(kind === "s3" ? "s3.eu-west-1.amazonaws.com" : "objects.ods-data.svc.cluster.local:9000"),
  port: kind === "s3" ? 443 : 9000,
  useTls: kind === "s3",
  pathStyle: kind === "minio",
  region: kind === "s3" ? "eu-west-1" : "us-east-1",
  buckets: { datasets: pulumi.output("x-datasets"), models: pulumi.output("x-models"), milvus: pulumi.output("x-milvus"), backups: pulumi.output("x-backups") },
  access: { milvus: kind === "s3" ? { serviceAccount: "milvus", roleArn: pulumi.output("arn:aws:iam::123456789012:role/milvus") } : { serviceAccount: "milvus", credentialsSecret: pulumi.output("milvus-object-store") } },
  ready: [],
});

describe("Milvus (recorded)", () => {
  test("cluster on S3: pinned chart, generated root password in a Secret only, PDB per role, 4 NetworkPolicies, endpoint", async () => {
    let m: Milvus | undefined;
    const rs = await record(() => {
      m = new Milvus("ods-prod-milvus", { namespace: "ods-data", mode: "cluster", volumeSize: "100Gi", storageClass: "gp3", resources: RES, objectStore: fakeStore("s3"), consumer: "milvus", monitoringNamespace: "ods-observability", clientNamespaces: ["ods-apps", "ods-model"] });
    });
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect([get(chart, "chart"), get(chart, "version"), get(chart, "repositoryOpts.repo"), get(chart, "name"), get(chart, "namespace")]).toEqual(["milvus", "5.0.19", "https://zilliztech.github.io/milvus-helm/", "ods-prod-milvus", "ods-data"]);
    expect(get(chart, "values.externalS3.host")).toBe("s3.eu-west-1.amazonaws.com");
    const secret = one(rs, "kubernetes:core/v1:Secret");
    // The password makes the whole stringData secret in the plan: it is never visible.
    expect(get(secret, "stringData")).toBe("[secret]");
    expect(allStrings(chart.inputs)).not.toContain("[secret]");
    expect(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget").map((p) => get(p, "spec.selector.matchLabels.component")).sort()).toEqual(["datanode", "mixcoord", "proxy", "querynode", "streamingnode"]);
    for (const p of ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget")) expect(get(p, "spec.maxUnavailable")).toBe(1);
    expect(ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(4);
    expect(ofType(rs, "kubernetes:core/v1:PersistentVolumeClaim")).toHaveLength(0);
    const endpoint = await new Promise((resolve) => m!.endpoint.apply(resolve));
    expect(endpoint).toBe("http://ods-prod-milvus.ods-data.svc.cluster.local:19530");
  });

  test("standalone on MinIO: a retained PVC of volumeSize, no PDB, the MinIO host without its port", async () => {
    const rs = await record(() => new Milvus("ods-local-milvus", { namespace: "ods-data", mode: "standalone", volumeSize: "10Gi", storageClass: "standard", resources: RES, objectStore: fakeStore("minio"), consumer: "milvus", monitoringNamespace: "ods-observability" }));
    const pvc = one(rs, "kubernetes:core/v1:PersistentVolumeClaim");
    expect(get(pvc, "spec.resources.requests.storage")).toBe("10Gi");
    expect(get(pvc, "metadata.name")).toBe("ods-local-milvus-data");
    expect(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect(get(chart, "values.externalS3.host")).toBe("objects.ods-data.svc.cluster.local");
    expect(get(chart, "values.standalone.persistence.persistentVolumeClaim.existingClaim")).toBe("ods-local-milvus-data");
  });
});

// The rendered chart: every object Helm renders from the cached chart, for a laptop stack and for prod.
const images = (rs: RecordedResource[]) =>
  rs.flatMap((r) => {
    const spec = (get(r, "spec.template.spec") ?? get(r, "spec")) as Obj | undefined;
    return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c: Obj) => String(c.image));
  });
const milvusObjects = (rs: RecordedResource[], release: string) => rs.filter((r) => r.parent === `${release}-chart`);
const secretLooking = /(password\w*|secret\w*|token|access[_-]?key\w*)\s*[:=]\s*[^\s"']+/i;

async function plan(stack: string): Promise<RecordedResource[]> {
  return (await cachedPlan(stack)).resources;
}

describe("rendered chart", () => {
  jest.setTimeout(120_000);

  test("local (standalone, MinIO): 1 etcd member, ServiceMonitor, no Bitnami image, no secret in a ConfigMap, MinIO keys from the Secret", async () => {
    const objs = milvusObjects(await plan("local"), "ods-local-milvus");
    const etcd = objs.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    expect(etcd.map((e) => [get(e, "metadata.name"), get(e, "spec.replicas")])).toEqual([["ods-local-milvus-etcd", 1]]);
    expect(objs.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).toHaveLength(1);
    const imgs = images(objs);
    expect(imgs.sort()).toEqual(["docker.io/milvusdb/etcd:3.5.25-r1", "milvusdb/milvus:v2.6.15"]);
    expect(imgs.filter((i) => BITNAMI.test(i))).toEqual([]);
    const svc = objs.find((r) => r.type === "kubernetes:core/v1:Service" && get(r, "metadata.name") === "ods-local-milvus");
    expect(get(svc!, "spec.ports")).toEqual(expect.arrayContaining([expect.objectContaining({ port: 19530 })]));
    const cms = objs.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
    expect(cms.length).toBeGreaterThan(0);
    for (const cm of cms) expect(allStrings(get(cm, "data")).filter((s) => s.split("\n").some((l) => secretLooking.test(l)))).toEqual([]);
    const deploy = objs.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    const env = (get(deploy, "spec.template.spec.containers") as Obj[])[0].env as Obj[];
    expect(env.find((e) => e.name === "MINIO_SECRET_ACCESS_KEY")?.valueFrom.secretKeyRef.key).toBe("AWS_SECRET_ACCESS_KEY");
  });

  test("prod (cluster, S3): 3 etcd members, no pulsar, 2 replicas per role, ServiceMonitor, no Bitnami image, no key in the ConfigMap", async () => {
    const objs = milvusObjects(await plan("prod"), "ods-prod-milvus");
    const etcd = objs.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    expect(etcd.map((e) => [get(e, "metadata.name"), get(e, "spec.replicas")])).toEqual([["ods-prod-milvus-etcd", 3]]);
    const deployments = objs.filter((r) => r.type === "kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => [get(d, "metadata.name"), get(d, "spec.replicas")]).sort()).toEqual([
      ["ods-prod-milvus-datanode", 2],
      ["ods-prod-milvus-mixcoord", 2],
      ["ods-prod-milvus-proxy", 2],
      ["ods-prod-milvus-querynode", 2],
      ["ods-prod-milvus-streamingnode", 2],
    ]);
    expect(objs.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).toHaveLength(1);
    expect(objs.filter((r) => get(r, "metadata.name")?.toString().includes("pulsar"))).toEqual([]);
    expect(images(objs).filter((i) => BITNAMI.test(i))).toEqual([]);
    const sa = objs.find((r) => r.type === "kubernetes:core/v1:ServiceAccount")!;
    expect(get(sa, "metadata.annotations")).toEqual({ "eks.amazonaws.com/role-arn": expect.stringMatching(/^arn:aws:iam::/) });
    const cm = objs.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
    const config = String((get(cm, "data") as Obj)["default.yaml"]);
    expect(config).toMatch(/useIAM: true/);
    expect(config).toMatch(/accessKeyID: *\n/);
    expect(config.split("\n").some((l) => secretLooking.test(l))).toBe(false);
  });

  test("the checks catch the bad cases: a Bitnami image, a key in a ConfigMap line", () => {
    expect(BITNAMI.test("docker.io/bitnami/etcd:3.5.9")).toBe(true);
    expect(BITNAMI.test("bitnamilegacy/kafka:3.1.0")).toBe(true);
    expect(BITNAMI.test("docker.io/milvusdb/etcd:3.5.25-r1")).toBe(false);
    expect(secretLooking.test("  secretAccessKey: minioadmin")).toBe(true);
    expect(secretLooking.test("  accessKeyID: AKIAEXAMPLE")).toBe(true);
    expect(secretLooking.test("  secretAccessKey: ")).toBe(false);
  });
});
