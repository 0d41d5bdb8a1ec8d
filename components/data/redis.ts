// Redis with automatic failover (Sentinel) through the redis-ha chart, or a single instance; auth from a
// generated Secret, persistence, metrics, a PDB where replicated.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { quantityValue } from "../lib/quantity";
import { k8sName, standardLabels } from "../lib/naming";
import { ContainerResources } from "./contracts";
import { namespacePeer, tcpPorts } from "../lib/network";

export const REDIS_HA_CHART = {
  chart: "redis-ha",
  version: "4.39.0",
  repo: "https://dandydeveloper.github.io/charts",
} as const;

/** Images, pinned here rather than taken from the chart's defaults so a chart bump changes no image silently. */
export const REDIS_IMAGES = {
  /** The official Redis image (Docker Official Images mirror on ECR Public), the chart's appVersion. */
  redis: { repository: "public.ecr.aws/docker/library/redis", tag: "8.8.0-alpine" },
  haproxy: { repository: "public.ecr.aws/docker/library/haproxy", tag: "3.3.10-alpine" },
  exporter: { repository: "quay.io/oliver006/redis_exporter", tag: "v1.86.0" },
} as const;

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
export const EXPORTER_PORT = 9121;
export const HAPROXY_METRICS_PORT = 9101;
/** Sentinel's name for the replicated set (Sentinel-aware clients ask for the master by it). */
export const MASTER_SET = "ods";
/** Key of the password in every Secret this component writes. */
export const PASSWORD_KEY = "password";
/** Key of args.namespace's own entry in `passwordSecret`. */
export const OWN_NAMESPACE_KEY = "data";

