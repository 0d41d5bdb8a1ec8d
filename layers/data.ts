// L2 ("Alldata"): the object store, MySQL, Redis, Milvus and the data API, wired to one another and to the
// services of the layers above that use them (their credentials are created here, in their namespaces).
import * as pulumi from "@pulumi/pulumi";
import { DataConfig, PlatformConfig } from "../config";
import { AppService } from "../components/apps/appService";
import { ACCESS_KEY_ID_KEY, DatabaseConsumer, MilvusHandle, MySqlHandle, ObjectStoreConsumer, ObjectStoreHandle, RedisHandle, SECRET_ACCESS_KEY_KEY } from "../components/data/contracts";
import { Milvus } from "../components/data/milvus";
import { MySql } from "../components/data/mysql";
import { ObjectStore } from "../components/data/objectStore";
import { MINIO_CONSOLE_PORT, MINIO_PORT, minioNames, minioSelector } from "../components/data/minioStore";
import { ExposedService } from "../components/edge/contracts";
import { Redis } from "../components/data/redis";
import { baseName, k8sName } from "../components/lib/naming";
import { InfraHandle } from "./infra";
import { DATA_API, DATA_API_ENV as E } from "../services/data-api/src/contract";
import { KIT_SERVICES, ServiceImage } from "../components/apps/serviceImage";
import type { ImageTarget } from "../components/lib/cluster";
import { version as SERVICE_VERSION } from "../services/data-api/package.json";

export interface DataHandle {
  objectStore: ObjectStoreHandle;
  mysql: MySqlHandle;
  redis: RedisHandle;
  milvus: MilvusHandle;
  dataApi: { url: pulumi.Output<string> };
  /** What the edge gateway publishes: the data API; on MinIO stacks the MinIO console and its S3 API. */
  exposed: ExposedService[];
}

// The data API's port, paths and environment are its own contract (services/data-api), read here.
export { DATA_API } from "../services/data-api/src/contract";

/** Who uses the object store, and for what; upper layers' services get their access here. */
export function objectStoreConsumers(ns: InfraHandle["cluster"]["namespaces"]): ObjectStoreConsumer[] {
  return [
    { name: "data-api", namespace: ns.data, serviceAccount: "data-api", buckets: { datasets: "readwrite", models: "readwrite" } },
    { name: "milvus", namespace: ns.data, serviceAccount: "milvus", buckets: { milvus: "readwrite" } },
    { name: "mysql-backup", namespace: ns.data, serviceAccount: "mysql-backup", buckets: { backups: "readwrite" } },
    // The model layer: a fetch Job fills the models bucket from Hugging Face once per revision; serving pods only read it.
    { name: "model-fetch", namespace: ns.model, serviceAccount: "model-fetch", buckets: { models: "readwrite" } },
    { name: "model-cache", namespace: ns.model, serviceAccount: "model-cache", buckets: { models: "read" } },
    { name: "agent-api", namespace: ns.apps, serviceAccount: "agent-api", buckets: { datasets: "read" } },
  ];
}

/** Who has a MySQL database or a read-only user, in which namespace. */
export function databaseConsumers(ns: InfraHandle["cluster"]["namespaces"]): DatabaseConsumer[] {
  return [
    { name: "data-api", namespace: ns.data, user: "data_api", access: "owner", database: "data_api" },
    { name: "agent-api", namespace: ns.apps, user: "agent_api", access: "owner", database: "agent_api" },
    { name: "keycloak", namespace: ns.identity, user: "keycloak", access: "owner", database: "keycloak" },
    { name: "grafana", namespace: ns.observability, user: "grafana", access: "owner", database: "grafana" },
    // Text-to-SQL reads the data API's tables and can change nothing.
    { name: "text2sql", namespace: ns.apps, user: "text2sql_ro", access: "read", database: "data_api" },
    // The data API's metadata endpoints show what text-to-SQL may see: a user with the same grant, in
    // the data namespace (a Secret reference reads only the pod's own namespace).
    { name: "text2sql-metadata", namespace: ns.data, user: "text2sql_meta", access: "read", database: "data_api" },
  ];
}

