// MinIO in the cluster: the kit's own StatefulSet (standalone or distributed with erasure coding), root
// credentials generated into a Secret, metrics, and buckets/users/policies through @pulumi/minio.
import * as k8s from "@pulumi/kubernetes";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { k8sName, standardLabels } from "../lib/naming";
import { AdminEndpoint } from "./adminEndpoint";
import { ACCESS_KEY_ID_KEY, BUCKET_ROLES, BucketRole, ContainerResources, ObjectStoreConsumer, SECRET_ACCESS_KEY_KEY, VERSIONED_BUCKETS } from "./contracts";
import { bucketNames, MinioSettings, ObjectStoreArgs, StoreParts } from "./objectStore";
import { namespacePeer, tcpPorts } from "../lib/network";

/** S3 API port (also the metrics and the inter-node port). */
export const MINIO_PORT = 9000;
/** Web console port: not exposed by any Service, reachable with `kubectl port-forward` only. */
export const MINIO_CONSOLE_PORT = 9001;
/** MinIO's default region; the kit does not set MINIO_REGION, so clients sign for this one. */
export const MINIO_REGION = "us-east-1";
/** Where each server's volume is mounted. */
export const DATA_DIR = "/data";
/** Most servers one erasure-coded pool of this kit may have. */
export const MAX_SERVERS = 32;
/** Pod security: the image has no numeric USER, so the kit picks one (and the volume's group). */
export const MINIO_UID = 1000;
/** Keys of the root credentials Secret. */
export const ROOT_USER_KEY = "rootUser";
export const ROOT_PASSWORD_KEY = "rootPassword";
/** Metrics paths scraped by the ServiceMonitor (public: MINIO_PROMETHEUS_AUTH_TYPE=public). */
export const METRICS_PATHS = { cluster: "/minio/v2/metrics/cluster", node: "/minio/v2/metrics/node" } as const;
/** StatefulSet names longer than this break the pods' controller-revision-hash label (63 characters). */
const MAX_STATEFULSET_NAME = 52;

export type MinioMode = "standalone" | "distributed";

/** standalone for 1 server, distributed for 4 to 32; anything else throws naming the argument (pure). */
export function minioMode(servers: number): MinioMode {
  if (servers === 1) return "standalone";
  if (Number.isInteger(servers) && servers >= 4 && servers <= MAX_SERVERS) return "distributed";
  throw new Error(
    `ObjectStore: args.minio.servers is ${servers}; allowed: 1 (standalone) or 4 to ${MAX_SERVERS} (distributed: erasure coding needs at least 4 drives)`,
  );
}

/** Kubernetes object names of one MinIO instance (pure). */
export interface MinioNames {
  statefulSet: string;
  /** Headless Service: stable DNS for every pod (the distributed endpoints). */
  headless: string;
  /** ClusterIP Service of the S3 API. */
  service: string;
  /** Service of the route `pulumi up` takes (NodePort or internal NLB). */
  adminService: string;
  /** ClusterIP Service of the web console (the edge gateway publishes it). */
  console: string;
  rootSecret: string;
}

export function minioNames(name: string): MinioNames {
  const statefulSet = k8sName(name);
  if (statefulSet.length > MAX_STATEFULSET_NAME) {
    throw new Error(`ObjectStore: name ${JSON.stringify(name)} gives the StatefulSet name ${statefulSet} (${statefulSet.length} characters); allowed: at most ${MAX_STATEFULSET_NAME}`);
  }
  return {
    statefulSet,
    headless: k8sName(name, "hl"),
    service: statefulSet,
    adminService: k8sName(name, "admin"),
    console: k8sName(name, "console"),
    rootSecret: k8sName(name, "root"),
  };
}

/** Labels that select the MinIO pods (pure). */
export function minioSelector(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "minio", "app.kubernetes.io/instance": name };
}

