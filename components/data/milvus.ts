// Milvus (chart 5.0.19, Milvus 2.6.15) on the platform's object store: standalone or cluster mode, its own
// etcd (3 members where replicated), the Woodpecker WAL in the object store, root password from a Secret,
// ServiceMonitor on.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ACCESS_KEY_ID_KEY, ContainerResources, ObjectStoreHandle, SECRET_ACCESS_KEY_KEY } from "./contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { quantityValue } from "../lib/quantity";
import { namespacePeer, tcpPorts } from "../lib/network";

export const MILVUS_CHART = {
  chart: "milvus",
  version: "5.0.19",
  repo: "https://zilliztech.github.io/milvus-helm/",
} as const;

/** Images, pinned; both from docker.io/milvusdb (the chart's etcd default is Milvus' own build, not Bitnami's). */
export const MILVUS_IMAGE = { repository: "milvusdb/milvus", tag: "v2.6.15" } as const;
export const ETCD_IMAGE = { repository: "milvusdb/etcd", tag: "3.5.25-r1" } as const;

export const MILVUS_PORTS = { grpc: 19530, metrics: 9091, etcdClient: 2379, etcdPeer: 2380 } as const;

/** Keys of the Secret holding the root credentials (clients log in with `username:password`). */
export const AUTH_SECRET_KEYS = { username: "username", password: "password" } as const;
export const ROOT_USER = "root";

/**
 * Environment variables Milvus maps onto config keys: its env source lower-cases the name and drops `_`,
 * `.` and `/` (MINIO_ACCESS_KEY_ID -> minioaccesskeyid == minio.accessKeyID), and outranks the yaml files.
 */
export const MILVUS_ENV = {
  accessKeyId: "MINIO_ACCESS_KEY_ID",
  secretAccessKey: "MINIO_SECRET_ACCESS_KEY",
  rootPassword: "COMMON_SECURITY_DEFAULTROOTPASSWORD",
} as const;

/** Replicas of every stateless role in cluster mode. */
export const CLUSTER_REPLICAS = 2;
/** etcd members: one beside standalone, three (a quorum that survives one loss) beside a cluster. */
export const ETCD_MEMBERS = { standalone: 1, cluster: 3 } as const;
export const ETCD_VOLUME_SIZE = "10Gi";

const res = (cpu: string, memory: string, limitMemory: string): ContainerResources => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });

/** Fixed sizes of the roles that args.resources does not size (args.resources: standalone, query and streaming nodes). */
export const FIXED_RESOURCES = {
  proxy: res("250m", "512Mi", "2Gi"),
  mixCoordinator: res("250m", "512Mi", "2Gi"),
  // Data nodes build indexes and compact segments (index nodes are merged into them in 2.6).
  dataNode: res("500m", "1Gi", "4Gi"),
  // Backend quota is 4 GiB (chart default ETCD_QUOTA_BACKEND_BYTES); Milvus' metadata stays far below.
  etcd: res("250m", "512Mi", "2Gi"),
} as const;

/** Cluster roles that run (2.6: coordinators merged into mixCoord, index nodes into data nodes). */
export const CLUSTER_ROLES = ["proxy", "mixCoordinator", "queryNode", "dataNode", "streamingNode"] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];
/** The `component` pod label the chart gives each role. */
export const ROLE_COMPONENT: Record<ClusterRole | "standalone", string> = {
  standalone: "standalone",
  proxy: "proxy",
  mixCoordinator: "mixcoord",
  queryNode: "querynode",
  dataNode: "datanode",
  streamingNode: "streamingnode",
};