/** Small fixed resources of the helper containers (the Redis container takes args.resources). */
export const HELPER_RESOURCES = {
  sentinel: { requests: { cpu: "25m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  splitBrain: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
  init: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "64Mi" } },
  exporter: { requests: { cpu: "25m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  haproxy: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
} as const satisfies Record<string, ContainerResources>;

/** Share of the container's memory limit Redis may fill with data; the rest covers fork copy-on-write during RDB/AOF rewrites. */
export const MAXMEMORY_SHARE = 0.7;
/** The chart appends up to 27 characters ("-exporter-script-configmap") to its full name. */
export const MAX_FULLNAME = 36;
export const MAX_REPLICAS = 7;

export interface RedisArgs {
  namespace: pulumi.Input<string>;
  /** 1 = single instance without Sentinel failover; 3 to 7 = one master and replicas with Sentinel failover behind HAProxy. */
  replicas: number;
  /** Volume of each Redis server (a quantity such as "8Gi"). */
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  /** Resources of the Redis container; its memory limit also sets `maxmemory` (MAXMEMORY_SHARE of it). */
  resources: ContainerResources;
  /** Namespaces (by a short key such as "apps") that get a copy of the password Secret for their clients. The key "data" is reserved for args.namespace. */
  clientNamespaces: Record<string, pulumi.Input<string>>;
  /** Namespace of Prometheus, allowed to scrape the exporter (and HAProxy) through the default deny. */
  monitoringNamespace: pulumi.Input<string>;
  /** HAProxy replicas in front of a replicated set (2 or more). Default 3 (one per zone). Ignored when replicas is 1. */
  haproxyReplicas?: number;
}

/** Names, counts and settings derived from the arguments; throws on arguments no deployment should get. */
export interface RedisPlan {
  /** The chart's full name: prefix of every object it renders (also the Helm release name). */
  fullname: string;
  /** Name of the password Secret, the same in every namespace. */
  secretName: string;
  replicas: number;
  ha: boolean;
  haproxyReplicas: number;
  /** Sentinels that must agree a master is down. */
  quorum: number;
  /** `maxmemory` in redis.conf, e.g. "716mb". */
  maxmemory: string;
  /** Service clients use: HAProxy (HA) or the chart's headless Service (single). */
  clientService: string;
  /** Service whose DNS name resolves to every Sentinel (HA only). */
  sentinelService?: string;
  /** Pod labels of the Redis servers and of HAProxy (the chart's own). */
  serverLabels: Record<string, string>;
  haproxyLabels: Record<string, string>;
}

export function redisPlan(name: string, args: Pick<RedisArgs, "replicas" | "resources" | "clientNamespaces" | "haproxyReplicas" | "volumeSize">): RedisPlan {
  const n = args.replicas;
  if (!Number.isInteger(n) || n < 1 || n === 2 || n > MAX_REPLICAS) {
    throw new Error(`Redis "${name}": replicas is ${n}; allowed: 1 (single instance) or 3 to ${MAX_REPLICAS} (Sentinel needs a majority of at least 3 servers)`);
  }
  const ha = n > 1;
  const haproxyReplicas = args.haproxyReplicas ?? 3;
  if (!Number.isInteger(haproxyReplicas) || haproxyReplicas < 2 || haproxyReplicas > 10) {
    throw new Error(`Redis "${name}": haproxyReplicas is ${haproxyReplicas}; allowed: 2 to 10`);
  }
  if (OWN_NAMESPACE_KEY in args.clientNamespaces) {
    throw new Error(`Redis "${name}": clientNamespaces has the key "${OWN_NAMESPACE_KEY}", which names the Redis namespace's own Secret; allowed: any other key`);
  }
  const size = quantityValue(args.volumeSize);
  if (size === undefined || size <= 0) throw new Error(`Redis "${name}": volumeSize is "${args.volumeSize}"; allowed: a positive quantity such as "8Gi"`);
  const limit = quantityValue(args.resources.limits.memory);
  if (limit === undefined || limit < 64 * 2 ** 20) {
    throw new Error(`Redis "${name}": resources.limits.memory is "${args.resources.limits.memory}"; allowed: a quantity of at least 64Mi`);
  }
  const fullname = k8sName(name);
  if (fullname.length > MAX_FULLNAME) {
    throw new Error(`Redis "${name}": the name makes object names too long ("${fullname}", ${fullname.length} characters); allowed: at most ${MAX_FULLNAME}`);
  }
  return {
    fullname,
    secretName: `${fullname}-auth`,
    replicas: n,
    ha,
    haproxyReplicas,
    quorum: Math.floor(n / 2) + 1,
    maxmemory: `${Math.floor((limit * MAXMEMORY_SHARE) / 2 ** 20)}mb`,
    clientService: ha ? `${fullname}-haproxy` : fullname,
    sentinelService: ha ? fullname : undefined,
    serverLabels: { app: "redis-ha", release: fullname },
    haproxyLabels: { app: "redis-ha-haproxy", release: fullname },
  };
}

/** Helm values for redis-ha (pure). The password is never here: the chart reads it from `existingSecret`. */
export function redisValues(plan: RedisPlan, args: Pick<RedisArgs, "namespace" | "volumeSize" | "storageClass" | "resources">): Record<string, unknown> {
  const ha = plan.ha;
  const serviceMonitor = { enabled: true, interval: "30s", disableAPICheck: true };
  // The exporter's /health answers without querying Redis; the chart's default probes /metrics, a full scrape every 15 s.
  const probeHealth = { path: "/health", port: EXPORTER_PORT };
  return {
    fullnameOverride: plan.fullname,
    replicas: plan.replicas,
    image: { ...REDIS_IMAGES.redis, pullPolicy: "IfNotPresent" },
    auth: true,
    existingSecret: plan.secretName,
    authKey: PASSWORD_KEY,
    redis: {
      port: REDIS_PORT,
      masterGroupName: MASTER_SET,
      resources: args.resources,
      config: {
        // A lone master has no replica to wait for; with replicas, refusing writes that no replica sees limits what a failover can lose.
        "min-replicas-to-write": ha ? 1 : 0,
        "min-replicas-max-lag": 5,
        maxmemory: plan.maxmemory,
        // Evicts only keys with a TTL (caches); keys without one (queues, sessions) are never dropped: writes fail instead.
        "maxmemory-policy": "volatile-lru",
        // RDB snapshots (Redis' own defaults) for backups, plus the append-only file for at most a second of loss on restart.
        save: "3600 1 300 100 60 10000",
        appendonly: "yes",
        appendfsync: "everysec",
        "repl-diskless-sync": "yes",
        rdbcompression: "yes",
        rdbchecksum: "yes",
      },
    },
    sentinel: {
      port: SENTINEL_PORT,
      quorum: plan.quorum,
      // Sentinel takes the same password, so nobody without it can reconfigure or fail over the set.
      auth: true,
      existingSecret: plan.secretName,
      authKey: PASSWORD_KEY,
      resources: HELPER_RESOURCES.sentinel,
    },
    splitBrainDetection: { resources: HELPER_RESOURCES.splitBrain },
    init: { resources: HELPER_RESOURCES.init },
    persistentVolume: { enabled: true, size: args.volumeSize, storageClass: args.storageClass, accessModes: ["ReadWriteOnce"] },
    // A single pod has nothing to keep apart; "{}" replaces the chart's anti-affinity block.
    ...(ha ? { hardAntiAffinity: true } : { affinity: "{}" }),
    topologySpreadConstraints: ha
      ? { enabled: true, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }
      : { enabled: false },
    podDisruptionBudget: ha ? { maxUnavailable: 1 } : {},
    serviceAccount: { create: true, automountToken: false },
    exporter: {
      enabled: true,
      image: REDIS_IMAGES.exporter.repository,
      tag: REDIS_IMAGES.exporter.tag,
      port: EXPORTER_PORT,
      resources: HELPER_RESOURCES.exporter,
      serviceMonitor,
      livenessProbe: { httpGet: probeHealth, initialDelaySeconds: 15, timeoutSeconds: 3, periodSeconds: 15 },
      readinessProbe: { httpGet: probeHealth, initialDelaySeconds: 15, timeoutSeconds: 3, periodSeconds: 15, successThreshold: 2 },
    },
    prometheusRule: { enabled: true, namespace: args.namespace, interval: "30s", rules: redisAlerts(plan) },
    // The kit writes its own NetworkPolicies (ingress only; the chart's also restrict egress).
    networkPolicy: { enabled: false },
    haproxy: ha
      ? {
          enabled: true,
          replicas: plan.haproxyReplicas,
          image: { ...REDIS_IMAGES.haproxy, pullPolicy: "IfNotPresent" },
          resources: HELPER_RESOURCES.haproxy,
          init: { resources: HELPER_RESOURCES.init },
          hardAntiAffinity: true,
          podDisruptionBudget: { maxUnavailable: 1 },
          serviceAccount: { create: true, automountToken: false },
          metrics: { enabled: true, port: HAPROXY_METRICS_PORT, serviceMonitor },
          networkPolicy: { enabled: false },
        }
      : { enabled: false },
  };
}

/**
 * Alerts on the exporter's metrics (pure). The ServiceMonitor's job is the chart's Service, named
 * after the full name. Plain-text annotations: the chart passes the rules through `tpl`.
 */
export function redisAlerts(plan: RedisPlan): Record<string, unknown>[] {
  const job = `job="${plan.fullname}"`;
  const alert = (name: string, expr: string, forTime: string, severity: string, summary: string) => ({ alert: name, expr, for: forTime, labels: { severity }, annotations: { summary } });
  const rules = [
    alert("RedisDown", `redis_up{${job}} == 0`, "2m", "critical", `A Redis server of ${plan.fullname} does not answer its exporter.`),
    alert(
      "RedisMemoryNearMaxmemory",
      `redis_memory_used_bytes{${job}} / (redis_memory_max_bytes{${job}} > 0) > 0.9`,
      "10m",
      "warning",
      `A Redis server of ${plan.fullname} uses over 90% of maxmemory; keys with a TTL are being evicted and writes of other keys will fail.`,
    ),
    alert(
      "RedisRejectedConnections",
      `increase(redis_rejected_connections_total{${job}}[5m]) > 0`,
      "0m",
      "warning",
      `A Redis server of ${plan.fullname} rejected connections (maxclients reached).`,
    ),
  ];
  if (plan.ha) {
    rules.push(
      alert(
        "RedisMasterCount",
        `(count(redis_instance_info{${job},role="master"}) or vector(0)) != 1`,
        "2m",
        "critical",
        `${plan.fullname} does not have exactly one master (failover stuck or split brain).`,
      ),
      alert(
        "RedisReplicasMissing",
        `max(redis_connected_slaves{${job}}) < ${plan.replicas - 1}`,
        "10m",
        "warning",
        `The master of ${plan.fullname} has fewer than ${plan.replicas - 1} connected replicas.`,
      ),
    );
  }
  return rules;
}


/**
 * Ingress rules through the namespace's default deny (pure): clients (args.namespace and every client
 * namespace) on Redis and Sentinel (Sentinel-aware clients connect to the master they are told about),
 * replication and Sentinel gossip between the servers, HAProxy's checks, and Prometheus on the exporter.
 */
export function redisIngress(plan: RedisPlan, namespaces: { own: pulumi.Input<string>; clients: pulumi.Input<string>[]; monitoring: pulumi.Input<string> }) {
  const clients = [namespacePeer(namespaces.own), ...namespaces.clients.map(namespacePeer)];
  const clientPorts = plan.ha ? tcpPorts(REDIS_PORT, SENTINEL_PORT) : tcpPorts(REDIS_PORT);
  const server = [
    { from: clients, ports: clientPorts },
    { from: [{ podSelector: { matchLabels: plan.serverLabels } }], ports: tcpPorts(REDIS_PORT, SENTINEL_PORT) },
    ...(plan.ha ? [{ from: [{ podSelector: { matchLabels: plan.haproxyLabels } }], ports: tcpPorts(REDIS_PORT, SENTINEL_PORT) }] : []),
    { from: [namespacePeer(namespaces.monitoring)], ports: tcpPorts(EXPORTER_PORT) },
  ];
  const haproxy = plan.ha
    ? [
        { from: clients, ports: tcpPorts(REDIS_PORT) },
        { from: [namespacePeer(namespaces.monitoring)], ports: tcpPorts(HAPROXY_METRICS_PORT) },
      ]
    : undefined;
  return { server, haproxy };
}

export class Redis extends pulumi.ComponentResource {
  /** In-cluster DNS name of the current master: HAProxy (HA) or the single instance's Service. */
  readonly host: pulumi.Output<string>;
  readonly port = REDIS_PORT;
  /** Sentinel for Sentinel-aware clients (replicated sets only). */
  readonly sentinel?: { host: pulumi.Output<string>; port: number; masterSet: string };
  /** Name of the Secret (key `password`) per namespace key: "data" for args.namespace, then each client namespace's key. */
  readonly passwordSecret: Record<string, pulumi.Output<string>>;
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:Redis", name, {}, opts);
    const plan = redisPlan(name, args);
    const labels = standardLabels("redis", name, "auth");

    // Letters and digits only: the chart's init script splices the password into redis.conf with sed.
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    const secretData = { [PASSWORD_KEY]: pulumi.secret(password.result) };
    const own = new k8s.core.v1.Secret(`${name}-auth`, {
      metadata: { name: plan.secretName, namespace: args.namespace, labels },
      type: "Opaque",
      stringData: secretData,
    }, { parent: this });
    const copies = Object.entries(args.clientNamespaces).map(([key, ns]) => [
      key,
      new k8s.core.v1.Secret(`${name}-auth-${key}`, {
        metadata: { name: plan.secretName, namespace: ns, labels },
        type: "Opaque",
        stringData: secretData,
      }, { parent: this }),
    ] as const);
    this.passwordSecret = Object.fromEntries([[OWN_NAMESPACE_KEY, own.metadata.name], ...copies.map(([key, s]) => [key, s.metadata.name])]);

    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: REDIS_HA_CHART.chart,
      version: REDIS_HA_CHART.version,
      repositoryOpts: { repo: REDIS_HA_CHART.repo },
      name: plan.fullname,
      namespace: args.namespace,
      values: redisValues(plan, args),
    }, { parent: this, dependsOn: [own] });

    const ingress = redisIngress(plan, { own: args.namespace, clients: Object.values(args.clientNamespaces), monitoring: args.monitoringNamespace });
    new k8s.networking.v1.NetworkPolicy(`${name}-server`, {
      metadata: { name: `${plan.fullname}-server`, namespace: args.namespace, labels: standardLabels("redis", name, "server") },
      spec: { podSelector: { matchLabels: plan.serverLabels }, policyTypes: ["Ingress"], ingress: ingress.server },
    }, { parent: this });
    if (ingress.haproxy) {
      new k8s.networking.v1.NetworkPolicy(`${name}-haproxy`, {
        metadata: { name: `${plan.fullname}-haproxy`, namespace: args.namespace, labels: standardLabels("redis", name, "haproxy") },
        spec: { podSelector: { matchLabels: plan.haproxyLabels }, policyTypes: ["Ingress"], ingress: ingress.haproxy },
      }, { parent: this });
    }

    this.host = pulumi.interpolate`${plan.clientService}.${args.namespace}.svc.cluster.local`;
    if (plan.sentinelService) {
      this.sentinel = { host: pulumi.interpolate`${plan.sentinelService}.${args.namespace}.svc.cluster.local`, port: SENTINEL_PORT, masterSet: MASTER_SET };
    }
    this.registerOutputs({ host: this.host, port: this.port, sentinel: this.sentinel, passwordSecret: this.passwordSecret });
  }
}