/**
 * The `minio server` arguments (pure). Distributed: one URL per server with MinIO's `{0...N-1}` expansion
 * over the StatefulSet's stable pod names under the headless Service; MinIO erasure-codes across them.
 */
export function minioServerArgs(servers: number, names: Pick<MinioNames, "statefulSet" | "headless">, namespace: string): string[] {
  const common = ["--console-address", `:${MINIO_CONSOLE_PORT}`, "--certs-dir", "/tmp/certs"];
  if (minioMode(servers) === "standalone") return ["server", DATA_DIR, ...common];
  const hosts = `${names.statefulSet}-{0...${servers - 1}}.${names.headless}.${namespace}.svc.cluster.local`;
  return ["server", `http://${hosts}${DATA_DIR}`, ...common];
}

/** Valid S3 bucket names (3-63 characters, lower-case letters, digits, hyphens, dots; no leading/trailing punctuation). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The bucket names, checked against the S3 naming rules (pure). */
export function minioBucketNames(prefix: string): Record<BucketRole, string> {
  const names = bucketNames(prefix);
  for (const [role, bucket] of Object.entries(names)) {
    if (!BUCKET_NAME.test(bucket) || bucket.includes("..")) {
      throw new Error(`ObjectStore: args.bucketPrefix ${JSON.stringify(prefix)} gives the ${role} bucket name ${JSON.stringify(bucket)}; allowed: 3-63 lower-case letters, digits, '-' or '.'`);
    }
  }
  return names;
}

/** Consumers must be distinct and each must use at least one bucket (pure; throws naming the consumer). */
export function checkConsumers(consumers: ObjectStoreConsumer[]): void {
  const seen = new Set<string>();
  for (const c of consumers) {
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(c.name)) throw new Error(`ObjectStore: consumer name ${JSON.stringify(c.name)}; allowed: 2-63 lower-case letters, digits and '-' (it is the MinIO user name)`);
    if (seen.has(c.name)) throw new Error(`ObjectStore: consumer ${c.name} is declared twice; allowed: one entry per consumer`);
    seen.add(c.name);
    if (Object.keys(c.buckets).length === 0) throw new Error(`ObjectStore: consumer ${c.name} uses no bucket; allowed: at least one of ${BUCKET_ROLES.join(", ")}`);
  }
}

/** Actions per access level: on the bucket itself, and on its objects. */
export const POLICY_ACTIONS = {
  read: {
    bucket: ["s3:ListBucket", "s3:GetBucketLocation"],
    object: ["s3:GetObject"],
  },
  readwrite: {
    bucket: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
    object: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
  },
} as const;

/**
 * The IAM policy of one consumer: its buckets with its access level, nothing else (pure). Deleting an object
 * of a versioned bucket only adds a delete marker; no consumer may delete versions (s3:DeleteObjectVersion).
 */
export function consumerPolicy(consumer: Pick<ObjectStoreConsumer, "buckets">, names: Record<BucketRole, string>): { Version: string; Statement: Record<string, unknown>[] } {
  const statements: Record<string, unknown>[] = [];
  for (const role of BUCKET_ROLES) {
    const level = consumer.buckets[role];
    if (!level) continue;
    const actions = POLICY_ACTIONS[level];
    statements.push({ Effect: "Allow", Action: [...actions.bucket], Resource: [`arn:aws:s3:::${names[role]}`] });
    statements.push({ Effect: "Allow", Action: [...actions.object], Resource: [`arn:aws:s3:::${names[role]}/*`] });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** `stringData` of the root credentials Secret (pure; the values are secret Outputs in the program). */
export function rootCredentials<T>(user: T, password: T): Record<string, T> {
  return { [ROOT_USER_KEY]: user, [ROOT_PASSWORD_KEY]: password };
}

/** `stringData` of a consumer's credentials Secret: the AWS SDK's variable names (pure). */
export function consumerCredentials<T>(accessKeyId: T, secretAccessKey: T): Record<string, T> {
  return { [ACCESS_KEY_ID_KEY]: accessKeyId, [SECRET_ACCESS_KEY_KEY]: secretAccessKey };
}

/** Container resources as Kubernetes takes them (pure). */
export function containerResources(r: ContainerResources): { requests: Record<string, string>; limits: Record<string, string> } {
  return { requests: { cpu: r.requests.cpu, memory: r.requests.memory }, limits: { memory: r.limits.memory, ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}) } };
}

