// MySQL 8.4 through the MOCO operator: a MySQLCluster (single instance, or a semi-synchronous primary with
// replicas and automatic failover), scheduled backups into the object store, and per-service databases,
// users and grants through @pulumi/mysql.
import * as k8s from "@pulumi/kubernetes";
import * as mysql from "@pulumi/mysql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AdminAccessSettings, AdminEndpoint } from "./adminEndpoint";
import { ACCESS_KEY_ID_KEY, ContainerResources, DB_SECRET_KEYS, DatabaseAccess, DatabaseConsumer, ObjectStoreHandle, SECRET_ACCESS_KEY_KEY } from "./contracts";
import { k8sName, PART_OF, standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";

export const MOCO_CHART = { chart: "moco", version: "0.26.0", repo: "https://cybozu-go.github.io/moco/" } as const;

/** Images the MOCO 0.26.0 chart runs (its defaults, pinned here so a chart bump cannot change them silently). */
export const MOCO_IMAGES = {
  controller: { repository: "ghcr.io/cybozu-go/moco", tag: "0.36.0" },
  agent: { repository: "ghcr.io/cybozu-go/moco-agent", tag: "0.16.0" },
  fluentbit: { repository: "ghcr.io/cybozu-go/moco/fluent-bit", tag: "5.0.2.1" },
  mysqldExporter: { repository: "ghcr.io/cybozu-go/moco/mysqld_exporter", tag: "0.19.0.1" },
} as const;

/** Ports of a MOCO mysqld pod and of the controller (MOCO pkg/constants/ports.go, chart deployment.yaml). */
export const MOCO_PORTS = { mysql: 3306, admin: 33062, agent: 9080, agentMetrics: 8080, exporter: 9104, webhook: 9443, controllerMetrics: 8080 } as const;

/** UID/GID MOCO runs mysqld and its sidecars as (pkg/constants ContainerUID/ContainerGID). */
export const MOCO_UID = 10000;

/** MOCO's account with CREATE USER, DDL/DML privileges WITH GRANT OPTION, and no write access to `mysql.*`. */
export const PROVISIONING_USER = "moco-writable";

/** Keys of MOCO's controller Secret (moco pkg/password), all eight required, format version "1". */
export const MOCO_PASSWORD_KEYS = ["ADMIN_PASSWORD", "AGENT_PASSWORD", "REPLICATION_PASSWORD", "CLONE_DONOR_PASSWORD", "EXPORTER_PASSWORD", "BACKUP_PASSWORD", "READONLY_PASSWORD", "WRITABLE_PASSWORD"] as const;
export const MOCO_SECRET_VERSION = { key: "moco.cybozu.com/secret-version", value: "1" } as const;

/** Privileges of an owning service on its own database: data and DDL for its migrations; not ALL, no GRANT OPTION. */
export const OWNER_PRIVILEGES = [
  "ALTER",
  "ALTER ROUTINE",
  "CREATE",
  "CREATE ROUTINE",
  "CREATE TEMPORARY TABLES",
  "CREATE VIEW",
  "DELETE",
  "DROP",
  "EVENT",
  "EXECUTE",
  "INDEX",
  "INSERT",
  "LOCK TABLES",
  "REFERENCES",
  "SELECT",
  "SHOW VIEW",
  "TRIGGER",
  "UPDATE",
] as const;
/** Privileges of a read-only consumer on the database it reads. */
export const READ_PRIVILEGES = ["SELECT", "SHOW VIEW"] as const;

/** mysqld_exporter collectors (flag names without `collect.`), on top of the exporter's defaults. */
export const EXPORTER_COLLECTORS = ["engine_innodb_status", "info_schema.innodb_metrics", "info_schema.processlist", "perf_schema.eventsstatements", "binlog_size"];

/** MOCO's system containers, whose securityContext the kit tightens through overwriteContainers. */
const SYSTEM_CONTAINERS = ["agent", "copy-moco-init", "moco-init", "slow-log", "mysqld-exporter"] as const;

export interface MySqlArgs {
  namespace: pulumi.Input<string>;
  /** 1 (single instance) or 3/5 (primary + replicas, semi-sync, automatic failover). */
  replicas: 1 | 3 | 5;
  /** mysqld image (MOCO's MySQL build), pinned. */
  image: string;
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  resources: ContainerResources;
  /** Full backups on this cron schedule into the object store's `backups` bucket, as its `mysql-backup` consumer. */
  backup: { schedule: string; objectStore: ObjectStoreHandle; consumer: string };
  /** Databases and users to create, one Secret per consumer in its namespace. */
  consumers: DatabaseConsumer[];
  /** How `pulumi up` reaches the primary for @pulumi/mysql. */
  access: AdminAccessSettings & { nodePort: number };
  monitoringNamespace: pulumi.Input<string>;
  /** Let the chart create PodMonitors for the controller, the agents and mysqld_exporter (needs the Prometheus operator CRDs). Default true. */
  podMonitors?: boolean;
  /** Protect the MySQLCluster from deletion by Pulumi (`pulumi state unprotect` to remove). Default true. */
  protect?: boolean;
  /**
   * Create the cluster from a backup (disaster recovery into an empty cluster): MOCO loads the last full
   * dump of `sourceName` in `sourceNamespace` taken before `restorePoint` (RFC 3339, UTC) from the backups
   * bucket and applies binlogs up to it. Only read when the MySQLCluster is created. Default: none.
   */
  restore?: { sourceName: string; sourceNamespace: string; restorePoint: string };
}

export class MySqlArgsError extends Error {}

const USER_RE = /^[A-Za-z0-9_]{1,32}$/;
const DATABASE_RE = /^[a-z][a-z0-9_]{0,63}$/;
/** Room for "moco-" and "-primary" around the cluster name in a 63-character DNS label. */
const MAX_CLUSTER_NAME = 63 - "moco-".length - "-primary".length;

/** Checks the arguments; throws naming the argument, the value and what is allowed (pure). */
export function validateMySqlArgs(name: string, args: Pick<MySqlArgs, "replicas" | "consumers" | "backup" | "restore">): void {
  const fail = (msg: string): never => {
    throw new MySqlArgsError(`MySql ${name}: ${msg}`);
  };
  if (![1, 3, 5].includes(args.replicas)) fail(`replicas ${args.replicas} is not allowed; allowed: 1, 3 or 5 (MOCO needs an odd number for the semi-synchronous quorum)`);
  if (k8sName(name).length > MAX_CLUSTER_NAME) fail(`name ${name} is too long for MOCO's Service names; allowed: at most ${MAX_CLUSTER_NAME} characters`);
  const names = new Set<string>();
  const users = new Set<string>();
  const owners = new Map<string, string>();
  for (const c of args.consumers) {
    if (names.has(c.name)) fail(`consumers: the consumer name ${c.name} appears twice; allowed: one entry per service`);
    names.add(c.name);
    if (!USER_RE.test(c.user)) fail(`consumers[${c.name}].user ${JSON.stringify(c.user)} is not allowed; allowed: 1 to 32 letters, digits or _`);
    if (c.user.toLowerCase() === "root" || c.user.toLowerCase().startsWith("moco")) fail(`consumers[${c.name}].user ${c.user} is reserved (root, MOCO's moco-* accounts); allowed: another name`);
    if (users.has(c.user)) fail(`consumers[${c.name}].user ${c.user} is used by another consumer; allowed: one user per consumer`);
    users.add(c.user);
    if (!DATABASE_RE.test(c.database)) fail(`consumers[${c.name}].database ${JSON.stringify(c.database)} is not allowed; allowed: a lower-case letter, then up to 63 lower-case letters, digits or _`);
    if (c.database === "mysql" || c.database === "sys" || c.database.endsWith("_schema")) fail(`consumers[${c.name}].database ${c.database} is a system schema; allowed: the service's own database`);
    if (c.access === "owner") {
      const other = owners.get(c.database);
      if (other !== undefined) fail(`consumers[${c.name}] and consumers[${other}] both own database ${c.database}; allowed: one owner per database`);
      owners.set(c.database, c.name);
    }
  }
  for (const c of args.consumers) {
    if (c.access === "read" && !owners.has(c.database)) fail(`consumers[${c.name}] reads database ${c.database}, which no consumer owns; allowed: a database with an "owner" consumer`);
  }
  if (args.restore && !validRestorePoint(args.restore.restorePoint)) fail(`restore.restorePoint ${JSON.stringify(args.restore.restorePoint)} is not allowed; allowed: RFC 3339 in UTC such as 2026-11-20T09:30:00Z`);
  if (!args.backup.objectStore.access[args.backup.consumer]) fail(`backup.consumer ${args.backup.consumer} is not a consumer of the object store; allowed: ${Object.keys(args.backup.objectStore.access).join(", ")}`);
}

/** Names MOCO derives from the MySQLCluster's name (moco api/v1beta2 mysqlcluster_types.go). */
export function mocoNames(clusterName: string, namespace: string) {
  return {
    primaryService: `moco-${clusterName}-primary`,
    replicaService: `moco-${clusterName}-replica`,
    primaryHost: `moco-${clusterName}-primary.${namespace}.svc.cluster.local`,
    replicaHost: `moco-${clusterName}-replica.${namespace}.svc.cluster.local`,
    /** In the controller's namespace; MOCO creates it with random passwords unless it exists. */
    controllerSecret: `mysql-${namespace}.${clusterName}`,
    /** Copy for users, in the cluster's namespace (ADMIN_PASSWORD, WRITABLE_PASSWORD, ...). */
    userSecret: `moco-${clusterName}`,
    backupCronJob: `moco-backup-${clusterName}`,
  };
}

/** Labels MOCO puts on the mysqld pods of a cluster. */
export function mysqldSelector(clusterName: string): Record<string, string> {
  return { "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": clusterName, "app.kubernetes.io/created-by": "moco" };
}

/** Labels of the MOCO controller's pods (chart deployment.yaml). */
export const CONTROLLER_SELECTOR = { "app.kubernetes.io/component": "moco-controller", "app.kubernetes.io/name": "moco" } as const;

const restrictedContainer = { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: MOCO_UID, runAsGroup: MOCO_UID, capabilities: { drop: ["ALL"] } };

/** Helm values of the MOCO chart (pure). */
export function mocoChartValues(opts: { ha: boolean; podMonitors: boolean }): Record<string, unknown> {
  const spread = opts.ha
    ? {
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { ...CONTROLLER_SELECTOR } } },
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...CONTROLLER_SELECTOR } } },
        ],
      }
    : {};
  return {
    replicaCount: opts.ha ? 2 : 1,
    image: { repository: MOCO_IMAGES.controller.repository, tag: MOCO_IMAGES.controller.tag, pullPolicy: "IfNotPresent" },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    crds: { enabled: true },
    ...spread,
    monitoring: { enabled: opts.podMonitors, podMonitors: { enabled: opts.podMonitors, interval: "30s" } },
    agent: { image: { ...MOCO_IMAGES.agent } },
    fluentbit: { image: { ...MOCO_IMAGES.fluentbit } },
    mysqldExporter: { image: { ...MOCO_IMAGES.mysqldExporter } },
  };
}

