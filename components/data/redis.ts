// Redis with automatic failover (Sentinel) through the redis-ha chart, or a single instance; auth from a
// generated Secret, persistence, metrics, a PDB where replicated.
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources } from "./contracts";

export interface RedisArgs {
  namespace: pulumi.Input<string>;
  /** 1 = single instance without Sentinel; 3 to 7 = replicas with Sentinel failover. */
  replicas: number;
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  resources: ContainerResources;
  /** Namespaces (by a short key such as "apps") that get a copy of the password Secret for their clients. */
  clientNamespaces: Record<string, pulumi.Input<string>>;
  monitoringNamespace: pulumi.Input<string>;
}

export class Redis extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port = 6379;
  readonly sentinel?: { host: pulumi.Output<string>; port: number; masterSet: string };
  readonly passwordSecret: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:Redis", name, {}, opts);
    // STUB: replaced by the redis-ha implementation.
    this.host = pulumi.interpolate`${name}.${args.namespace}.svc.cluster.local`;
    this.passwordSecret = Object.fromEntries(Object.keys(args.clientNamespaces).map((k) => [k, pulumi.output(`${name}-auth`)]));
    this.registerOutputs({ host: this.host });
  }
}
