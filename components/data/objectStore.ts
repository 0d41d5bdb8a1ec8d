// The platform's object store, one interface over two implementations: MinIO in the cluster (the kit's own
// StatefulSet; buckets, users and policies through @pulumi/minio) or S3 on AWS (KMS, versioning, TLS-only
// policy, IRSA roles per consumer).
import * as pulumi from "@pulumi/pulumi";
import { AdminAccessSettings } from "./adminEndpoint";
import { BUCKET_ROLES, BucketRole, ContainerResources, ObjectStoreAccess, ObjectStoreConsumer } from "./contracts";

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
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:ObjectStore", name, {}, opts);
    // STUB: replaced by the MinIO and S3 implementations.
    this.kind = args.kind;
    const names = bucketNames(args.bucketPrefix);
    this.buckets = Object.fromEntries(Object.entries(names).map(([k, v]) => [k, pulumi.output(v)])) as Record<BucketRole, pulumi.Output<string>>;
    this.region = args.s3?.region ?? "us-east-1";
    this.useTls = args.kind === "s3";
    this.pathStyle = args.kind === "minio";
    this.port = args.kind === "s3" ? 443 : 9000;
    this.host = args.kind === "s3" ? pulumi.output(`s3.${this.region}.amazonaws.com`) : pulumi.interpolate`${name}.${args.namespace}.svc.cluster.local:9000`;
    this.endpoint = args.kind === "s3" ? pulumi.interpolate`https://${this.host}` : pulumi.interpolate`http://${this.host}`;
    this.access = Object.fromEntries(args.consumers.map((c) => [c.name, { serviceAccount: c.serviceAccount, credentialsSecret: args.kind === "minio" ? pulumi.output(`${c.name}-object-store`) : undefined }]));
    this.registerOutputs({ kind: this.kind, endpoint: this.endpoint, buckets: this.buckets });
  }
}