/** The MySQLCluster spec (pure; inputs pass through). */
export function mysqlClusterSpec(a: {
  clusterName: string;
  replicas: number;
  image: string;
  resources: ContainerResources;
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  backupPolicyName: string;
}): Record<string, unknown> {
  const selector = mysqldSelector(a.clusterName);
  const ha = a.replicas > 1;
  return {
    replicas: a.replicas,
    backupPolicyName: a.backupPolicyName,
    collectors: EXPORTER_COLLECTORS,
    podTemplate: {
      metadata: { labels: { "app.kubernetes.io/part-of": PART_OF } },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: MOCO_UID, runAsGroup: MOCO_UID, fsGroup: MOCO_UID, fsGroupChangePolicy: "OnRootMismatch", seccompProfile: { type: "RuntimeDefault" } },
        ...(ha
          ? {
              affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" }] } },
              // Zones are spread where the cluster has them; a cluster with fewer zones than instances still schedules.
              topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
            }
          : {}),
        containers: [{ name: "mysqld", image: a.image, resources: a.resources, securityContext: restrictedContainer }],
      },
      overwriteContainers: SYSTEM_CONTAINERS.map((name) => ({ name, securityContext: restrictedContainer })),
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "mysql-data", labels: { "app.kubernetes.io/part-of": PART_OF } },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName: a.storageClass, resources: { requests: { storage: a.volumeSize } } },
      },
    ],
  };
}