export interface MilvusArgs {
  namespace: pulumi.Input<string>;
  /** "standalone" (one pod, one etcd member) or "cluster" (every role twice, three etcd members, PDBs, spread). */
  mode: "standalone" | "cluster";
  /** Standalone: the pod's local volume (segment cache, index files). Unused in cluster mode, where every role is stateless. */
  volumeSize: string;
  /** StorageClass of the standalone volume and of etcd's volumes. */
  storageClass: pulumi.Input<string>;
  /** Standalone pod; in cluster mode each query node and streaming node. Other roles use FIXED_RESOURCES. */
  resources: ContainerResources;
  /** The store and the consumer name Milvus uses in it (bucket `milvus`). */
  objectStore: ObjectStoreHandle;
  consumer: string;
  monitoringNamespace: pulumi.Input<string>;
  /** Namespaces besides Milvus' own whose pods may call 19530 (the apps and model layers). Default: none. */
  clientNamespaces?: pulumi.Input<string>[];
}

/** What the values need, as plain inputs (Outputs in the component, strings in tests). */
export interface MilvusValuesInput {
  mode: "standalone" | "cluster";
  resources: ContainerResources;
  storageClass: pulumi.Input<string>;
  store: {
    kind: "minio" | "s3";
    /** Host without scheme or port. */
    host: pulumi.Input<string>;
    port: number;
    useTls: boolean;
    pathStyle: boolean;
    region: string;
    bucket: pulumi.Input<string>;
  };
  /** The consumer's access: an IAM role (S3) or a credentials Secret (MinIO). */
  access: { serviceAccount: string; roleArn?: pulumi.Input<string>; credentialsSecret?: pulumi.Input<string> };
  /** Name of the Secret with the root password (key AUTH_SECRET_KEYS.password). */
  authSecret: pulumi.Input<string>;
  /** Standalone: the PVC the component owns (the chart then creates none). */
  dataClaim?: pulumi.Input<string>;
}

/** Checks the arguments; throws naming the argument, the value and what is allowed (pure). */
export function validateMilvusArgs(args: Pick<MilvusArgs, "mode" | "consumer" | "objectStore" | "volumeSize">): void {
  if (args.mode !== "standalone" && args.mode !== "cluster") throw new Error(`Milvus: args.mode is ${JSON.stringify(args.mode)}; allowed: "standalone" or "cluster"`);
  const access = args.objectStore.access[args.consumer];
  if (!access) {
    throw new Error(`Milvus: args.consumer ${JSON.stringify(args.consumer)} has no access in the object store; allowed: one of ${Object.keys(args.objectStore.access).join(", ") || "(none declared)"}`);
  }
  if (args.objectStore.kind === "s3" && !access.roleArn) throw new Error(`Milvus: consumer ${args.consumer} has no IAM role on S3; Milvus uses IAM (useIAM) there, never keys`);
  if (args.objectStore.kind === "minio" && !access.credentialsSecret) throw new Error(`Milvus: consumer ${args.consumer} has no credentials Secret on MinIO`);
  const bytes = quantityValue(args.volumeSize);
  if (bytes === undefined || bytes <= 0) throw new Error(`Milvus: args.volumeSize ${JSON.stringify(args.volumeSize)} is not a size; allowed: a quantity such as 20Gi or 20G`);
}

/** `host:port` -> `host` (the MinIO handle carries the port in its host). */
export function hostOnly(host: string): string {
  return host.replace(/:\d+$/, "");
}

const secretEnv = (name: string, secret: pulumi.Input<string>, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** Every Milvus container's secret env: the root password, and on MinIO the consumer's keys (never in values). */
export function milvusSecretEnv(v: Pick<MilvusValuesInput, "store" | "access" | "authSecret">): Record<string, unknown>[] {
  const env = [secretEnv(MILVUS_ENV.rootPassword, v.authSecret, AUTH_SECRET_KEYS.password)];
  if (v.store.kind === "minio") {
    if (!v.access.credentialsSecret) throw new Error("Milvus: MinIO needs the consumer's credentials Secret");
    env.push(secretEnv(MILVUS_ENV.accessKeyId, v.access.credentialsSecret, ACCESS_KEY_ID_KEY), secretEnv(MILVUS_ENV.secretAccessKey, v.access.credentialsSecret, SECRET_ACCESS_KEY_KEY));
  }
  return env;
}

/** Preferred anti-affinity over nodes and zone spread for one role's pods (cluster mode). */
function spreadOf(releaseName: string, component: string) {
  const labelSelector = { matchLabels: { "app.kubernetes.io/name": "milvus", "app.kubernetes.io/instance": releaseName, component } };
  return {
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector } }] } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector }],
  };
}

