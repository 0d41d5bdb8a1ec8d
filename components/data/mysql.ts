// MySQL 8.4 through the MOCO operator: a MySQLCluster (single instance, or a semi-synchronous primary with
// replicas and automatic failover), scheduled backups into the object store, and per-service databases,
// users and grants through @pulumi/mysql.
import * as pulumi from "@pulumi/pulumi";
import { AdminAccessSettings } from "./adminEndpoint";
import { ContainerResources, DatabaseAccess, DatabaseConsumer, ObjectStoreHandle } from "./contracts";

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
}

export class MySql extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port = 3306;
  readonly replicaHost: pulumi.Output<string>;
  readonly access: Record<string, DatabaseAccess>;

  constructor(name: string, args: MySqlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:MySql", name, {}, opts);
    // STUB: replaced by the MOCO implementation.
    this.host = pulumi.interpolate`moco-${name}-primary.${args.namespace}.svc.cluster.local`;
    this.replicaHost = pulumi.interpolate`moco-${name}-replica.${args.namespace}.svc.cluster.local`;
    this.access = Object.fromEntries(args.consumers.map((c) => [c.name, { secretName: pulumi.output(`${c.name}-mysql`), database: c.database, user: c.user }]));
    this.registerOutputs({ host: this.host, replicaHost: this.replicaHost });
  }
}