/**
 * The StatefulSet spec (pure but for `serverArgs`, which carries the namespace). One PVC per server,
 * retained when the StatefulSet is deleted or scaled down; distributed pods on distinct nodes, spread over zones.
 */
export function minioStatefulSetSpec(p: {
  name: string;
  names: MinioNames;
  settings: Pick<MinioSettings, "image" | "servers" | "volumeSize" | "storageClass" | "resources">;
  serverArgs: pulumi.Input<string[]>;
}): k8s.types.input.apps.v1.StatefulSetSpec {
  const mode = minioMode(p.settings.servers);
  const selector = minioSelector(p.name);
  const labels = { ...standardLabels("minio", p.name, "object-store"), ...selector };
  const secretEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: p.names.rootSecret, key } } });
  const probe = (path: string, failureThreshold: number) => ({
    httpGet: { path, port: "s3", scheme: "HTTP" },
    initialDelaySeconds: 10,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const spread =
    mode === "distributed"
      ? {
          affinity: {
            // One server per node: erasure coding survives a node only if no node holds two of the drives.
            podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" }] },
          },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
        }
      : {};
  return {
    replicas: p.settings.servers,
    serviceName: p.names.headless,
    selector: { matchLabels: selector },
    // Distributed servers wait for each other at start-up: start them all at once.
    podManagementPolicy: "Parallel",
    updateStrategy: { type: "RollingUpdate" },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: MINIO_UID,
          runAsGroup: MINIO_UID,
          fsGroup: MINIO_UID,
          fsGroupChangePolicy: "OnRootMismatch",
          seccompProfile: { type: "RuntimeDefault" },
        },
        ...spread,
        containers: [
          {
            name: "minio",
            image: p.settings.image,
            args: p.serverArgs,
            env: [
              secretEnv("MINIO_ROOT_USER", ROOT_USER_KEY),
              secretEnv("MINIO_ROOT_PASSWORD", ROOT_PASSWORD_KEY),
              { name: "MINIO_PROMETHEUS_AUTH_TYPE", value: "public" },
            ],
            ports: [
              { name: "s3", containerPort: MINIO_PORT, protocol: "TCP" },
              { name: "console", containerPort: MINIO_CONSOLE_PORT, protocol: "TCP" },
            ],
            livenessProbe: probe("/minio/health/live", 3),
            readinessProbe: probe("/minio/health/ready", 3),
            resources: containerResources(p.settings.resources),
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [
              { name: "data", mountPath: DATA_DIR },
              // The root filesystem is read-only; MinIO creates its (empty) certs directory here.
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: selector },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: p.settings.storageClass,
          resources: { requests: { storage: p.settings.volumeSize } },
        },
      },
    ],
  };
}

/** Ingress rules of the MinIO pods (pure): S3 from each consumer namespace once, metrics from Prometheus, peers when distributed. */
export function minioIngressRules(p: { consumerNamespaces: string[]; monitoringNamespace: string; selector: Record<string, string>; mode: MinioMode }): Record<string, unknown>[] {
  const port = tcpPorts(MINIO_PORT);
  const rules: Record<string, unknown>[] = [
    { from: [...new Set(p.consumerNamespaces)].sort().map(namespacePeer), ports: port },
    { from: [namespacePeer(p.monitoringNamespace)], ports: port },
  ];
  if (p.mode === "distributed") rules.push({ from: [{ podSelector: { matchLabels: p.selector } }], ports: port });
  return rules;
}