/** The Milvus config overrides (user.yaml): authentication on, Woodpecker as the WAL in both modes. */
export const USER_YAML = ["common:", "  security:", "    authorizationEnabled: true", "mq:", "  type: woodpecker", ""].join("\n");

/** Helm values for the chart (pure, so tests check them without a cluster). */
export function milvusValues(releaseName: string, v: MilvusValuesInput): Record<string, unknown> {
  const cluster = v.mode === "cluster";
  const env = milvusSecretEnv(v);
  const s3 = v.store.kind === "s3";
  if (s3 && !v.access.roleArn) throw new Error("Milvus: S3 needs the consumer's IAM role (useIAM)");
  if (!cluster && !v.dataClaim) throw new Error("Milvus: standalone needs its data claim");

  const role = (r: ClusterRole, resources: ContainerResources) => ({
    enabled: true,
    replicas: CLUSTER_REPLICAS,
    resources,
    extraEnv: env,
    ...spreadOf(releaseName, ROLE_COMPONENT[r]),
  });

  const values: Record<string, unknown> = {
    cluster: { enabled: cluster },
    image: { all: { repository: MILVUS_IMAGE.repository, tag: MILVUS_IMAGE.tag, pullPolicy: "IfNotPresent" } },
    // The image runs as root by default; every Milvus container runs as uid 1000 here.
    securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
    serviceAccount: {
      create: true,
      name: v.access.serviceAccount,
      ...(s3 ? { annotations: { "eks.amazonaws.com/role-arn": v.access.roleArn } } : {}),
    },
    metrics: { enabled: true, serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "10s" } },
    extraConfigFiles: { "user.yaml": USER_YAML },
    log: { level: "info", format: "json" },
    attu: { enabled: false },
    tei: { enabled: false },
    cdc: { enabled: false },

    // The platform's object store, never the chart's MinIO; keys (MinIO only) come from env, not from here.
    minio: { enabled: false },
    externalS3: {
      enabled: true,
      host: v.store.host,
      port: String(v.store.port),
      useSSL: v.store.useTls,
      bucketName: v.store.bucket,
      rootPath: "files",
      useIAM: s3,
      cloudProvider: "aws",
      region: v.store.region,
      useVirtualHost: !v.store.pathStyle,
      accessKey: "",
      secretKey: "",
    },
    // Woodpecker embedded in the Milvus processes, its log segments in the same bucket: no queue service.
    streaming: { enabled: true, woodpecker: { embedded: true, storage: { type: "minio" } } },
    woodpecker: { enabled: false },
    pulsarv3: { enabled: false },
    pulsar: { enabled: false },
    kafka: { enabled: false },

    etcd: {
      enabled: true,
      replicaCount: cluster ? ETCD_MEMBERS.cluster : ETCD_MEMBERS.standalone,
      image: { registry: "docker.io", repository: ETCD_IMAGE.repository, tag: ETCD_IMAGE.tag, pullPolicy: "IfNotPresent" },
      resources: FIXED_RESOURCES.etcd,
      persistence: { enabled: true, storageClass: v.storageClass, size: ETCD_VOLUME_SIZE },
      persistentVolumeClaimRetentionPolicy: { enabled: true, whenDeleted: "Retain", whenScaled: "Retain" },
      podSecurityContext: { enabled: true, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
      containerSecurityContext: { enabled: true, runAsUser: 1001, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
      volumePermissions: { enabled: false },
      // 51 % of 3 = 2 must stay up: one member may be drained at a time.
      pdb: { create: cluster, minAvailable: "51%" },
      podAntiAffinityPreset: "soft",
      ...(cluster
        ? {
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": releaseName } } },
            ],
          }
        : {}),
    },
  };

  if (cluster) {
    Object.assign(values, {
      standalone: { extraEnv: env },
      proxy: { ...role("proxy", FIXED_RESOURCES.proxy), http: { enabled: true } },
      // Two coordinators: one active, one standby that takes over (needs active-standby).
      mixCoordinator: { ...role("mixCoordinator", FIXED_RESOURCES.mixCoordinator), activeStandby: { enabled: true } },
      queryNode: role("queryNode", v.resources),
      dataNode: role("dataNode", FIXED_RESOURCES.dataNode),
      streamingNode: role("streamingNode", v.resources),
      indexNode: { enabled: false },
      rootCoordinator: { enabled: false },
      queryCoordinator: { enabled: false },
      indexCoordinator: { enabled: false },
      dataCoordinator: { enabled: false },
      // Non-root: the image's /var/lib/milvus belongs to root, so every role gets a writable scratch volume there.
      volumes: [{ name: "milvus-local", emptyDir: {} }],
      volumeMounts: [{ name: "milvus-local", mountPath: "/var/lib/milvus" }],
    });
  } else {
    values.standalone = {
      resources: v.resources,
      extraEnv: env,
      messageQueue: "woodpecker",
      persistence: { enabled: true, persistentVolumeClaim: { existingClaim: v.dataClaim } },
    };
  }
  return values;
}

