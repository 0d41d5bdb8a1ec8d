// What every layer gets from L1, whether the kit created the cluster (EKS) or was given it (kubeconfig).
import type { Provider } from "@pulumi/aws/provider";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PushRegistry } from "../infra/imageRepositories";

/** The namespaces the kit creates, one per layer (plus the GPU operator's own, and the edge's: Istio and its gateway). */
export const LAYERS = ["infra", "gpu", "data", "model", "apps", "identity", "observability", "edge"] as const;
export type Layer = (typeof LAYERS)[number];

/** A GPU node pool as upper layers see it: where to schedule, how many GPUs a node has. */
export interface GpuPoolInfo {
  name: string;
  gpuType: string;
  gpusPerNode: number;
  capacityType: "spot" | "on-demand";
  instanceTypes: string[];
  minSize: number;
  maxSize: number;
  /** Node labels a workload selects to land on this pool. */
  nodeSelector: Record<string, string>;
  /** The taint every node of the pool carries (workloads tolerate it). */
  taint: { key: string; value: string; effect: "NoSchedule" };
  /** EKS node group name (known after deployment). */
  nodeGroupName: pulumi.Output<string>;
}

/** AWS facts for IAM roles for service accounts (IRSA), S3 and cloud resources of upper layers. */
export interface AwsClusterInfo {
  region: string;
  /** Provider for every AWS resource of upper layers (region and default tags set). */
  provider: Provider;
  /** The cluster's IAM OIDC provider and issuer URL (https://...), for IRSA trust policies. */
  oidcProviderArn: pulumi.Output<string>;
  oidcIssuerUrl: pulumi.Output<string>;
  /** Role of the worker nodes. */
  nodeRoleArn: pulumi.Output<string>;
  vpcId: pulumi.Output<string>;
  privateSubnetIds: pulumi.Output<string>[];
}

export interface ClusterHandle {
  /** Kubernetes provider for every object of the later layers. */
  provider: k8s.Provider;
  /** Cluster name (EKS name, or the kubeconfig context). */
  name: pulumi.Output<string>;
  /** Kubeconfig the provider uses (secret). */
  kubeconfig: pulumi.Output<string>;
  /** Kubernetes minor version, e.g. "1.35" (the offline plan renders charts for it). */
  kubernetesVersion: string;
  /** StorageClass for persistent volumes. */
  storageClass: pulumi.Output<string>;
  /** `nvidia.com/gpu` the cluster offers at full scale (0 = no GPUs), and the pools that hold them. */
  gpu: { capacity: number; pools: GpuPoolInfo[]; operatorInstalled: boolean };
  /** Layer -> namespace name; depending on it waits for the namespace (and its quota and policies). */
  namespaces: Record<Layer, pulumi.Output<string>>;
  /** cert-manager, where the kit installs it: operators whose webhooks need certificates (MOCO) depend on it. */
  certManager?: pulumi.Resource;
  /** The Gateway API CRDs, where the kit installs them: cert-manager, istiod, the Gateway and every route depend on it. */
  gatewayApiCrds?: pulumi.Resource;
  /** The Prometheus operator's CRDs, where the kit installs them: whatever declares a ServiceMonitor, PodMonitor or PrometheusRule depends on it. */
  prometheusCrds?: pulumi.Resource;
  /** Set on AWS only. */
  aws?: AwsClusterInfo;
  /** Where the images the kit builds go (docs/adr/0001-service-images.md). */
  images: ImageTarget;
}

/** The stack's registry for the images the kit builds: ECR on AWS, the existing cluster's otherwise. */
export interface ImageTarget {
  /** The repository of a service's image (no tag); undefined where the stack has no registry. */
  repository(service: string): pulumi.Input<string> | undefined;
  /** Push credentials, where the registry needs them. */
  registry?: PushRegistry;
  /** The nodes' platform. */
  platform: "linux/amd64" | "linux/arm64";
}
