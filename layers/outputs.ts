// The stack outputs, from the handles of every layer.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { InfraHandle } from "./infra";

export interface Layers {
  infra: InfraHandle;
}

export function stackOutputs(platform: PlatformConfig, { infra }: Layers) {
  const c = infra.cluster;
  return {
    environment: platform.environment,
    clusterName: c.name,
    kubeconfig: pulumi.secret(c.kubeconfig),
    storageClass: c.storageClass,
    /** Kubernetes minor version the program targets; the offline plan renders Helm charts for it. */
    kubernetesVersion: c.kubernetesVersion,
    gpuCapacityTotal: c.gpu.capacity,
    gpuPools: c.gpu.pools.map((p) => ({ name: p.name, gpuType: p.gpuType, capacityType: p.capacityType, instanceTypes: p.instanceTypes, minSize: p.minSize, maxSize: p.maxSize, nodeGroupName: p.nodeGroupName })),
    namespaces: c.namespaces,
  };
}