/** NetworkPolicy specs (pure): clients on 19530, Prometheus on 9091, Milvus pods to each other, Milvus to etcd. */
export function milvusNetworkPolicies(
  releaseName: string,
  mode: "standalone" | "cluster",
  peers: { monitoringNamespace: pulumi.Input<string>; clientNamespaces: pulumi.Input<string>[] },
): { role: string; spec: k8s.types.input.networking.v1.NetworkPolicySpec }[] {
  const milvus = { "app.kubernetes.io/name": "milvus", "app.kubernetes.io/instance": releaseName };
  const etcd = { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": releaseName };
  const entry = { ...milvus, component: mode === "cluster" ? ROLE_COMPONENT.proxy : ROLE_COMPONENT.standalone };
  return [
    {
      role: "clients",
      spec: {
        podSelector: { matchLabels: entry },
        policyTypes: ["Ingress"],
        // Own namespace (the data API) and the declared client namespaces.
        ingress: [{ from: [{ podSelector: {} }, ...peers.clientNamespaces.map(namespacePeer)], ports: tcpPorts(MILVUS_PORTS.grpc) }],
      },
    },
    {
      role: "metrics",
      spec: { podSelector: { matchLabels: milvus }, policyTypes: ["Ingress"], ingress: [{ from: [namespacePeer(peers.monitoringNamespace)], ports: tcpPorts(MILVUS_PORTS.metrics) }] },
    },
    {
      role: "peers",
      spec: { podSelector: { matchLabels: milvus }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: { matchLabels: milvus } }] }] },
    },
    {
      role: "etcd",
      spec: {
        podSelector: { matchLabels: etcd },
        policyTypes: ["Ingress"],
        ingress: [
          { from: [{ podSelector: { matchLabels: milvus } }], ports: tcpPorts(MILVUS_PORTS.etcdClient) },
          { from: [{ podSelector: { matchLabels: etcd } }], ports: tcpPorts(MILVUS_PORTS.etcdClient, MILVUS_PORTS.etcdPeer) },
        ],
      },
    },
  ];
}

/** The component's own dependsOn (the store's buckets and users), which its children do not inherit. */
function outerDependsOn(opts?: pulumi.ComponentResourceOptions): pulumi.Input<pulumi.Resource>[] {
  const d = opts?.dependsOn;
  if (d === undefined) return [];
  return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}

