// The platform's object store, one interface over two implementations: MinIO in the cluster (the kit's own
// StatefulSet; buckets, users and policies through @pulumi/minio) or S3 on AWS (KMS, versioning, TLS-only
// policy, IRSA roles per consumer).
import * as pulumi from "@pulumi/pulumi";
import { AdminAccessSettings } from "./adminEndpoint";
import { BUCKET_ROLES, BucketRole, ContainerResources, ObjectStoreAccess, ObjectStoreConsumer, ObjectStoreHandle } from "./contracts";
import { minioStore } from "./minioStore";
import { s3Store } from "./s3Store";

export interface MinioSettings {
  /** Server image, pinned by tag. */
  image: string;
  /** 1 = standalone; 4 to 32 = distributed with erasure coding (one PVC per server, anti-affinity, PDB). */
  servers: number;
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  resources: ContainerResources;
  /** How `pulumi up` reaches the S3 API for @pulumi/minio (nodePort: `nodePort` is used). */
  access: AdminAccessSettings & { nodePort: number };
}

export interface S3Settings {
  region: string;
  /** KMS key ARN; default: the component creates a key with rotation. */
  kmsKeyArn?: string;
  noncurrentVersionDays: number;
  /** The cluster's IAM OIDC provider, for IRSA trust policies. */
  oidcProviderArn: pulumi.Input<string>;
  oidcIssuerUrl: pulumi.Input<string>;
}

export interface ObjectStoreArgs {
  /** "minio" needs `minio`, "s3" needs `s3` (and an aws provider in opts.providers). */
  kind: "minio" | "s3";
  /** Namespace of the MinIO servers (the data layer's). */
  namespace: pulumi.Input<string>;
  /** Bucket names are `<bucketPrefix>-<role>`, e.g. ods-dev-datasets. */
  bucketPrefix: string;
  /** Services that use the store; each gets only the buckets it lists. */
  consumers: ObjectStoreConsumer[];
  /** Namespace of Prometheus (allowed to scrape MinIO's metrics). */
  monitoringNamespace: pulumi.Input<string>;
  minio?: MinioSettings;
  s3?: S3Settings;
}

/** `<prefix>-<role>` for every bucket role (pure). */
export function bucketNames(prefix: string): Record<BucketRole, string> {
  return Object.fromEntries(BUCKET_ROLES.map((r) => [r, `${prefix}-${r}`])) as Record<BucketRole, string>;
}

/** What an implementation returns: everything the handle exposes but its kind. */
export type StoreParts = Omit<ObjectStoreHandle, "kind">;

export class ObjectStore extends pulumi.ComponentResource {
  readonly kind: "minio" | "s3";
  readonly endpoint: pulumi.Output<string>;
  readonly host: pulumi.Output<string>;
  readonly port: number;
  readonly useTls: boolean;
  readonly pathStyle: boolean;
  readonly region: string;
  readonly buckets: Record<BucketRole, pulumi.Output<string>>;
  readonly access: Record<string, ObjectStoreAccess>;
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:ObjectStore", name, {}, opts);
    let parts: StoreParts;
    if (args.kind === "minio") {
      if (!args.minio) throw new Error(`ObjectStore ${name}: kind "minio" needs args.minio`);
      parts = minioStore(this, name, { ...args, minio: args.minio });
    } else {
      if (!args.s3) throw new Error(`ObjectStore ${name}: kind "s3" needs args.s3 (AWS only)`);
      parts = s3Store(this, name, { ...args, s3: args.s3 });
    }
    this.kind = args.kind;
    ({ endpoint: this.endpoint, host: this.host, port: this.port, useTls: this.useTls, pathStyle: this.pathStyle, region: this.region, buckets: this.buckets, access: this.access, ready: this.ready } = parts);
    this.registerOutputs({ kind: this.kind, endpoint: this.endpoint, region: this.region, buckets: this.buckets });
  }
}