export function minioStore(parent: pulumi.ComponentResource, name: string, args: ObjectStoreArgs & { minio: MinioSettings }): StoreParts {
  const settings = args.minio;
  const mode = minioMode(settings.servers);
  const names = minioNames(name);
  const buckets = minioBucketNames(args.bucketPrefix);
  checkConsumers(args.consumers);
  const selector = minioSelector(name);
  const labels = { ...standardLabels("minio", name, "object-store"), ...selector };
  const ns = args.namespace;
  const opts = { parent };

  // Root credentials: generated, kept in one Secret, read by the pods through secretKeyRef only.
  const rootUser = new random.RandomPassword(`${name}-root-user`, { length: 20, special: false, upper: false }, opts);
  const rootPassword = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, opts);
  const rootUserValue = pulumi.secret(rootUser.result);
  const rootPasswordValue = pulumi.secret(rootPassword.result);
  const rootSecret = new k8s.core.v1.Secret(`${name}-root`, {
    metadata: { name: names.rootSecret, namespace: ns, labels },
    type: "Opaque",
    stringData: rootCredentials(rootUserValue, rootPasswordValue),
  }, opts);

  const headless = new k8s.core.v1.Service(`${name}-headless`, {
    metadata: { name: names.headless, namespace: ns, labels: { ...labels, "app.kubernetes.io/component": "object-store-peers" } },
    spec: {
      clusterIP: "None",
      // Distributed servers must resolve each other before any of them is ready.
      publishNotReadyAddresses: true,
      selector,
      ports: [{ name: "s3", port: MINIO_PORT, targetPort: MINIO_PORT, protocol: "TCP" }],
    },
  }, opts);

  const service = new k8s.core.v1.Service(`${name}-svc`, {
    metadata: { name: names.service, namespace: ns, labels },
    spec: { type: "ClusterIP", selector, ports: [{ name: "s3", port: MINIO_PORT, targetPort: MINIO_PORT, protocol: "TCP" }] },
  }, opts);

  // The console on its own Service: the edge gateway publishes it (and the S3 API) on their public hosts.
  new k8s.core.v1.Service(`${name}-console`, {
    metadata: { name: names.console, namespace: ns, labels: { ...labels, "app.kubernetes.io/component": "object-store-console" } },
    spec: { type: "ClusterIP", selector, ports: [{ name: "console", port: MINIO_CONSOLE_PORT, targetPort: MINIO_CONSOLE_PORT, protocol: "TCP" }] },
  }, opts);

  const serverArgs = pulumi.output(ns).apply((n) => minioServerArgs(settings.servers, names, n));
  const statefulSet = new k8s.apps.v1.StatefulSet(`${name}-servers`, {
    metadata: { name: names.statefulSet, namespace: ns, labels },
    spec: minioStatefulSetSpec({ name, names, settings, serverArgs }),
  }, {
    ...opts,
    dependsOn: [rootSecret, headless],
    // Immutable fields (volumeClaimTemplates, serviceName) replace the StatefulSet: delete the old one first
    // (same name); the PVCs are retained and bound again by the new pods.
    deleteBeforeReplace: true,
  });

  if (mode === "distributed") {
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
      metadata: { name: names.statefulSet, namespace: ns, labels },
      // Erasure coding keeps reads and writes going with one server down (the default parity allows more).
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    }, opts);
  }

  new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, {
    metadata: { name: names.statefulSet, namespace: ns, labels },
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ["Ingress"],
      ingress: pulumi
        .all([pulumi.all(args.consumers.map((c) => pulumi.output(c.namespace))), pulumi.output(args.monitoringNamespace)])
        .apply(([consumerNamespaces, monitoringNamespace]) => minioIngressRules({ consumerNamespaces, monitoringNamespace, selector, mode })),
    },
  }, opts);

  new k8s.apiextensions.CustomResource(`${name}-metrics`, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: names.statefulSet, namespace: ns, labels },
    spec: {
      selector: { matchLabels: { ...selector, "app.kubernetes.io/component": "object-store" } },
      namespaceSelector: { matchNames: [ns] },
      endpoints: [
        { port: "s3", path: METRICS_PATHS.cluster, interval: "30s", scheme: "http" },
        { port: "s3", path: METRICS_PATHS.node, interval: "30s", scheme: "http" },
      ],
    },
  }, { ...opts, dependsOn: [service] });

  // The route `pulumi up` takes to the S3 API; its host resolves only once the server accepts connections,
  // so a preview never connects and the provider below is configured only after the servers are up.
  const admin = new AdminEndpoint(`${name}-admin`, {
    namespace: ns,
    serviceName: names.adminService,
    selector,
    port: MINIO_PORT,
    nodePort: settings.access.nodePort,
    access: settings.access,
    app: "minio",
    serverReady: [statefulSet],
  }, opts);

  const provider = new minio.Provider(`${name}-provider`, {
    minioServer: pulumi.interpolate`${admin.host}:${admin.port}`,
    minioUser: rootUserValue,
    minioPassword: rootPasswordValue,
    minioRegion: MINIO_REGION,
    minioSsl: false,
  }, opts);
  const minioOpts = { parent, provider };

  const ready: pulumi.Resource[] = [];
  const bucketOut = {} as Record<BucketRole, pulumi.Output<string>>;
  for (const role of BUCKET_ROLES) {
    // Losing a bucket loses its data: removing it from the program leaves it in MinIO.
    const bucket = new minio.S3Bucket(`${name}-${role}`, { bucket: buckets[role], acl: "private", forceDestroy: false }, { ...minioOpts, retainOnDelete: true });
    ready.push(bucket);
    bucketOut[role] = bucket.bucket;
    if (VERSIONED_BUCKETS.includes(role)) {
      ready.push(
        new minio.S3BucketVersioning(`${name}-${role}-versioning`, { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } }, { ...minioOpts, retainOnDelete: true }),
      );
    }
  }

  const access: StoreParts["access"] = {};
  for (const c of args.consumers) {
    const secretKey = new random.RandomPassword(`${name}-${c.name}-secret-key`, { length: 40, special: false }, opts);
    const secretKeyValue = pulumi.secret(secretKey.result);
    const user = new minio.IamUser(`${name}-${c.name}`, { name: c.name, secret: secretKeyValue, forceDestroy: true }, minioOpts);
    const policy = new minio.IamPolicy(`${name}-${c.name}-policy`, { name: `${c.name}-buckets`, policy: JSON.stringify(consumerPolicy(c, buckets)) }, minioOpts);
    const attachment = new minio.IamUserPolicyAttachment(`${name}-${c.name}-attach`, { userName: user.name, policyName: policy.name }, minioOpts);
    const credentials = new k8s.core.v1.Secret(`${name}-${c.name}-credentials`, {
      metadata: { name: k8sName(c.name, "object-store"), namespace: c.namespace, labels: standardLabels("minio", name, "credentials") },
      type: "Opaque",
      // The access key is the user name (not a secret); both keys are the AWS SDK's variable names.
      stringData: consumerCredentials(user.name, secretKeyValue),
    }, { parent, dependsOn: [attachment] });
    ready.push(user, policy, attachment, credentials);
    access[c.name] = { serviceAccount: c.serviceAccount, credentialsSecret: credentials.metadata.name };
  }

  const host = pulumi.interpolate`${names.service}.${ns}.svc.cluster.local:${MINIO_PORT}`;
  return {
    endpoint: pulumi.interpolate`http://${host}`,
    host,
    port: MINIO_PORT,
    useTls: false,
    pathStyle: true,
    region: MINIO_REGION,
    buckets: bucketOut,
    access,
    ready,
  };
}
