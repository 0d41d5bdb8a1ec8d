// The ONE-DATA-STUDIO platform program: read and validate the stack config once, then compose the layers.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { gpuCapacity, gpuOperatorEnabled, loadConfig, namespacePlan } from "./config";
import { Cluster } from "./components/infra/cluster";
import { ExistingCluster } from "./components/infra/existingCluster";
import { GpuNodePool } from "./components/infra/gpuNodePool";
import { GpuOperator } from "./components/infra/gpuOperator";
import { Namespaces } from "./components/infra/namespaces";
import { Network } from "./components/infra/network";
import { ClusterHandle } from "./components/lib/cluster";
import { awsTags } from "./components/lib/naming";

const cfg = loadConfig();
const base = `${cfg.namePrefix}-${cfg.environment}`;
const nsPlan = namespacePlan(cfg);
const gpus = gpuCapacity(cfg);

// ---- L1: the cluster -------------------------------------------------------------------------
let cluster: ClusterHandle;
const poolOutputs: { name: string; gpuType: string; capacityType: string; instanceTypes: string[]; minSize: number; maxSize: number; nodeGroupName: pulumi.Output<string> }[] = [];

if (cfg.kind === "aws") {
  const a = cfg.aws!;
  const awsProvider = new aws.Provider(`${base}-aws`, {
    region: a.region as aws.Region,
    defaultTags: { tags: awsTags(cfg.environment, "platform") },
  });
  const opts = { providers: { aws: awsProvider } };
  const clusterName = base;
  const network = new Network(`${base}-net`, {
    environment: cfg.environment,
    clusterName,
    vpcCidr: a.vpcCidr,
    availabilityZones: a.availabilityZones,
    natGateways: a.natGateways,
  }, opts);
  const eks = new Cluster(`${base}-eks`, {
    environment: cfg.environment,
    clusterName,
    region: a.region,
    kubernetesVersion: a.kubernetesVersion,
    privateSubnetIds: network.privateSubnetIds,
    endpoint: a.endpoint,
    logTypes: a.logTypes,
    logRetentionDays: a.logRetentionDays,
    ebsCsiAddonVersion: a.ebsCsiAddonVersion,
    systemNodes: a.systemNodes,
  }, opts);
  for (const p of cfg.gpuPools) {
    const pool = new GpuNodePool(`${base}-gpu-${p.name}`, {
      environment: cfg.environment,
      clusterName: eks.clusterName,
      nodeRoleArn: eks.nodeRoleArn,
      subnetIds: network.privateSubnetIds,
      poolName: p.name,
      gpuType: p.gpuType,
      instanceTypes: p.instanceTypes,
      capacityType: p.capacityType,
      minSize: p.minSize,
      desiredSize: p.desiredSize,
      maxSize: p.maxSize,
      diskSizeGiB: p.diskSizeGiB,
    }, { ...opts, dependsOn: [eks.systemNodeGroup] });
    poolOutputs.push({ name: p.name, gpuType: p.gpuType, capacityType: p.capacityType, instanceTypes: p.instanceTypes, minSize: p.minSize, maxSize: p.maxSize, nodeGroupName: pool.nodeGroupName });
  }
  cluster = eks.handle(gpus);
} else {
  const e = cfg.existingCluster ?? { kubeconfig: "~/.kube/config", storageClass: "standard", gpus: 0 };
  cluster = new ExistingCluster(`${base}-cluster`, {
    kubeconfig: e.kubeconfig,
    context: e.context,
    storageClass: e.storageClass,
    gpus: e.gpus,
  }).handle();
}

const k8sOpts = { providers: { kubernetes: cluster.provider } };
const ns = new Namespaces(`${base}-ns`, { namespaces: nsPlan }, k8sOpts);

if (gpuOperatorEnabled(cfg)) {
  new GpuOperator(`${base}-gpu-operator`, {
    namespace: ns.names.gpu,
    monitoringNamespace: ns.names.observability,
    driver: cfg.gpuOperator.driver,
    toolkit: cfg.gpuOperator.toolkit,
    timeSlicingReplicas: cfg.gpuOperator.timeSlicingReplicas,
    serviceMonitor: cfg.gpuOperator.serviceMonitor,
  }, { ...k8sOpts, dependsOn: [ns] });
}

// ---- stack outputs ---------------------------------------------------------------------------
export const environment = cfg.environment;
export const clusterName = cluster.clusterName;
export const kubeconfig = pulumi.secret(cluster.kubeconfig);
export const storageClass = cluster.storageClassName;
/** Kubernetes minor version the program targets; the offline plan renders Helm charts for it. */
export const kubernetesVersion = cfg.kind === "aws" ? cfg.aws!.kubernetesVersion : undefined;
export const gpuCapacityTotal = gpus;
export const gpuPools = poolOutputs;
export const namespaces = ns.names;
