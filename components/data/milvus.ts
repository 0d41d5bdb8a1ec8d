// Milvus (chart 5.0.19, Milvus 2.6.15) on the platform's object store: standalone or cluster mode, its own
// etcd (3 members where replicated), ServiceMonitor on.
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources, ObjectStoreHandle } from "./contracts";

export interface MilvusArgs {
  namespace: pulumi.Input<string>;
  mode: "standalone" | "cluster";
  volumeSize: string;
  storageClass: pulumi.Input<string>;
  resources: ContainerResources;
  /** The store and the consumer name Milvus uses in it (bucket `milvus`). */
  objectStore: ObjectStoreHandle;
  consumer: string;
  monitoringNamespace: pulumi.Input<string>;
}

export class Milvus extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string>;
  readonly port = 19530;

  constructor(name: string, args: MilvusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:Milvus", name, {}, opts);
    // STUB: replaced by the chart implementation.
    this.endpoint = pulumi.interpolate`http://${name}-milvus.${args.namespace}.svc.cluster.local:19530`;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