/** The BackupPolicy spec for the object store and consumer (pure; throws when the store has no access for it). */
export function backupPolicySpec(a: {
  schedule: string;
  store: Pick<ObjectStoreHandle, "kind" | "endpoint" | "region" | "pathStyle" | "buckets" | "access">;
  consumer: string;
  storageClass: pulumi.Input<string>;
  workVolumeSize: string;
  resources: ContainerResources;
}): Record<string, unknown> {
  const access = a.store.access[a.consumer];
  if (!access) throw new MySqlArgsError(`backup.consumer ${a.consumer} has no access to the object store`);
  let env: Record<string, unknown>[] = [];
  if (a.store.kind === "minio") {
    if (!access.credentialsSecret) throw new MySqlArgsError(`backup.consumer ${a.consumer}: the MinIO store gave no credentialsSecret`);
    env = [ACCESS_KEY_ID_KEY, SECRET_ACCESS_KEY_KEY].map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: access.credentialsSecret, key } } }));
  } else if (!access.roleArn) {
    throw new MySqlArgsError(`backup.consumer ${a.consumer}: the S3 store gave no roleArn`);
  }
  return {
    schedule: a.schedule,
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 3600,
    backoffLimit: 2,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    jobConfig: {
      serviceAccountName: access.serviceAccount,
      ...(env.length > 0 ? { env } : {}),
      bucketConfig: {
        bucketName: a.store.buckets.backups,
        region: a.store.region,
        ...(a.store.kind === "minio" ? { endpointURL: a.store.endpoint } : {}),
        usePathStyle: a.store.pathStyle,
        backendType: "s3",
      },
      // The dump is staged here before upload: a volume as large as the data, gone with the job's pod.
      workVolume: {
        ephemeral: {
          volumeClaimTemplate: {
            metadata: { labels: { "app.kubernetes.io/part-of": PART_OF } },
            spec: { accessModes: ["ReadWriteOnce"], storageClassName: a.storageClass, resources: { requests: { storage: a.workVolumeSize } } },
          },
        },
      },
      cpu: a.resources.requests.cpu,
      memory: a.resources.requests.memory,
      maxMemory: a.resources.limits.memory,
    },
  };
}

