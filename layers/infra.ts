// L1: the cluster (EKS with its network and GPU pools, or an existing one), the per-layer namespaces and
// the GPU operator. Returns the cluster handle every upper layer builds on.
import { Provider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { InfraConfig, PlatformConfig } from "../config";
import { Cluster } from "../components/infra/cluster";
import { ExistingCluster } from "../components/infra/existingCluster";
import { GPU_TAINT, gpuPoolLabels, GpuNodePool } from "../components/infra/gpuNodePool";
import { CertManager } from "../components/infra/certManager";
import { GatewayApiCrds } from "../components/infra/gatewayApiCrds";
import { GpuOperator } from "../components/infra/gpuOperator";
import { PrometheusCrds } from "../components/infra/prometheusCrds";
import { Namespaces, namespaceSettings } from "../components/infra/namespaces";
import { Network } from "../components/infra/network";
import { AwsClusterInfo, ClusterHandle, GpuPoolInfo, ImageTarget } from "../components/lib/cluster";
import { ImageRepositories } from "../components/infra/imageRepositories";
import { KIT_SERVICES } from "../components/apps/serviceImage";
import { awsTags, baseName } from "../components/lib/naming";

export interface InfraHandle {
  cluster: ClusterHandle;
}

interface ClusterParts {
  provider: ClusterHandle["provider"];
  name: pulumi.Output<string>;
  kubeconfig: pulumi.Output<string>;
  kubernetesVersion: string;
  storageClass: pulumi.Output<string>;
  pools: GpuPoolInfo[];
  aws?: AwsClusterInfo;
  images: ImageTarget;
}

/** VPC, EKS and the GPU node pools, on an AWS provider for the configured region. */
function awsCluster(platform: PlatformConfig, cfg: InfraConfig, a: NonNullable<InfraConfig["aws"]>): ClusterParts {
  const base = baseName(platform);
  const provider = new Provider(`${base}-aws`, { region: a.region, defaultTags: { tags: awsTags(platform.environment, "platform") } });
  const opts = { providers: { aws: provider } };
  const network = new Network(`${base}-net`, { environment: platform.environment, clusterName: base, vpcCidr: a.vpcCidr, availabilityZones: a.availabilityZones, natGateways: a.natGateways }, opts);
  const eks = new Cluster(`${base}-eks`, {
    environment: platform.environment,
    clusterName: base,
    region: a.region,
    kubernetesVersion: a.kubernetesVersion,
    privateSubnetIds: network.privateSubnetIds,
    endpoint: a.endpoint,
    logTypes: a.logTypes,
    logRetentionDays: a.logRetentionDays,
    ebsCsiAddonVersion: a.ebsCsiAddonVersion,
    systemNodes: a.systemNodes,
  }, opts);
  const pools = cfg.gpuPools.map((p): GpuPoolInfo => {
    const pool = new GpuNodePool(`${base}-gpu-${p.name}`, { environment: platform.environment, clusterName: eks.clusterName, nodeRoleArn: eks.nodeRoleArn, subnetIds: network.privateSubnetIds, pool: p }, { ...opts, dependsOn: [eks.systemNodeGroup] });
    const { name, gpuType, gpusPerNode, capacityType, instanceTypes, minSize, maxSize } = p;
    return { name, gpuType, gpusPerNode, capacityType, instanceTypes, minSize, maxSize, nodeSelector: gpuPoolLabels(name, gpuType), taint: GPU_TAINT, nodeGroupName: pool.nodeGroupName };
  });
  return {
    provider: eks.provider,
    name: eks.clusterName,
    kubeconfig: eks.kubeconfig,
    kubernetesVersion: a.kubernetesVersion,
    storageClass: eks.storageClassName,
    pools,
    images: awsImages(base, provider),
    aws: {
      region: a.region,
      provider,
      oidcProviderArn: eks.oidcProviderArn,
      oidcIssuerUrl: eks.oidcIssuerUrl,
      nodeRoleArn: eks.nodeRoleArn,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
    },
  };
}

/** One ECR repository per service the kit builds, `<base>/<service>`; EKS nodes pull from ECR with their role. */
function awsImages(base: string, provider: Provider): ImageTarget {
  const repos = new ImageRepositories(`${base}-images`, { prefix: base, services: KIT_SERVICES }, { providers: { aws: provider } });
  // EKS nodes run on x86 instance types (systemNodes): the images target linux/amd64.
  return { repository: (service) => repos.urls[service], registry: repos.registry, platform: "linux/amd64" };
}

/** A cluster from a kubeconfig; GPUs, if any, are the count the config states. */
function existingCluster(platform: PlatformConfig, e: NonNullable<InfraConfig["existingCluster"]>): ClusterParts {
  const cluster = new ExistingCluster(`${baseName(platform)}-cluster`, { kubeconfig: e.kubeconfig, context: e.context, storageClass: e.storageClass });
  return {
    provider: cluster.provider,
    name: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    kubernetesVersion: e.kubernetesVersion,
    storageClass: cluster.storageClassName,
    pools: [],
    images: {
      repository: (service) => (e.registry ? `${e.registry}/${baseName(platform)}/${service}` : undefined),
      platform: e.imagePlatform,
    },
  };
}

export function infraLayer(platform: PlatformConfig, cfg: InfraConfig): InfraHandle {
  const base = baseName(platform);
  const parts = cfg.kind === "aws" ? awsCluster(platform, cfg, cfg.aws!) : existingCluster(platform, cfg.existingCluster!);
  const k8sOpts = { providers: { kubernetes: parts.provider } };
  const ns = new Namespaces(`${base}-ns`, { namespaces: namespaceSettings(platform.namePrefix, cfg.namespaces) }, k8sOpts);

  // Before cert-manager: its Gateway API support (ACME HTTP-01 through the gateway) needs them at start.
  const gatewayApiCrds = cfg.gatewayApiCrds.enabled ? new GatewayApiCrds(`${base}-gateway-api`, {}, k8sOpts) : undefined;

  const certManager = cfg.certManager.enabled
    ? new CertManager(`${base}-cert-manager`, { namespace: ns.names.infra, highAvailability: platform.highAvailability }, { ...k8sOpts, dependsOn: [ns, ...(gatewayApiCrds ? [gatewayApiCrds] : [])] })
    : undefined;

  // Installed before anything that declares a monitor: one `pulumi up` converges on a bare cluster.
  const prometheusCrds = cfg.prometheusCrds.enabled
    ? new PrometheusCrds(`${base}-prometheus-crds`, { namespace: ns.names.observability }, { ...k8sOpts, dependsOn: [ns] })
    : undefined;

  if (cfg.gpuOperator.enabled) {
    new GpuOperator(`${base}-gpu-operator`, {
      namespace: ns.names.gpu,
      monitoringNamespace: ns.names.observability,
      driver: cfg.gpuOperator.driver,
      toolkit: cfg.gpuOperator.toolkit,
      timeSlicingReplicas: cfg.gpuOperator.timeSlicingReplicas,
      serviceMonitor: cfg.gpuOperator.serviceMonitor,
    }, { ...k8sOpts, dependsOn: [ns, ...(cfg.gpuOperator.serviceMonitor && prometheusCrds ? [prometheusCrds] : [])] });
  }

  return {
    cluster: {
      provider: parts.provider,
      name: parts.name,
      kubeconfig: parts.kubeconfig,
      kubernetesVersion: parts.kubernetesVersion,
      storageClass: parts.storageClass,
      gpu: { capacity: cfg.gpuCapacity, pools: parts.pools, operatorInstalled: cfg.gpuOperator.enabled },
      namespaces: ns.names,
      ...(certManager ? { certManager } : {}),
      ...(gatewayApiCrds ? { gatewayApiCrds } : {}),
      ...(prometheusCrds ? { prometheusCrds } : {}),
      ...(parts.aws ? { aws: parts.aws } : {}),
      images: parts.images,
    },
  };
}
