// What every layer needs from a cluster, whether the kit created it (EKS) or was given it (kubeconfig).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ClusterCapabilities {
  /** Allocatable `nvidia.com/gpu` at full scale (0 = no GPUs). */
  gpus: number;
  /** Whether the cluster runs on AWS (IAM roles for service accounts, S3, EBS). */
  aws: boolean;
}

export interface ClusterHandle {
  /** Kubernetes provider for every object of the later layers. */
  provider: k8s.Provider;
  /** Cluster name (EKS name, or the kubeconfig context). */
  clusterName: pulumi.Output<string>;
  /** StorageClass for persistent volumes. */
  storageClassName: pulumi.Output<string>;
  /** Kubeconfig the provider uses (secret). */
  kubeconfig: pulumi.Output<string>;
  capabilities: ClusterCapabilities;
}