/** The Kubernetes Secret's string data for one consumer; the password stays an Output (pure). */
export function consumerSecretData(c: DatabaseConsumer, host: pulumi.Input<string>, password: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
  return {
    [DB_SECRET_KEYS.host]: host,
    [DB_SECRET_KEYS.port]: String(MOCO_PORTS.mysql),
    [DB_SECRET_KEYS.database]: c.database,
    [DB_SECRET_KEYS.user]: c.user,
    [DB_SECRET_KEYS.password]: pulumi.secret(password),
  };
}

/** Ingress rules of the mysqld pods, one peer per distinct client namespace (pure). */
export function mysqldIngress(clientNamespaces: string[], monitoringNamespace: string): Record<string, unknown>[] {
  const distinct = [...new Set(clientNamespaces)].sort();
  return [
    // Services with a database.
    { from: distinct.map(namespacePeer), ports: tcpPorts(MOCO_PORTS.mysql) },
    // Replication and clone between instances, and MOCO's backup/restore jobs (all labelled created-by=moco).
    { from: [{ podSelector: { matchLabels: { "app.kubernetes.io/created-by": "moco" } } }], ports: tcpPorts(MOCO_PORTS.mysql, MOCO_PORTS.admin) },
    // The controller: SQL on the admin port, gRPC to the agent.
    { from: [{ podSelector: { matchLabels: { ...CONTROLLER_SELECTOR } } }], ports: tcpPorts(MOCO_PORTS.admin, MOCO_PORTS.agent) },
    // Prometheus: mysqld_exporter and the agent's metrics.
    { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(MOCO_PORTS.exporter, MOCO_PORTS.agentMetrics) },
  ];
}

