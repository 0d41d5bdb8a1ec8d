// A cluster the kit did not create (kind, k3d, minikube, or any cluster with a kubeconfig).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ExistingClusterArgs {
  /** Path to a kubeconfig file, or its contents. */
  kubeconfig: string;
  /** Context to use; default: the kubeconfig's current context. */
  context?: string;
  /** StorageClass the cluster already has. */
  storageClass: string;
}

/** Expands a leading `~/` so a path in stack config works for every user. */
export function expandHome(path: string, home: string): string {
  return path.startsWith("~/") ? `${home}/${path.slice(2)}` : path;
}

export class ExistingCluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:ExistingCluster", name, {}, opts);
    // The provider reads the file itself at deploy time; nothing here reads the user's disk.
    this.kubeconfig = pulumi.secret(expandHome(args.kubeconfig, process.env.HOME ?? "~"));
    this.provider = new k8s.Provider(`${name}-k8s`, {
      kubeconfig: this.kubeconfig,
      ...(args.context ? { context: args.context } : {}),
      enableServerSideApply: true,
    }, { parent: this });
    this.clusterName = pulumi.output(args.context ?? "current-context");
    this.storageClassName = pulumi.output(args.storageClass);
    this.registerOutputs({ clusterName: this.clusterName, storageClassName: this.storageClassName });
  }
}
