// Every rule of the pack, in one list: the pack, the offline policy check and the tests all use this.
import type { Policies } from "@pulumi/policy";
import { ebsEncrypted } from "./aws-ebs";
import { eksControlPlaneLogging, eksEndpointNotWorldOpen, eksPrivateEndpoint, eksSecretsEncryption } from "./aws-eks";
import { gpuNodeGroupCap, nodeGroupMaxSize } from "./aws-gpu-nodegroups";
import { s3BlockPublicAccess, s3Encryption } from "./aws-s3";
import { noOpenAdminPorts, noWorldIngress } from "./aws-security-groups";
import { helmChartPinned } from "./helm";
import { pdbRequired, podSpread } from "./k8s-availability";
import { noPublicLoadBalancer, tlsListeners } from "./k8s-exposure";
import { gpuScheduling } from "./k8s-gpu";
import { noHostAccess } from "./k8s-host-access";
import { allowedRegistries, imagePinned, noBitnamiImages } from "./k8s-images";
import { defaultDenyIngress } from "./k8s-network-policy";
import { probes } from "./k8s-probes";
import { containerResources } from "./k8s-resources";
import { dropAllCapabilities, noPrivilegedContainers, noPrivilegeEscalation, runAsNonRoot, seccompProfile } from "./k8s-security-context";
import { publicClientNoDirectGrants, noWildcardRedirects, realmBruteForce, realmPasswordPolicy, realmSsl } from "./keycloak";
import { minioNoPublicBuckets } from "./minio";
import { grantOwnDatabase, noWildcardSuperuser } from "./mysql";
import { noPlaintextSecrets } from "./secrets";

export const policies: Policies = [
  // Kubernetes workloads
  noPrivilegedContainers,
  noPrivilegeEscalation,
  runAsNonRoot,
  dropAllCapabilities,
  seccompProfile,
  noHostAccess,
  containerResources,
  imagePinned,
  allowedRegistries,
  noBitnamiImages,
  gpuScheduling,
  probes,
  // Availability
  pdbRequired,
  podSpread,
  // Network
  defaultDenyIngress,
  noPublicLoadBalancer,
  tlsListeners,
  // Secrets and packaging
  noPlaintextSecrets,
  helmChartPinned,
  // AWS
  eksSecretsEncryption,
  eksPrivateEndpoint,
  eksEndpointNotWorldOpen,
  eksControlPlaneLogging,
  ebsEncrypted,
  s3BlockPublicAccess,
  s3Encryption,
  noOpenAdminPorts,
  noWorldIngress,
  gpuNodeGroupCap,
  nodeGroupMaxSize,
  // Identity and data services
  realmSsl,
  realmBruteForce,
  realmPasswordPolicy,
  publicClientNoDirectGrants,
  noWildcardRedirects,
  minioNoPublicBuckets,
  noWildcardSuperuser,
  grantOwnDatabase,
];
