// Redis: the plan and values (pure), the component as recorded, and what redis-ha renders for the local
// (single instance) and staging (Sentinel + HAProxy) stacks.
import { cachedPlan } from "../../plan/planCache";
import * as pulumi from "@pulumi/pulumi";
import type { FullPlanResult } from "../../plan/run";
import type { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import {
  EXPORTER_PORT,
  HAPROXY_METRICS_PORT,
  HELPER_RESOURCES,
  MASTER_SET,
  Redis,
  REDIS_PORT,
  RedisArgs,
  redisAlerts,
  redisIngress,
  redisPlan,
  redisValues,
  SENTINEL_PORT,
} from "./redis";

const RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } };
const ARGS: RedisArgs = {
  namespace: "ods-data",
  replicas: 1,
  volumeSize: "8Gi",
  storageClass: "gp3",
  resources: RESOURCES,
  clientNamespaces: { apps: "ods-apps" },
  monitoringNamespace: "ods-observability",
};
const SINGLE = redisPlan("ods-test-redis", ARGS);
const HA = redisPlan("ods-test-redis", { ...ARGS, replicas: 3 });

type Obj = Record<string, unknown>;
const at = (v: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((c, k) => (c !== null && typeof c === "object" ? (c as Obj)[k] : undefined), v);

describe("redisPlan", () => {
  it("one server is a single instance without Sentinel or HAProxy", () => {
    expect(SINGLE).toMatchObject({ fullname: "ods-test-redis", secretName: "ods-test-redis-auth", replicas: 1, ha: false, clientService: "ods-test-redis" });
    expect(SINGLE.sentinelService).toBeUndefined();
  });

  it("three or more servers fail over with a Sentinel majority, clients go through HAProxy", () => {
    expect(HA).toMatchObject({ ha: true, quorum: 2, haproxyReplicas: 3, clientService: "ods-test-redis-haproxy", sentinelService: "ods-test-redis" });
    expect(redisPlan("r", { ...ARGS, replicas: 5 }).quorum).toBe(3);
    expect(redisPlan("r", { ...ARGS, replicas: 4 }).quorum).toBe(3);
    expect(redisPlan("r", { ...ARGS, replicas: 7 }).quorum).toBe(4);
  });

  it("maxmemory leaves 30% of the memory limit for fork copy-on-write", () => {
    expect(SINGLE.maxmemory).toBe("716mb");
    expect(redisPlan("r", { ...ARGS, resources: { ...RESOURCES, limits: { memory: "4Gi" } } }).maxmemory).toBe("2867mb");
  });

  it.each([0, 2, 8, 1.5, -1])("rejects replicas %p by name", (replicas) => {
    expect(() => redisPlan("r", { ...ARGS, replicas })).toThrow(`replicas is ${replicas}; allowed: 1 (single instance) or 3 to 7`);
  });

  it("rejects too few HAProxy replicas, a client key that shadows the data namespace, a tiny memory limit, a bad volume and a long name", () => {
    expect(() => redisPlan("r", { ...ARGS, replicas: 3, haproxyReplicas: 1 })).toThrow("haproxyReplicas is 1; allowed: 2 to 10");
    expect(() => redisPlan("r", { ...ARGS, clientNamespaces: { data: "x" } })).toThrow('clientNamespaces has the key "data"');
    expect(() => redisPlan("r", { ...ARGS, resources: { ...RESOURCES, limits: { memory: "32Mi" } } })).toThrow('resources.limits.memory is "32Mi"; allowed: a quantity of at least 64Mi');
    expect(() => redisPlan("r", { ...ARGS, volumeSize: "lots" })).toThrow('volumeSize is "lots"');
    expect(() => redisPlan("a-very-long-platform-prefix-production-redis", ARGS)).toThrow("allowed: at most 36");
  });
});

describe("redisValues", () => {
  const single = redisValues(SINGLE, ARGS);
  const ha = redisValues(HA, ARGS);

  it("auth only through the generated Secret, for Redis and Sentinel; no password in the values", () => {
    for (const v of [single, ha]) {
      expect(v).toMatchObject({ auth: true, existingSecret: "ods-test-redis-auth", authKey: "password" });
      expect(v.sentinel).toMatchObject({ auth: true, existingSecret: "ods-test-redis-auth", authKey: "password" });
      expect(v).not.toHaveProperty("redisPassword");
      expect(at(v, "sentinel.password")).toBeUndefined();
    }
  });

  it("persistence on the given class and size, AOF and RDB on", () => {
    expect(single.persistentVolume).toEqual({ enabled: true, size: "8Gi", storageClass: "gp3", accessModes: ["ReadWriteOnce"] });
    expect(at(single, "redis.config")).toMatchObject({ appendonly: "yes", appendfsync: "everysec", save: "3600 1 300 100 60 10000", maxmemory: "716mb" });
  });

  it("pinned official images; exporter from quay.io with a ServiceMonitor and probes on /health", () => {
    expect(single.image).toMatchObject({ repository: "public.ecr.aws/docker/library/redis", tag: "8.8.0-alpine" });
    expect(single.exporter).toMatchObject({ enabled: true, image: "quay.io/oliver006/redis_exporter", tag: "v1.86.0", port: EXPORTER_PORT, serviceMonitor: { enabled: true } });
    expect(at(single, "exporter.livenessProbe.httpGet")).toEqual({ path: "/health", port: EXPORTER_PORT });
    expect(at(ha, "haproxy.image")).toMatchObject({ repository: "public.ecr.aws/docker/library/haproxy", tag: "3.3.10-alpine" });
  });

  it("resources: args.resources for Redis, the fixed helper sizes elsewhere", () => {
    expect(at(single, "redis.resources")).toEqual(RESOURCES);
    expect(at(single, "sentinel.resources")).toEqual(HELPER_RESOURCES.sentinel);
    expect(at(single, "exporter.resources")).toEqual(HELPER_RESOURCES.exporter);
    expect(at(ha, "haproxy.resources")).toEqual(HELPER_RESOURCES.haproxy);
  });

  it("single instance: no HAProxy, no PDB, no anti-affinity or spread, writes need no replica", () => {
    expect(single.haproxy).toEqual({ enabled: false });
    expect(single.podDisruptionBudget).toEqual({});
    expect(single.affinity).toBe("{}");
    expect(single.topologySpreadConstraints).toEqual({ enabled: false });
    expect(at(single, "redis.config.min-replicas-to-write")).toBe(0);
    expect(at(single, "sentinel.quorum")).toBe(1);
  });

  it("HA: HAProxy replicas, hard anti-affinity, zone spread and a PDB allowing one disruption for both", () => {
    expect(ha).toMatchObject({ replicas: 3, hardAntiAffinity: true, podDisruptionBudget: { maxUnavailable: 1 } });
    expect(ha).not.toHaveProperty("affinity");
    expect(ha.topologySpreadConstraints).toEqual({ enabled: true, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" });
    expect(ha.haproxy).toMatchObject({ enabled: true, replicas: 3, hardAntiAffinity: true, podDisruptionBudget: { maxUnavailable: 1 }, metrics: { enabled: true, port: HAPROXY_METRICS_PORT } });
    expect(at(ha, "redis.config.min-replicas-to-write")).toBe(1);
    expect(at(ha, "sentinel.quorum")).toBe(2);
    expect(at(ha, "redis.masterGroupName")).toBe(MASTER_SET);
  });
});

describe("redisAlerts and redisIngress", () => {
  it("master-count and replica alerts only where replicated, on the ServiceMonitor's job", () => {
    expect(redisAlerts(SINGLE).map((r) => r.alert)).toEqual(["RedisDown", "RedisMemoryNearMaxmemory", "RedisRejectedConnections"]);
    const rules = redisAlerts(HA);
    expect(rules.map((r) => r.alert)).toContain("RedisMasterCount");
    expect(rules.find((r) => r.alert === "RedisReplicasMissing")?.expr).toBe('max(redis_connected_slaves{job="ods-test-redis"}) < 2');
    // The chart passes rules through tpl: a "{{" would be evaluated.
    expect(allStrings(rules).some((s) => s.includes("{{"))).toBe(false);
  });

  const ns = { own: "ods-data", clients: ["ods-apps"], monitoring: "ods-observability" };
  const from = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
  const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

  it("single: clients on 6379 only, peers on Redis and Sentinel, Prometheus on the exporter; no HAProxy policy", () => {
    const { server, haproxy } = redisIngress(SINGLE, ns);
    expect(server).toEqual([
      { from: [from("ods-data"), from("ods-apps")], ports: tcp(REDIS_PORT) },
      { from: [{ podSelector: { matchLabels: { app: "redis-ha", release: "ods-test-redis" } } }], ports: tcp(REDIS_PORT, SENTINEL_PORT) },
      { from: [from("ods-observability")], ports: tcp(EXPORTER_PORT) },
    ]);
    expect(haproxy).toBeUndefined();
  });

  it("HA: Sentinel open to clients, HAProxy checks reach the servers, HAProxy open to clients and its metrics to Prometheus", () => {
    const { server, haproxy } = redisIngress(HA, ns);
    expect(server[0]).toEqual({ from: [from("ods-data"), from("ods-apps")], ports: tcp(REDIS_PORT, SENTINEL_PORT) });
    expect(server).toContainEqual({ from: [{ podSelector: { matchLabels: { app: "redis-ha-haproxy", release: "ods-test-redis" } } }], ports: tcp(REDIS_PORT, SENTINEL_PORT) });
    expect(server.flatMap((r) => r.ports.map((p) => p.port))).not.toContain(HAPROXY_METRICS_PORT);
    expect(haproxy).toEqual([
      { from: [from("ods-data"), from("ods-apps")], ports: tcp(REDIS_PORT) },
      { from: [from("ods-observability")], ports: tcp(HAPROXY_METRICS_PORT) },
    ]);
  });
});

const resolve = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((r) => o.apply((v) => r(v)));

describe("the component", () => {
  let rs: RecordedResource[];
  let redis: Redis;
  beforeAll(async () => {
    rs = await record(() => {
      redis = new Redis("ods-test-redis", { ...ARGS, replicas: 3, clientNamespaces: { apps: "ods-apps", model: "ods-model" } });
    });
  });

  it("one password Secret in the data namespace and a copy, same name, in every client namespace", async () => {
    const secrets = ofType(rs, "kubernetes:core/v1:Secret");
    expect(secrets.map((s) => `${s.name} ${get(s, "metadata.namespace")}/${get(s, "metadata.name")}`)).toEqual([
      "ods-test-redis-auth ods-data/ods-test-redis-auth",
      "ods-test-redis-auth-apps ods-apps/ods-test-redis-auth",
      "ods-test-redis-auth-model ods-model/ods-test-redis-auth",
    ]);
    for (const s of secrets) expect(get(s, "stringData")).toBe("[secret]");
    expect(get(one(rs, "random:index/randomPassword:RandomPassword"), "special")).toBe(false);
    const names = await Promise.all(Object.entries(redis.passwordSecret).map(async ([k, v]) => [k, await resolve(v)]));
    expect(Object.fromEntries(names)).toEqual({ data: "ods-test-redis-auth", apps: "ods-test-redis-auth", model: "ods-test-redis-auth" });
  });

  it("installs the pinned chart with the values; host is HAProxy, Sentinel advertised", async () => {
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect(chart.name).toBe("ods-test-redis-chart");
    expect(get(chart, "chart")).toBe("redis-ha");
    expect(get(chart, "version")).toBe("4.39.0");
    expect(get(chart, "repositoryOpts.repo")).toBe("https://dandydeveloper.github.io/charts");
    expect(get(chart, "namespace")).toBe("ods-data");
    expect(get(chart, "values.existingSecret")).toBe("ods-test-redis-auth");
    expect(JSON.stringify(get(chart, "values"))).not.toContain("[secret]");
    expect(await resolve(redis.host)).toBe("ods-test-redis-haproxy.ods-data.svc.cluster.local");
    expect(redis.port).toBe(6379);
    expect(redis.sentinel?.port).toBe(26379);
    expect(redis.sentinel?.masterSet).toBe(MASTER_SET);
    expect(await resolve(redis.sentinel!.host)).toBe("ods-test-redis.ods-data.svc.cluster.local");
  });

  it("NetworkPolicies for servers and HAProxy, every client namespace included", () => {
    const nps = ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(nps.map((n) => n.name).sort()).toEqual(["ods-test-redis-haproxy", "ods-test-redis-server"]);
    const clients = get(nps.find((n) => n.name === "ods-test-redis-haproxy")!, "spec.ingress") as { from: unknown[] }[];
    expect(allStrings(clients[0].from)).toEqual(["ods-data", "ods-apps", "ods-model"]);
  });

  it("every child is parented to the component and the outputs are registered", () => {
    for (const r of rs.filter((x) => x.type !== "ods:data:Redis")) expect(r.parent).toBe("ods-test-redis");
    expect(one(rs, "ods:data:Redis").registeredOutputs).toEqual(expect.arrayContaining(["host", "port", "passwordSecret"]));
  });

  it("a single instance: host is the chart's Service, no Sentinel, no HAProxy policy", async () => {
    let single!: Redis;
    const srs = await record(() => {
      single = new Redis("ods-one-redis", ARGS);
    });
    expect(await resolve(single.host)).toBe("ods-one-redis.ods-data.svc.cluster.local");
    expect(single.sentinel).toBeUndefined();
    expect(ofType(srs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((n) => n.name)).toEqual(["ods-one-redis-server"]);
  });
});

async function planOf(stack: string): Promise<FullPlanResult> {
  return cachedPlan(stack);
}

type Container = { name: string; image: string; env?: { name: string; value?: string; valueFrom?: unknown }[]; resources?: Obj; livenessProbe?: unknown; readinessProbe?: unknown };
const childrenOf = (plan: FullPlanResult, chart: string) => plan.resources.filter((r) => r.parent === chart && r.name.startsWith(`${chart}:`));
const kindOf = (rs: RecordedResource[], kind: string) => rs.filter((r) => get(r, "kind") === kind);
const containers = (w: RecordedResource): Container[] => [...((get(w, "spec.template.spec.initContainers") as Container[]) ?? []), ...(get(w, "spec.template.spec.containers") as Container[])];

function expectSecretRefsOnly(objects: RecordedResource[], secretName: string) {
  for (const w of [...kindOf(objects, "StatefulSet"), ...kindOf(objects, "Deployment")]) {
    for (const c of containers(w)) {
      for (const e of c.env ?? []) {
        if (["AUTH", "SENTINELAUTH", "REDIS_PASSWORD"].includes(e.name)) {
          expect(e.value).toBeUndefined();
          expect(e.valueFrom).toEqual({ secretKeyRef: { name: secretName, key: "password" } });
        }
      }
    }
  }
}

function expectHardened(objects: RecordedResource[]) {
  for (const w of [...kindOf(objects, "StatefulSet"), ...kindOf(objects, "Deployment")]) {
    for (const c of containers(w)) {
      expect(c.image).toMatch(/^(public\.ecr\.aws\/docker\/library|quay\.io\/oliver006)\/[a-z_]+:[0-9v]/);
      expect(at(c, "resources.requests.cpu")).toBeDefined();
      expect(at(c, "resources.limits.memory")).toBeDefined();
      expect(at(c, "securityContext")).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
    }
    for (const c of get(w, "spec.template.spec.containers") as Container[]) {
      expect(c.livenessProbe).toBeDefined();
      expect(c.readinessProbe).toBeDefined();
    }
  }
}

describe("rendered for the local stack (single instance)", () => {
  let objects: RecordedResource[];
  beforeAll(async () => {
    objects = childrenOf(await planOf("local"), "ods-local-redis-chart");
  }, 120_000);

  it("one server with Redis, Sentinel, split-brain guard and exporter; no HAProxy, no PDB, no anti-affinity", () => {
    const sts = kindOf(objects, "StatefulSet");
    expect(sts).toHaveLength(1);
    expect(get(sts[0], "spec.replicas")).toBe(1);
    expect((get(sts[0], "spec.template.spec.containers") as Container[]).map((c) => c.name)).toEqual(["redis", "sentinel", "split-brain-fix", "redis-exporter"]);
    expect(get(sts[0], "spec.template.spec.affinity")).toEqual({});
    expect(get(sts[0], "spec.template.spec.topologySpreadConstraints")).toBeUndefined();
    expect(kindOf(objects, "Deployment")).toHaveLength(0);
    expect(kindOf(objects, "PodDisruptionBudget")).toHaveLength(0);
  });

  it("persistence from the stack's class and size", () => {
    const vct = (get(kindOf(objects, "StatefulSet")[0], "spec.volumeClaimTemplates") as Obj[])[0];
    expect(at(vct, "spec.resources.requests.storage")).toBe("1Gi");
    expect(at(vct, "spec.storageClassName")).toBe("standard");
  });

  it("auth only from the Secret; no Secret rendered by the chart", () => {
    expectSecretRefsOnly(objects, "ods-local-redis-auth");
    expect(kindOf(objects, "Secret")).toHaveLength(0);
    const cm = kindOf(objects, "ConfigMap").find((c) => get(c, "metadata.name") === "ods-local-redis-configmap")!;
    const redisConf = (get(cm, "data") as Record<string, string>)["redis.conf"];
    expect(redisConf).toContain("requirepass replace-default-auth");
    expect(redisConf).toContain("min-replicas-to-write 0");
  });

  it("hardened containers, exporter scraped through a ServiceMonitor", () => {
    expectHardened(objects);
    const sm = kindOf(objects, "ServiceMonitor");
    expect(sm.map((s) => get(s, "metadata.name"))).toEqual(["ods-local-redis"]);
    expect(get(sm[0], "spec.endpoints")).toEqual([{ targetPort: EXPORTER_PORT, interval: "30s" }]);
    const rule = one(kindOf(objects, "PrometheusRule"), "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    expect(get(rule, "metadata.namespace")).toBe("ods-data");
  });
});

describe("rendered for the staging stack (Sentinel + HAProxy)", () => {
  let objects: RecordedResource[];
  beforeAll(async () => {
    objects = childrenOf(await planOf("staging"), "ods-staging-redis-chart");
  }, 120_000);

  it("three servers with hard anti-affinity and zone spread; three HAProxy pods likewise", () => {
    const sts = kindOf(objects, "StatefulSet")[0];
    expect(get(sts, "spec.replicas")).toBe(3);
    expect(get(sts, "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")).toHaveLength(1);
    expect(get(sts, "spec.template.spec.topologySpreadConstraints")).toHaveLength(1);
    const haproxy = kindOf(objects, "Deployment");
    expect(haproxy.map((d) => get(d, "metadata.name"))).toEqual(["ods-staging-redis-haproxy"]);
    expect(get(haproxy[0], "spec.replicas")).toBe(3);
    expect(get(haproxy[0], "spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")).toHaveLength(1);
    expect(get(haproxy[0], "spec.template.spec.automountServiceAccountToken")).toBe(false);
  });

  it("a PDB allowing one disruption selects the servers, another HAProxy", () => {
    const pdbs = kindOf(objects, "PodDisruptionBudget");
    expect(pdbs.map((p) => [get(p, "spec.selector.matchLabels"), get(p, "spec.maxUnavailable")])).toEqual(
      expect.arrayContaining([
        [{ release: "ods-staging-redis", app: "redis-ha" }, 1],
        [{ release: "ods-staging-redis", app: "redis-ha-haproxy", component: "haproxy" }, 1],
      ]),
    );
    expect(pdbs).toHaveLength(2);
  });

  it("auth from the Secret everywhere, Sentinel quorum 2, hardened, both ServiceMonitors", () => {
    expectSecretRefsOnly(objects, "ods-staging-redis-auth");
    expectHardened(objects);
    const cm = kindOf(objects, "ConfigMap").find((c) => get(c, "metadata.name") === "ods-staging-redis-configmap")!;
    const data = get(cm, "data") as Record<string, string>;
    expect(data["redis.conf"]).toContain("min-replicas-to-write 1");
    expect(data["init.sh"]).toContain('QUORUM="2"');
    expect(kindOf(objects, "ServiceMonitor").map((s) => get(s, "metadata.name")).sort()).toEqual(["ods-staging-redis", "ods-staging-redis-haproxy"]);
  });
});