export class Milvus extends pulumi.ComponentResource {
  /** http://<release>.<ns>.svc.cluster.local:19530 (gRPC and the v2 REST API). */
  readonly endpoint: pulumi.Output<string>;
  readonly port = MILVUS_PORTS.grpc;
  /** Name of the Secret (in Milvus' namespace) with the root `username` and `password`. */
  readonly authSecret: pulumi.Output<string>;
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: MilvusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:Milvus", name, {}, opts);
    validateMilvusArgs(args);
    // The release name names every object; it contains "milvus", so the chart uses it as its full name.
    const release = k8sName(name.includes("milvus") ? name : `${name}-milvus`);
    const labels = standardLabels("milvus", release, "vector-db");
    const access = args.objectStore.access[args.consumer];
    const store = args.objectStore;

    // Milvus creates `root` with this password on its first start (and never changes it later).
    const password = new random.RandomPassword(`${name}-root-password`, { length: 32, special: false }, { parent: this });
    const auth = new k8s.core.v1.Secret(`${name}-auth`, {
      metadata: { name: k8sName(release, "auth"), namespace: args.namespace, labels },
      type: "Opaque",
      stringData: { [AUTH_SECRET_KEYS.username]: ROOT_USER, [AUTH_SECRET_KEYS.password]: pulumi.secret(password.result) },
    }, { parent: this });

    let dataClaim: k8s.core.v1.PersistentVolumeClaim | undefined;
    if (args.mode === "standalone") {
      dataClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
        metadata: { name: k8sName(release, "data"), namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": "standalone" } },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClass, resources: { requests: { storage: args.volumeSize } } },
      }, { parent: this, retainOnDelete: true });
    }

    const values = milvusValues(release, {
      mode: args.mode,
      resources: args.resources,
      storageClass: args.storageClass,
      store: { kind: store.kind, host: store.host.apply(hostOnly), port: store.port, useTls: store.useTls, pathStyle: store.pathStyle, region: store.region, bucket: store.buckets.milvus },
      access: { serviceAccount: access.serviceAccount, roleArn: access.roleArn, credentialsSecret: access.credentialsSecret },
      authSecret: auth.metadata.name,
      dataClaim: dataClaim?.metadata.name,
    });

    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: MILVUS_CHART.chart,
      version: MILVUS_CHART.version,
      repositoryOpts: { repo: MILVUS_CHART.repo },
      name: release,
      namespace: args.namespace,
      values,
    }, { parent: this, dependsOn: [...outerDependsOn(opts), auth, ...(dataClaim ? [dataClaim] : [])] });

    for (const p of milvusNetworkPolicies(release, args.mode, { monitoringNamespace: args.monitoringNamespace, clientNamespaces: args.clientNamespaces ?? [] })) {
      new k8s.networking.v1.NetworkPolicy(`${name}-allow-${p.role}`, {
        metadata: { name: k8sName(release, "allow", p.role), namespace: args.namespace, labels },
        spec: p.spec,
      }, { parent: this });
    }

    // The chart renders no PDB for Milvus' own roles; etcd's comes from its subchart.
    if (args.mode === "cluster") {
      for (const r of CLUSTER_ROLES) {
        const component = ROLE_COMPONENT[r];
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb-${component}`, {
          metadata: { name: k8sName(release, component), namespace: args.namespace, labels: { ...labels, "app.kubernetes.io/component": component } },
          spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "milvus", "app.kubernetes.io/instance": release, component } } },
        }, { parent: this });
      }
    }

    this.endpoint = pulumi.interpolate`http://${release}.${args.namespace}.svc.cluster.local:${MILVUS_PORTS.grpc}`;
    this.authSecret = auth.metadata.name;
    this.registerOutputs({ endpoint: this.endpoint, port: this.port, authSecret: this.authSecret, release });
  }
}