/** Resource options of the MySQLCluster: it holds the data, so Pulumi never deletes it (pure). */
export function clusterResourceOptions(protect: boolean): Pick<pulumi.CustomResourceOptions, "retainOnDelete" | "protect" | "customTimeouts" | "ignoreChanges"> {
  // spec.restore is immutable and only matters at creation: dropping it from the config later must not touch the cluster.
  return { retainOnDelete: true, protect, customTimeouts: { create: "60m", update: "30m" }, ignoreChanges: ["spec.restore"] };
}

/** RFC 3339 in UTC with seconds, as MOCO's restorePoint takes it (pure). */
export function validRestorePoint(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(s) && !Number.isNaN(Date.parse(s));
}

export class MySql extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port = 3306;
  readonly replicaHost: pulumi.Output<string>;
  readonly access: Record<string, DatabaseAccess>;

  constructor(name: string, args: MySqlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:MySql", name, {}, opts);
    validateMySqlArgs(name, args);
    const clusterName = k8sName(name);
    const ha = args.replicas > 1;
    const names = pulumi.output(args.namespace).apply((ns) => mocoNames(clusterName, ns));
    const labels = (component: string) => standardLabels("mysql", clusterName, component);

    const operator = new k8s.helm.v4.Chart(`${name}-moco`, {
      chart: MOCO_CHART.chart,
      version: MOCO_CHART.version,
      namespace: args.namespace,
      repositoryOpts: { repo: MOCO_CHART.repo },
      values: mocoChartValues({ ha, podMonitors: args.podMonitors ?? true }),
      // The controller's pods are admitted only after the patch below; waiting here would never end.
      skipAwait: true,
    }, { parent: this });

    // The chart (0.26.0) renders the controller without a seccomp profile and without dropping all
    // capabilities, and has no value for either, so Pod Security "restricted" (the data namespace's
    // level) rejects its pods. A server-side-apply patch adds both; the patch waits for the rollout, and
    // everything that needs the controller's webhook waits for the patch.
    const controllerHardening = new k8s.apps.v1.DeploymentPatch(`${name}-moco-hardening`, {
      metadata: { name: "moco-controller", namespace: args.namespace, annotations: { "pulumi.com/patchForce": "true" } },
      spec: {
        template: {
          spec: {
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "moco-controller", securityContext: { capabilities: { drop: ["ALL"] } } }],
          },
        },
      },
    }, { parent: this, dependsOn: [operator] });

    if (ha) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-moco-pdb`, {
        metadata: { name: "moco-controller", namespace: args.namespace, labels: labels("operator") },
        spec: { minAvailable: 1, selector: { matchLabels: { ...CONTROLLER_SELECTOR } } },
      }, { parent: this });
    }

    // The API server calls the admission webhook from addresses the kit cannot know; Prometheus scrapes the controller.
    new k8s.networking.v1.NetworkPolicy(`${name}-moco-netpol`, {
      metadata: { name: "moco-controller", namespace: args.namespace, labels: labels("operator") },
      spec: {
        podSelector: { matchLabels: { ...CONTROLLER_SELECTOR } },
        policyTypes: ["Ingress"],
        ingress: [
          { ports: [{ protocol: "TCP", port: MOCO_PORTS.webhook }] },
          { from: [namespacePeer(args.monitoringNamespace)], ports: tcpPorts(MOCO_PORTS.controllerMetrics) },
        ],
      },
    }, { parent: this });

    // MOCO's own accounts get passwords generated here, so `pulumi up` knows moco-writable's password before the
    // server exists. MOCO creates this Secret only when it is missing (controllers/mysqlcluster_controller.go).
    const passwords = Object.fromEntries(
      MOCO_PASSWORD_KEYS.map((key) => [key, new random.RandomPassword(`${name}-${key.toLowerCase().replace(/_password$/, "").replace(/_/g, "-")}-pw`, { length: 32, special: false }, { parent: this })]),
    ) as Record<(typeof MOCO_PASSWORD_KEYS)[number], random.RandomPassword>;
    const controllerSecret = new k8s.core.v1.Secret(`${name}-moco-passwords`, {
      metadata: {
        name: names.controllerSecret,
        namespace: args.namespace,
        labels: { ...mysqldSelector(clusterName), "app.kubernetes.io/instance-namespace": args.namespace },
        annotations: { [MOCO_SECRET_VERSION.key]: MOCO_SECRET_VERSION.value },
      },
      type: "Opaque",
      stringData: Object.fromEntries(MOCO_PASSWORD_KEYS.map((key) => [key, pulumi.secret(passwords[key].result)])),
    }, { parent: this, retainOnDelete: true });

    // Backups: the object store's consumer identity and the policy MOCO turns into a CronJob.
    const objectAccess = args.backup.objectStore.access[args.backup.consumer];
    const backupSa = new k8s.core.v1.ServiceAccount(`${name}-backup-sa`, {
      metadata: {
        name: objectAccess.serviceAccount,
        namespace: args.namespace,
        labels: labels("backup"),
        ...(objectAccess.roleArn ? { annotations: { "eks.amazonaws.com/role-arn": objectAccess.roleArn } } : {}),
      },
    }, { parent: this });
    const backupPolicyName = k8sName(clusterName, "daily");
    const backupSpec = backupPolicySpec({
      schedule: args.backup.schedule,
      store: args.backup.objectStore,
      consumer: args.backup.consumer,
      storageClass: args.storageClass,
      workVolumeSize: args.volumeSize,
      resources: args.resources,
    });
    const backupPolicy = new k8s.apiextensions.CustomResource(`${name}-backup-policy`, {
      apiVersion: "moco.cybozu.com/v1beta2",
      kind: "BackupPolicy",
      metadata: { name: backupPolicyName, namespace: args.namespace, labels: labels("backup") },
      spec: backupSpec,
    }, { parent: this, dependsOn: [operator, controllerHardening, backupSa, ...args.backup.objectStore.ready] });

    const cluster = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
      apiVersion: "moco.cybozu.com/v1beta2",
      kind: "MySQLCluster",
      metadata: {
        name: clusterName,
        namespace: args.namespace,
        labels: labels("database"),
        // The provider waits for MOCO's "primary is running and ready" condition before anything uses the server.
        annotations: { "pulumi.com/waitFor": "condition=Available" },
      },
      spec: {
        ...mysqlClusterSpec({ clusterName, replicas: args.replicas, image: args.image, resources: args.resources, volumeSize: args.volumeSize, storageClass: args.storageClass, backupPolicyName }),
        ...(args.restore ? { restore: { ...args.restore, jobConfig: backupSpec.jobConfig } } : {}),
      },
    }, { parent: this, dependsOn: [operator, controllerHardening, controllerSecret, backupPolicy], ...clusterResourceOptions(args.protect ?? true) });

    this.host = names.primaryHost;
    this.replicaHost = ha ? names.replicaHost : names.primaryHost;

    const clientNamespaces = pulumi.all(args.consumers.map((c) => pulumi.output(c.namespace)));
    new k8s.networking.v1.NetworkPolicy(`${name}-mysqld-netpol`, {
      metadata: { name: k8sName(clusterName, "mysqld"), namespace: args.namespace, labels: labels("database") },
      spec: {
        podSelector: { matchLabels: mysqldSelector(clusterName) },
        policyTypes: ["Ingress"],
        ingress: pulumi.all([clientNamespaces, pulumi.output(args.monitoringNamespace)]).apply(([nss, mon]) => mysqldIngress(nss, mon)),
      },
    }, { parent: this });

    // The route `pulumi up` takes to the primary; resolves only once the primary accepts connections.
    const admin = new AdminEndpoint(`${name}-admin`, {
      namespace: args.namespace,
      serviceName: k8sName(clusterName, "admin"),
      selector: { ...mysqldSelector(clusterName), "moco.cybozu.com/role": "primary" },
      port: MOCO_PORTS.mysql,
      nodePort: args.access.nodePort,
      access: args.access,
      app: "mysql",
      serverReady: [cluster],
    }, { parent: this });

    const provider = new mysql.Provider(`${name}-provider`, {
      endpoint: pulumi.interpolate`${admin.host}:${admin.port}`,
      username: PROVISIONING_USER,
      password: pulumi.secret(passwords.WRITABLE_PASSWORD.result),
      // MySQL generates a server certificate at initialisation; the route is internal, so encrypt without pinning it.
      tls: "skip-verify",
    }, { parent: this });

    const databases: Record<string, mysql.Database> = {};
    for (const c of args.consumers.filter((c) => c.access === "owner")) {
      // A dropped consumer must not drop its data: Pulumi forgets the database instead of running DROP DATABASE.
      databases[c.database] = new mysql.Database(`${name}-${c.name}-db`, { name: c.database, defaultCharacterSet: "utf8mb4", defaultCollation: "utf8mb4_0900_ai_ci" }, { parent: this, provider, retainOnDelete: true });
    }

    this.access = {};
    for (const c of args.consumers) {
      const password = new random.RandomPassword(`${name}-${c.name}-pw`, { length: 32, special: false }, { parent: this });
      const user = new mysql.User(`${name}-${c.name}-user`, { user: c.user, host: "%", plaintextPassword: pulumi.secret(password.result) }, { parent: this, provider });
      const grant = new mysql.Grant(`${name}-${c.name}-grant`, {
        user: c.user,
        host: "%",
        database: c.database,
        privileges: [...(c.access === "owner" ? OWNER_PRIVILEGES : READ_PRIVILEGES)],
      }, { parent: this, provider, dependsOn: [user, databases[c.database]] });
      const secretName = k8sName(c.name, "mysql");
      const secret = new k8s.core.v1.Secret(`${name}-${c.name}-secret`, {
        metadata: { name: secretName, namespace: c.namespace, labels: standardLabels("mysql", clusterName, `credentials-${c.name}`) },
        type: "Opaque",
        stringData: consumerSecretData(c, c.access === "read" ? this.replicaHost : this.host, password.result),
      // After the grant: a pod that starts with these credentials can use its database at once.
      }, { parent: this, dependsOn: [user, grant] });
      this.access[c.name] = { secretName: secret.metadata.name, database: c.database, user: c.user };
    }

    this.registerOutputs({ host: this.host, replicaHost: this.replicaHost, port: this.port, cluster: cluster.metadata.name, secrets: Object.values(this.access).map((a) => a.secretName) });
  }
}
