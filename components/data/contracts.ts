// What the data layer's components hand to each other and to the layers above: object-store access per
// consumer, database credentials per service, and the shapes of their arguments.
import type * as pulumi from "@pulumi/pulumi";

/** Container resources as the stack config gives them (requests, and a memory limit). */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { memory: string; cpu?: string };
}

/** A persistent volume: its size and StorageClass. */
export interface VolumeSpec {
  size: string;
  storageClass: pulumi.Input<string>;
}

/** The four buckets of the platform, by role; real names are `<prefix>-<environment>-<role>`. */
export const BUCKET_ROLES = ["datasets", "models", "milvus", "backups"] as const;
export type BucketRole = (typeof BUCKET_ROLES)[number];

/** Bucket roles whose objects are versioned (datasets and model weights must survive an overwrite). */
export const VERSIONED_BUCKETS: readonly BucketRole[] = ["datasets", "models"];

/** A service that reads or writes the object store, and from where. */
export interface ObjectStoreConsumer {
  /** Consumer name (`data-api`, `milvus`, `mysql-backup`, ...): the MinIO user or IAM role is named after it. */
  name: string;
  /** Namespace its pods run in (its credentials Secret is created there). */
  namespace: pulumi.Input<string>;
  /** Service account its pods run as (IRSA binds the IAM role to it on AWS). */
  serviceAccount: string;
  /** Buckets it may use and how; nothing else is allowed. */
  buckets: Partial<Record<BucketRole, "read" | "readwrite">>;
}

/**
 * How one consumer reaches the store: on MinIO a Secret in its namespace with `AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY`; on S3 an IAM role its service account is annotated with
 * (`eks.amazonaws.com/role-arn`). Exactly one of the two is set.
 */
export interface ObjectStoreAccess {
  credentialsSecret?: pulumi.Output<string>;
  roleArn?: pulumi.Output<string>;
  serviceAccount: string;
}

/** Keys of an object-store credentials Secret (the AWS SDK's environment variable names). */
export const ACCESS_KEY_ID_KEY = "AWS_ACCESS_KEY_ID";
export const SECRET_ACCESS_KEY_KEY = "AWS_SECRET_ACCESS_KEY";

/** The object store as every consumer sees it, whichever implementation runs. */
export interface ObjectStoreHandle {
  kind: "minio" | "s3";
  /** S3 API URL reachable from pods: http://<svc>.<ns>.svc.cluster.local:9000 or https://s3.<region>.amazonaws.com. */
  endpoint: pulumi.Output<string>;
  /** Host:port (MinIO) or host (S3) without scheme, for clients that take them apart (Milvus, MOCO). */
  host: pulumi.Output<string>;
  port: number;
  useTls: boolean;
  /** Path-style addressing (MinIO) or virtual-hosted (S3). */
  pathStyle: boolean;
  region: string;
  buckets: Record<BucketRole, pulumi.Output<string>>;
  /** Access of each declared consumer, by consumer name. */
  access: Record<string, ObjectStoreAccess>;
  /** Resources a consumer depends on before it starts (buckets, users, policies). */
  ready: pulumi.Resource[];
}

/** A service with its own MySQL database and user (or a read-only user on another's database). */
export interface DatabaseConsumer {
  /** Service name (`data-api`, `agent-api`, `keycloak`, `grafana`, `text2sql`). */
  name: string;
  /** Namespace of the service; its credentials Secret goes there. */
  namespace: pulumi.Input<string>;
  /** MySQL user name (letters, digits, `_`; at most 32 characters). */
  user: string;
  /** "owner": all data and DDL privileges on its own database `database`; "read": SELECT on `database`, which another consumer owns. */
  access: "owner" | "read";
  database: string;
}

/** Keys of a database credentials Secret. */
export const DB_SECRET_KEYS = { host: "host", port: "port", database: "database", user: "username", password: "password" } as const;

export interface DatabaseAccess {
  /** Name of the Secret (in the consumer's namespace) with host, port, database, username, password. */
  secretName: pulumi.Output<string>;
  database: string;
  user: string;
}

export interface MySqlHandle {
  /** Primary (read-write) Service host inside the cluster, and its port. */
  host: pulumi.Output<string>;
  port: number;
  /** Read-only replicas' Service host (the primary's on a single instance). */
  replicaHost: pulumi.Output<string>;
  access: Record<string, DatabaseAccess>;
}

export interface RedisHandle {
  /** Host and port clients use for the current master (HAProxy in front of Sentinel, or the single instance). */
  host: pulumi.Output<string>;
  port: number;
  /** Sentinel host:port and master set name where Sentinel runs, for Sentinel-aware clients. */
  sentinel?: { host: pulumi.Output<string>; port: number; masterSet: string };
  /** Name of the Secret (key `password`) in each namespace that asked for one. */
  passwordSecret: Record<string, pulumi.Output<string>>;
}

export interface MilvusHandle {
  /** gRPC and REST (v2 RESTful API) endpoint inside the cluster: http://<svc>.<ns>.svc.cluster.local:19530. */
  endpoint: pulumi.Output<string>;
  port: number;
  /** Secret (in the data namespace) with the root user's password; clients elsewhere get their own copy or user. */
  authSecret: pulumi.Output<string>;
}
