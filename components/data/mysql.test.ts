import * as pulumi from "@pulumi/pulumi";
import { allStrings, get, one, ofType, record } from "../../test/harness";
import { RecordedResource } from "../../plan/types";
import { DatabaseConsumer, ObjectStoreHandle } from "./contracts";
import {
  backupPolicySpec,
  clusterResourceOptions,
  mocoChartValues,
  mocoNames,
  MOCO_PASSWORD_KEYS,
  MySql,
  MySqlArgs,
  mysqlClusterSpec,
  mysqldIngress,
  OWNER_PRIVILEGES,
  READ_PRIVILEGES,
  validateMySqlArgs,
} from "./mysql";

const CONSUMERS: DatabaseConsumer[] = [
  { name: "data-api", namespace: "ods-data", user: "data_api", access: "owner", database: "data_api" },
  { name: "agent-api", namespace: "ods-apps", user: "agent_api", access: "owner", database: "agent_api" },
  { name: "keycloak", namespace: "ods-identity", user: "keycloak", access: "owner", database: "keycloak" },
  { name: "grafana", namespace: "ods-observability", user: "grafana", access: "owner", database: "grafana" },
  { name: "text2sql", namespace: "ods-apps", user: "text2sql_ro", access: "read", database: "data_api" },
];

function store(kind: "minio" | "s3"): ObjectStoreHandle {
  const o = pulumi.output;
  const minio = kind === "minio";
  return {
    kind,
    endpoint: o(minio ? "http://objects.ods-data.svc.cluster.local:9000" : "https://s3.eu-west-1.amazonaws.com"),
    host: o(minio ? "objects.ods-data.svc.cluster.local:9000" : "s3.eu-west-1.amazonaws.com"),
    port: minio ? 9000 : 443,
    useTls: !minio,
    pathStyle: minio,
    region: minio ? "us-east-1" : "eu-west-1",
    buckets: { datasets: o("ods-t-datasets"), models: o("ods-t-models"), milvus: o("ods-t-milvus"), backups: o("ods-t-backups") },
    access: {
      "mysql-backup": minio
        ? { serviceAccount: "mysql-backup", credentialsSecret: o("mysql-backup-object-store") }
        : { serviceAccount: "mysql-backup", roleArn: o("arn:aws:iam::123456789012:role/ods-t-mysql-backup") },
    },
    ready: [],
  };
}

const RESOURCES = { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } };

function args(over: Partial<MySqlArgs> = {}): MySqlArgs {
  return {
    namespace: "ods-data",
    replicas: 1,
    image: "ghcr.io/cybozu-go/moco/mysql:8.4.8",
    volumeSize: "20Gi",
    storageClass: "gp3",
    resources: RESOURCES,
    backup: { schedule: "0 3 * * *", objectStore: store("minio"), consumer: "mysql-backup" },
    consumers: CONSUMERS,
    access: { mode: "nodePort", host: "127.0.0.1", allowedCidrs: [], readyTimeoutSeconds: 900, nodePort: 30306 },
    monitoringNamespace: "ods-observability",
    ...over,
  };
}