/**
 * A service's image built from services/<service>/Dockerfile and pushed to the stack's registry during
 * `pulumi up` (the schema requires a registry where no prebuilt image is configured).
 */
export function builtImage(base: string, service: (typeof KIT_SERVICES)[number], images: ImageTarget): pulumi.Output<string> {
  const repository = images.repository(service);
  if (repository === undefined) throw new Error(`${service}: no prebuilt image and no registry to push a built one to (the config schema requires one of them)`);
  return new ServiceImage(`${base}-${service}-image`, {
    context: ".",
    dockerfile: `services/${service}/Dockerfile`,
    repository,
    tag: SERVICE_VERSION,
    platform: images.platform,
    registry: images.registry,
  }).ref;
}

export function dataLayer(platform: PlatformConfig, cfg: DataConfig, { infra }: { infra: InfraHandle }): DataHandle {
  const base = baseName(platform);
  const c = infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider, ...(c.aws ? { aws: c.aws.provider } : {}) } };
  // Every data component declares ServiceMonitors or PodMonitors: wait for their CRDs (children wait for their component).
  const monitors = c.prometheusCrds ? [c.prometheusCrds] : [];

  const store = new ObjectStore(`${base}-objects`, {
    kind: cfg.objectStore.kind,
    namespace: ns.data,
    bucketPrefix: base,
    consumers: objectStoreConsumers(ns),
    monitoringNamespace: ns.observability,
    minio: cfg.objectStore.kind === "minio" ? { ...cfg.objectStore.minio, storageClass: c.storageClass, access: { ...cfg.access, nodePort: cfg.access.ports.minio } } : undefined,
    s3:
      cfg.objectStore.kind === "s3" && c.aws
        ? { region: c.aws.region, kmsKeyArn: cfg.objectStore.s3.kmsKeyArn, noncurrentVersionDays: cfg.objectStore.s3.noncurrentVersionDays, oidcProviderArn: c.aws.oidcProviderArn, oidcIssuerUrl: c.aws.oidcIssuerUrl }
        : undefined,
  }, { ...k8sOpts, dependsOn: monitors });

  const mysql = new MySql(`${base}-mysql`, {
    namespace: ns.data,
    replicas: cfg.mysql.replicas,
    image: cfg.mysql.image,
    volumeSize: cfg.mysql.volumeSize,
    storageClass: c.storageClass,
    resources: cfg.mysql.resources,
    backup: { schedule: cfg.mysql.backup.schedule, objectStore: store, consumer: "mysql-backup" },
    consumers: databaseConsumers(ns),
    access: { ...cfg.access, nodePort: cfg.access.ports.mysql },
    monitoringNamespace: ns.observability,
  }, { ...k8sOpts, dependsOn: [...(c.certManager ? [c.certManager] : []), ...monitors, ...store.ready] });

  const redis = new Redis(`${base}-redis`, {
    namespace: ns.data,
    replicas: cfg.redis.replicas,
    volumeSize: cfg.redis.volumeSize,
    storageClass: c.storageClass,
    resources: cfg.redis.resources,
    clientNamespaces: { apps: ns.apps },
    monitoringNamespace: ns.observability,
  }, { ...k8sOpts, dependsOn: monitors });

  const milvus = new Milvus(`${base}-milvus`, {
    namespace: ns.data,
    mode: cfg.milvus.mode,
    volumeSize: cfg.milvus.volumeSize,
    storageClass: c.storageClass,
    resources: cfg.milvus.resources,
    objectStore: store,
    consumer: "milvus",
    // RAG in the agent API and embeddings from the model layer.
    clientNamespaces: [ns.apps, ns.model],
    monitoringNamespace: ns.observability,
  }, { ...k8sOpts, dependsOn: [...monitors, ...store.ready] });

  // The data API: its database, the datasets and models buckets, nothing else.
  const db = mysql.access["data-api"];
  const objects = store.access["data-api"];
  const metadataDb = mysql.access["text2sql-metadata"];
  const dataApi = new AppService(`${base}-data-api`, {
    namespace: ns.data,
    app: DATA_API.app,
    component: "api",
    image: cfg.dataApi.image ?? builtImage(base, "data-api", c.images),
    port: DATA_API.port,
    healthPath: DATA_API.healthPath,
    replicas: cfg.dataApi.replicas,
    resources: cfg.dataApi.resources,
    env: {
      // Tokens carry the realm's public issuer; its keys are fetched inside the cluster.
      [E.oidcIssuer]: platform.realm.issuerUrl,
      [E.oidcJwksUrl]: platform.realm.internalJwksUrl,
      [E.s3Endpoint]: store.endpoint,
      [E.s3Region]: store.region,
      [E.s3PathStyle]: String(store.pathStyle),
      [E.s3BucketDatasets]: store.buckets.datasets,
      [E.s3BucketModels]: store.buckets.models,
    },
    secretEnv: [
      { name: E.dbHost, secretName: db.secretName, key: "host" },
      { name: E.dbPort, secretName: db.secretName, key: "port" },
      { name: E.dbName, secretName: db.secretName, key: "database" },
      { name: E.dbUser, secretName: db.secretName, key: "username" },
      { name: E.dbPassword, secretName: db.secretName, key: "password" },
      { name: E.metadataDbHost, secretName: metadataDb.secretName, key: "host" },
      { name: E.metadataDbPort, secretName: metadataDb.secretName, key: "port" },
      { name: E.metadataDbUser, secretName: metadataDb.secretName, key: "username" },
      { name: E.metadataDbPassword, secretName: metadataDb.secretName, key: "password" },
      ...(objects.credentialsSecret
        ? [
            { name: E.accessKeyId, secretName: objects.credentialsSecret, key: ACCESS_KEY_ID_KEY },
            { name: E.secretAccessKey, secretName: objects.credentialsSecret, key: SECRET_ACCESS_KEY_KEY },
          ]
        : []),
    ],
    serviceAccountName: objects.serviceAccount,
    serviceAccountAnnotations: objects.roleArn ? { "eks.amazonaws.com/role-arn": objects.roleArn } : undefined,
    // The agent API (text-to-SQL metadata) and the model layer call it; the edge layer adds the gateway.
    callers: [{ namespace: ns.apps }, { namespace: ns.model }],
    monitoringNamespace: ns.observability,
    dependsOn: [mysql, ...store.ready],
  }, { ...k8sOpts, dependsOn: monitors });

  const objectsName = `${base}-objects`;
  const minio = minioNames(objectsName);
  const minioPods = minioSelector(objectsName);
  const exposed: ExposedService[] = [
    {
      host: "dataApi",
      namespace: ns.data,
      service: dataApi.serviceName,
      port: DATA_API.port,
      // AppService's selector: the app and the component's instance name.
      pods: { "app.kubernetes.io/name": DATA_API.app, "app.kubernetes.io/instance": k8sName(`${base}-data-api`) },
      targetPort: DATA_API.port,
    },
    ...(cfg.objectStore.kind === "minio"
      ? [
          { host: "minioConsole" as const, namespace: ns.data, service: minio.console, port: MINIO_CONSOLE_PORT, pods: minioPods, targetPort: MINIO_CONSOLE_PORT },
          { host: "s3" as const, namespace: ns.data, service: minio.service, port: MINIO_PORT, pods: minioPods, targetPort: MINIO_PORT },
        ]
      : []),
  ];

  return {
    exposed,
    objectStore: store,
    mysql: { host: mysql.host, port: mysql.port, replicaHost: mysql.replicaHost, access: mysql.access },
    redis: { host: redis.host, port: redis.port, sentinel: redis.sentinel, passwordSecret: redis.passwordSecret },
    milvus: { endpoint: milvus.endpoint, port: milvus.port, authSecret: milvus.authSecret },
    dataApi: { url: dataApi.url },
  };
}
