// S3 on AWS: the same buckets, KMS-encrypted, public access blocked, versioned, TLS only, old versions
// expired, and one IAM role per consumer for its service account (IRSA) instead of keys.
import * as pulumi from "@pulumi/pulumi";
import { bucketNames, ObjectStoreArgs, S3Settings, StoreParts } from "./objectStore";

export function s3Store(parent: pulumi.ComponentResource, name: string, args: ObjectStoreArgs & { s3: S3Settings }): StoreParts {
  // STUB: replaced by the implementation.
  void parent;
  void name;
  const host = pulumi.output(`s3.${args.s3.region}.amazonaws.com`);
  return {
    endpoint: pulumi.interpolate`https://${host}`,
    host,
    port: 443,
    useTls: true,
    pathStyle: false,
    region: args.s3.region,
    buckets: Object.fromEntries(Object.entries(bucketNames(args.bucketPrefix)).map(([k, v]) => [k, pulumi.output(v)])) as StoreParts["buckets"],
    access: Object.fromEntries(args.consumers.map((c) => [c.name, { serviceAccount: c.serviceAccount, roleArn: pulumi.output(`arn:aws:iam::123456789012:role/${c.name}`) }])),
    ready: [],
  };
}