const CR = "kubernetes:moco.cybozu.com/v1beta2:MySQLCluster";
const POLICY = "kubernetes:moco.cybozu.com/v1beta2:BackupPolicy";
const named = (rs: RecordedResource[], type: string, name: string) => {
  const r = ofType(rs, type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} ${name}`);
  return r;
};

describe("pure parts", () => {
  test("names follow MOCO's conventions", () => {
    expect(mocoNames("ods-dev-mysql", "ods-data")).toEqual({
      primaryService: "moco-ods-dev-mysql-primary",
      replicaService: "moco-ods-dev-mysql-replica",
      primaryHost: "moco-ods-dev-mysql-primary.ods-data.svc.cluster.local",
      replicaHost: "moco-ods-dev-mysql-replica.ods-data.svc.cluster.local",
      controllerSecret: "mysql-ods-data.ods-dev-mysql",
      userSecret: "moco-ods-dev-mysql",
      backupCronJob: "moco-backup-ods-dev-mysql",
    });
  });

  test("chart values: pinned images, resources, one controller locally, two spread in HA", () => {
    const local = mocoChartValues({ ha: false, podMonitors: true });
    expect(local.replicaCount).toBe(1);
    expect(local.image).toEqual({ repository: "ghcr.io/cybozu-go/moco", tag: "0.36.0", pullPolicy: "IfNotPresent" });
    expect(local.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(local.topologySpreadConstraints).toBeUndefined();
    expect(local.agent).toEqual({ image: { repository: "ghcr.io/cybozu-go/moco-agent", tag: "0.16.0" } });
    expect(local.monitoring).toEqual({ enabled: true, podMonitors: { enabled: true, interval: "30s" } });
    const ha = mocoChartValues({ ha: true, podMonitors: false });
    expect(ha.replicaCount).toBe(2);
    expect(ha.topologySpreadConstraints).toContainEqual(expect.objectContaining({ topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" }));
    expect(ha.monitoring).toEqual({ enabled: false, podMonitors: { enabled: false, interval: "30s" } });
    expect(allStrings(ha).some((s) => /bitnami|:latest$/.test(s))).toBe(false);
  });

  test("cluster spec: single instance has no anti-affinity; HA requires one instance per node and spreads zones", () => {
    const base = { clusterName: "db", image: "ghcr.io/cybozu-go/moco/mysql:8.4.8", resources: RESOURCES, volumeSize: "20Gi", storageClass: "gp3", backupPolicyName: "db-daily" };
    const single = mysqlClusterSpec({ ...base, replicas: 1 }) as { podTemplate: { spec: Record<string, unknown> } };
    expect(single.podTemplate.spec.affinity).toBeUndefined();
    expect(single.podTemplate.spec.topologySpreadConstraints).toBeUndefined();
    const ha = mysqlClusterSpec({ ...base, replicas: 3 }) as { replicas: number; podTemplate: { spec: { affinity: unknown; topologySpreadConstraints: unknown[] } } };
    expect(ha.replicas).toBe(3);
    expect(ha.podTemplate.spec.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": "db", "app.kubernetes.io/created-by": "moco" } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    });
    expect(ha.podTemplate.spec.topologySpreadConstraints).toEqual([expect.objectContaining({ topologyKey: "topology.kubernetes.io/zone", maxSkew: 1 })]);
  });

  test("the MySQLCluster is retained on delete and protected by default", () => {
    expect(clusterResourceOptions(true)).toEqual({ retainOnDelete: true, protect: true, customTimeouts: { create: "60m", update: "30m" }, ignoreChanges: ["spec.restore"] });
    expect(clusterResourceOptions(false).retainOnDelete).toBe(true);
  });

  test("backup policy: MinIO credentials by secretKeyRef, endpoint and path style; S3 by IRSA without keys or endpoint", () => {
    const common = { schedule: "0 3 * * *", consumer: "mysql-backup", storageClass: "gp3", workVolumeSize: "20Gi", resources: RESOURCES };
    const m = backupPolicySpec({ ...common, store: store("minio") }) as { jobConfig: Record<string, unknown> };
    expect(m.jobConfig.env).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: expect.anything(), key: "AWS_ACCESS_KEY_ID" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: expect.anything(), key: "AWS_SECRET_ACCESS_KEY" } } },
    ]);
    expect(m.jobConfig.bucketConfig).toEqual(expect.objectContaining({ region: "us-east-1", usePathStyle: true, backendType: "s3", endpointURL: expect.anything() }));
    const s = backupPolicySpec({ ...common, store: store("s3") }) as { jobConfig: Record<string, unknown> };
    expect(s.jobConfig.env).toBeUndefined();
    expect(s.jobConfig.serviceAccountName).toBe("mysql-backup");
    expect(s.jobConfig.bucketConfig).toEqual(expect.objectContaining({ region: "eu-west-1", usePathStyle: false }));
    expect((s.jobConfig.bucketConfig as Record<string, unknown>).endpointURL).toBeUndefined();
    // A store that hands the consumer neither keys nor a role is refused.
    const broken = { ...store("s3"), access: { "mysql-backup": { serviceAccount: "mysql-backup" } } };
    expect(() => backupPolicySpec({ ...common, store: broken })).toThrow(/no roleArn/);
    const brokenMinio = { ...store("minio"), access: { "mysql-backup": { serviceAccount: "mysql-backup" } } };
    expect(() => backupPolicySpec({ ...common, store: brokenMinio })).toThrow(/no credentialsSecret/);
  });

  test("mysqld ingress: each client namespace once, peers, controller ports, metrics from monitoring only", () => {
    const rules = mysqldIngress(["ods-apps", "ods-data", "ods-apps"], "ods-observability") as { from: unknown[]; ports: { port: number }[] }[];
    expect(rules[0].from).toHaveLength(2);
    expect(rules[0].ports.map((p) => p.port)).toEqual([3306]);
    expect(rules[1].ports.map((p) => p.port)).toEqual([3306, 33062]);
    expect(rules[2].ports.map((p) => p.port)).toEqual([33062, 9080]);
    expect(rules[3]).toEqual({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: 9104 }, { protocol: "TCP", port: 8080 }] });
  });

  describe("bad arguments are rejected by name", () => {
    const ok = { replicas: 1 as const, consumers: CONSUMERS, backup: args().backup };
    test("accepts the platform's consumers", () => expect(() => validateMySqlArgs("db", ok)).not.toThrow());
    test("replicas 2", () => expect(() => validateMySqlArgs("db", { ...ok, replicas: 2 as 1 })).toThrow(/replicas 2 is not allowed; allowed: 1, 3 or 5/));
    test("user longer than 32 characters", () =>
      expect(() => validateMySqlArgs("db", { ...ok, consumers: [{ ...CONSUMERS[0], user: "u".repeat(33) }] })).toThrow(/consumers\[data-api\]\.user .* allowed: 1 to 32/));
    test("user with bad characters", () => expect(() => validateMySqlArgs("db", { ...ok, consumers: [{ ...CONSUMERS[0], user: "data-api'" }] })).toThrow(/consumers\[data-api\]\.user/));
    test("reserved user", () => expect(() => validateMySqlArgs("db", { ...ok, consumers: [{ ...CONSUMERS[0], user: "moco_admin" }] })).toThrow(/reserved/));
    test("two owners of one database", () =>
      expect(() => validateMySqlArgs("db", { ...ok, consumers: [CONSUMERS[0], { ...CONSUMERS[1], database: "data_api" }] })).toThrow(/consumers\[agent-api\] and consumers\[data-api\] both own database data_api/));
    test("a reader of a database nobody owns", () => expect(() => validateMySqlArgs("db", { ...ok, consumers: [CONSUMERS[4]] })).toThrow(/reads database data_api, which no consumer owns/));
    test("a bad database name", () => expect(() => validateMySqlArgs("db", { ...ok, consumers: [{ ...CONSUMERS[0], database: "Data-API" }] })).toThrow(/database "Data-API"/));
    test("a backup consumer the store does not know", () =>
      expect(() => validateMySqlArgs("db", { ...ok, backup: { ...ok.backup, consumer: "nobody" } })).toThrow(/backup.consumer nobody/));
    test("a restore point that is not RFC 3339 UTC", () =>
      expect(() => validateMySqlArgs("db", { ...ok, restore: { sourceName: "db", sourceNamespace: "ods-data", restorePoint: "2026-11-20 09:30" } })).toThrow(/restore.restorePoint/));
    test("a name too long for MOCO's Services", () => expect(() => validateMySqlArgs("x".repeat(51), ok)).toThrow(/too long/));
  });
});

describe("MySql component", () => {
  test("local: one instance, no anti-affinity, the data volume, backup policy, chart pinned", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args()));
    const cr = one(rs, CR);
    expect(get(cr, "metadata.name")).toBe("ods-t-mysql");
    expect(get(cr, "metadata.annotations")).toEqual({ "pulumi.com/waitFor": "condition=Available" });
    expect(get(cr, "spec.replicas")).toBe(1);
    expect(get(cr, "spec.podTemplate.spec.affinity")).toBeUndefined();
    expect(get(cr, "spec.backupPolicyName")).toBe("ods-t-mysql-daily");
    expect((get(cr, "spec.collectors") as string[]).length).toBeGreaterThan(0);
    expect(get(cr, "spec.volumeClaimTemplates")).toEqual([
      {
        metadata: { name: "mysql-data", labels: { "app.kubernetes.io/part-of": "one-data-studio" } },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "20Gi" } } },
      },
    ]);
    expect(get(cr, "spec.podTemplate.spec.containers")).toEqual([
      expect.objectContaining({ name: "mysqld", image: "ghcr.io/cybozu-go/moco/mysql:8.4.8", resources: RESOURCES, securityContext: expect.objectContaining({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }) }),
    ]);
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect(get(chart, "chart")).toBe("moco");
    expect(get(chart, "version")).toBe("0.26.0");
    expect(get(chart, "repositoryOpts.repo")).toBe("https://cybozu-go.github.io/moco/");
    expect(get(chart, "namespace")).toBe("ods-data");
    expect(get(chart, "values.replicaCount")).toBe(1);
    expect(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(0);
    const policy = one(rs, POLICY);
    expect(get(policy, "spec.schedule")).toBe("0 3 * * *");
    expect(get(policy, "spec.jobConfig.bucketConfig.bucketName")).toBe("ods-t-backups");
    expect(get(policy, "spec.jobConfig.bucketConfig.endpointURL")).toBe("http://objects.ods-data.svc.cluster.local:9000");
    expect(get(policy, "spec.jobConfig.env.0.valueFrom.secretKeyRef.name")).toBe("mysql-backup-object-store");
    const sa = one(rs, "kubernetes:core/v1:ServiceAccount");
    expect(get(sa, "metadata.name")).toBe("mysql-backup");
    expect(get(sa, "metadata.annotations")).toBeUndefined();
  });

  test("HA: three instances, required anti-affinity, zone spread, two controllers with a PDB", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args({ replicas: 3 })));
    const cr = one(rs, CR);
    expect(get(cr, "spec.replicas")).toBe(3);
    expect(get(cr, "spec.podTemplate.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0.topologyKey")).toBe("kubernetes.io/hostname");
    expect(get(cr, "spec.podTemplate.spec.topologySpreadConstraints.0.topologyKey")).toBe("topology.kubernetes.io/zone");
    expect(get(one(rs, "kubernetes:helm.sh/v4:Chart"), "values.replicaCount")).toBe(2);
    const pdb = one(rs, "kubernetes:policy/v1:PodDisruptionBudget");
    expect(get(pdb, "spec.selector.matchLabels")).toEqual({ "app.kubernetes.io/component": "moco-controller", "app.kubernetes.io/name": "moco" });
  });

  test("S3 store: the backup ServiceAccount carries the IRSA role, the policy no keys", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args({ backup: { schedule: "30 1 * * *", objectStore: store("s3"), consumer: "mysql-backup" } })));
    const sa = one(rs, "kubernetes:core/v1:ServiceAccount");
    expect(get(sa, "metadata.annotations")).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/ods-t-mysql-backup" });
    const policy = one(rs, POLICY);
    expect(get(policy, "spec.schedule")).toBe("30 1 * * *");
    expect(get(policy, "spec.jobConfig.env")).toBeUndefined();
    expect(get(policy, "spec.jobConfig.serviceAccountName")).toBe("mysql-backup");
    expect(get(policy, "spec.jobConfig.bucketConfig.region")).toBe("eu-west-1");
  });

  test("MOCO's controller Secret is pre-created with all eight passwords, redacted, retained", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args()));
    const s = named(rs, "kubernetes:core/v1:Secret", "ods-t-mysql-moco-passwords");
    expect(get(s, "metadata.name")).toBe("mysql-ods-data.ods-t-mysql");
    expect(get(s, "metadata.namespace")).toBe("ods-data");
    expect(get(s, "metadata.annotations")).toEqual({ "moco.cybozu.com/secret-version": "1" });
    expect(get(s, "stringData")).toBe("[secret]");
    expect(ofType(rs, "random:index/randomPassword:RandomPassword")).toHaveLength(MOCO_PASSWORD_KEYS.length + CONSUMERS.length);
  });

  test("databases, users and grants exactly as specified, all through the MySQL provider", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args()));
    const provider = one(rs, "pulumi:providers:mysql");
    expect(get(provider, "username")).toBe("moco-writable");
    expect(get(provider, "password")).toBe("[secret]");
    expect(ofType(rs, "mysql:index/database:Database").map((d) => get(d, "name")).sort()).toEqual(["agent_api", "data_api", "grafana", "keycloak"]);
    const users = ofType(rs, "mysql:index/user:User");
    expect(users.map((u) => [get(u, "user"), get(u, "host"), get(u, "plaintextPassword")]).sort()).toEqual([
      ["agent_api", "%", "[secret]"],
      ["data_api", "%", "[secret]"],
      ["grafana", "%", "[secret]"],
      ["keycloak", "%", "[secret]"],
      ["text2sql_ro", "%", "[secret]"],
    ]);
    const grants = Object.fromEntries(ofType(rs, "mysql:index/grant:Grant").map((g) => [get(g, "user"), g]));
    for (const owner of ["data_api", "agent_api", "keycloak", "grafana"]) {
      expect(get(grants[owner], "database")).toBe(owner);
      expect(get(grants[owner], "privileges")).toEqual([...OWNER_PRIVILEGES]);
      expect(get(grants[owner], "grant")).toBeUndefined();
    }
    expect(OWNER_PRIVILEGES).not.toContain("ALL");
    expect(OWNER_PRIVILEGES).not.toContain("GRANT OPTION");
    expect(get(grants.text2sql_ro, "database")).toBe("data_api");
    expect(get(grants.text2sql_ro, "privileges")).toEqual([...READ_PRIVILEGES]);
    for (const r of [...ofType(rs, "mysql:index/database:Database"), ...users, ...ofType(rs, "mysql:index/grant:Grant")]) {
      expect(r.provider).toBeDefined();
      expect(r.parent).toBe("ods-t-mysql");
    }
  });

  test("one Secret per consumer in its namespace, with the right keys and hosts", async () => {
    let component: MySql | undefined;
    const rs = await record(() => (component = new MySql("ods-t-mysql", args({ replicas: 3 }))));
    const expected: Record<string, string> = { "data-api": "ods-data", "agent-api": "ods-apps", keycloak: "ods-identity", grafana: "ods-observability", text2sql: "ods-apps" };
    for (const [consumer, ns] of Object.entries(expected)) {
      const s = named(rs, "kubernetes:core/v1:Secret", `ods-t-mysql-${consumer}-secret`);
      expect(get(s, "metadata.namespace")).toBe(ns);
      expect(get(s, "metadata.name")).toBe(`${consumer}-mysql`);
      expect(get(s, "stringData")).toBe("[secret]");
      // Written only once the user can use its database: pods that start with it never see "access denied".
      expect(s.dependencies).toEqual(expect.arrayContaining([named(rs, "mysql:index/user:User", `ods-t-mysql-${consumer}-user`).urn, named(rs, "mysql:index/grant:Grant", `ods-t-mysql-${consumer}-grant`).urn]));
    }
    expect(Object.keys(component!.access).sort()).toEqual(Object.keys(expected).sort());
    expect(component!.access.text2sql).toEqual(expect.objectContaining({ database: "data_api", user: "text2sql_ro" }));
    const host = await new Promise((r) => component!.host.apply(r));
    const replica = await new Promise((r) => component!.replicaHost.apply(r));
    expect(host).toBe("moco-ods-t-mysql-primary.ods-data.svc.cluster.local");
    expect(replica).toBe("moco-ods-t-mysql-replica.ods-data.svc.cluster.local");
  });

  test("the secret data has the DB_SECRET_KEYS and a secret password", async () => {
    const { consumerSecretData } = await import("./mysql");
    const data = consumerSecretData(CONSUMERS[0], "h", "pw");
    expect(Object.keys(data).sort()).toEqual(["database", "host", "password", "port", "username"]);
    expect(data.port).toBe("3306");
    expect(await pulumi.isSecret(pulumi.output(data.password))).toBe(true);
  });

  test("the provider's endpoint comes from the admin gate, which waits for the cluster", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args()));
    const gate = one(rs, "pulumi-nodejs:dynamic:Resource");
    expect(gate.name).toBe("ods-t-mysql-admin-ready");
    expect(get(gate, "host")).toBe("127.0.0.1");
    expect(get(gate, "port")).toBe(30306);
    expect(get(one(rs, "pulumi:providers:mysql"), "endpoint")).toBe("127.0.0.1:30306");
    const svc = named(rs, "kubernetes:core/v1:Service", "ods-t-mysql-admin-svc");
    expect(get(svc, "spec.selector")).toEqual({ "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": "ods-t-mysql", "app.kubernetes.io/created-by": "moco", "moco.cybozu.com/role": "primary" });
    expect(get(svc, "spec.ports.0.nodePort")).toBe(30306);
  });

  test("NetworkPolicies: mysqld from each consumer namespace once; the webhook reachable", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args()));
    const np = named(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ods-t-mysql-mysqld-netpol");
    const first = get(np, "spec.ingress.0.from") as unknown[];
    expect(first).toHaveLength(4);
    const ctl = named(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "ods-t-mysql-moco-netpol");
    expect(get(ctl, "spec.ingress.0")).toEqual({ ports: [{ protocol: "TCP", port: 9443 }] });
  });

  test("restore: spec.restore carries the source, the point in time and the backup job config", async () => {
    const restore = { sourceName: "ods-t-mysql-old", sourceNamespace: "ods-data", restorePoint: "2026-11-20T09:30:00Z" };
    const rs = await record(() => new MySql("ods-t-mysql", args({ restore })));
    const cr = one(rs, CR);
    expect(get(cr, "spec.restore")).toEqual({ ...restore, jobConfig: get(one(rs, POLICY), "spec.jobConfig") });
    const plain = await record(() => new MySql("ods-t-mysql", args()));
    expect(get(one(plain, CR), "spec.restore")).toBeUndefined();
  });

  test("no password literal anywhere; every child is parented and named after the component", async () => {
    const rs = await record(() => new MySql("ods-t-mysql", args({ replicas: 3 })));
    const strings = rs.flatMap((r) => allStrings(r.inputs));
    expect(strings.filter((s) => /^[A-Za-z0-9]{32}$/.test(s))).toEqual([]);
    expect(strings.some((s) => /password\s*[=:]/i.test(s))).toBe(false);
    const children = rs.filter((r) => r.parent === "ods-t-mysql");
    expect(children.length).toBeGreaterThan(20);
    for (const c of children) expect(c.name.startsWith("ods-t-mysql-")).toBe(true);
    const comp = one(rs, "ods:data:MySql");
    expect(comp.registeredOutputs).toEqual(expect.arrayContaining(["host", "replicaHost", "port"]));
  });
});
