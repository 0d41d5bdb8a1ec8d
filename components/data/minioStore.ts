// MinIO in the cluster: the kit's own StatefulSet (standalone or distributed with erasure coding), root
// credentials generated into a Secret, metrics, and buckets/users/policies through @pulumi/minio.
import * as pulumi from "@pulumi/pulumi";
import { bucketNames, MinioSettings, ObjectStoreArgs, StoreParts } from "./objectStore";

export function minioStore(parent: pulumi.ComponentResource, name: string, args: ObjectStoreArgs & { minio: MinioSettings }): StoreParts {
  // STUB: replaced by the implementation.
  void parent;
  const host = pulumi.interpolate`${name}.${args.namespace}.svc.cluster.local:9000`;
  return {
    endpoint: pulumi.interpolate`http://${host}`,
    host,
    port: 9000,
    useTls: false,
    pathStyle: true,
    region: "us-east-1",
    buckets: Object.fromEntries(Object.entries(bucketNames(args.bucketPrefix)).map(([k, v]) => [k, pulumi.output(v)])) as StoreParts["buckets"],
    access: Object.fromEntries(args.consumers.map((c) => [c.name, { serviceAccount: c.serviceAccount, credentialsSecret: pulumi.output(`${c.name}-object-store`) }])),
    ready: [],
  };
}
