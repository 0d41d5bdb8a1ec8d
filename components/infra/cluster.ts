// EKS cluster: encrypted Secrets, logged control plane, OIDC for service-account roles, EBS CSI, system nodes.
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../lib/naming";
import { sizesProblem } from "../lib/sizes";
import { eksKubeconfig, irsaTrustPolicy, managedPolicyArn, NODE_POLICIES, serviceTrustPolicy } from "./iam";
import { nodeLaunchTemplate } from "./nodes";

export interface ClusterArgs {
  environment: string;
  /** EKS cluster name (also used in subnet tags by Network). */
  clusterName: string;
  /** AWS region, for the kubeconfig's `aws eks get-token`. */
  region: string;
  kubernetesVersion: string;
  /** Subnets of the control-plane ENIs and the system nodes. */
  privateSubnetIds: pulumi.Input<string>[];
  endpoint: { privateAccess: boolean; publicAccess: boolean; publicAccessCidrs: string[] };
  /** Control-plane log types (api, audit, authenticator, controllerManager, scheduler). */
  logTypes: string[];
  logRetentionDays: number;
  /** Pinned version of the aws-ebs-csi-driver add-on. */
  ebsCsiAddonVersion: string;
  systemNodes: { instanceTypes: string[]; minSize: number; desiredSize: number; maxSize: number; diskSizeGiB: number };
  /** Name of the default StorageClass the kit creates. Default "gp3-encrypted". */
  storageClassName?: string;
}

/** Checks the args a caller could get wrong without the config schema in front of it; throws naming the argument. */
export function checkClusterArgs(name: string, args: ClusterArgs): void {
  const problems: string[] = [];
  const e = args.endpoint;
  if (!e.privateAccess && !e.publicAccess) problems.push("endpoint has neither private nor public access; allowed: at least one");
  if (e.publicAccess && e.publicAccessCidrs.length === 0) problems.push("endpoint.publicAccess without publicAccessCidrs; allowed: a non-empty CIDR list");
  if (args.privateSubnetIds.length < 2) problems.push(`${args.privateSubnetIds.length} private subnet(s); allowed: at least 2 (EKS needs two zones)`);
  const s = args.systemNodes;
  if (s.instanceTypes.length === 0) problems.push("systemNodes.instanceTypes is empty; allowed: at least one instance type");
  const sizes = sizesProblem(s);
  if (sizes) problems.push(`systemNodes ${sizes}`);
  if (problems.length > 0) throw new Error(`Cluster ${name}: ${problems.join("; ")}`);
}

export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly nodeRoleArn: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly secretsKeyArn: pulumi.Output<string>;
  readonly storageClassName: pulumi.Output<string>;
  /** The system node group; GPU pools and add-ons wait for it. */
  readonly systemNodeGroup: eks.NodeGroup;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    checkClusterArgs(name, args);
    super("ods:infra:Cluster", name, {}, opts);
    const tags = awsTags(args.environment, "cluster");
    const partition = getPartitionOutput({}, { parent: this }).partition;
    const attach = (role: iam.Role, policy: string, suffix: string) =>
      new iam.RolePolicyAttachment(`${name}-${suffix}`, { role: role.name, policyArn: pulumi.interpolate`${partition.apply((p) => managedPolicyArn(p, policy))}` }, { parent: this });

    const secretsKey = new kms.Key(`${name}-secrets`, {
      description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${args.clusterName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags,
    }, { parent: this });
    new kms.Alias(`${name}-secrets`, { name: `alias/${args.clusterName}-secrets`, targetKeyId: secretsKey.keyId }, { parent: this });

    // Created before the cluster so EKS writes into a group with our retention instead of a never-expiring one.
    const logGroup = new cloudwatch.LogGroup(`${name}-control-plane`, {
      name: `/aws/eks/${args.clusterName}/cluster`,
      retentionInDays: args.logRetentionDays,
      tags,
    }, { parent: this });

    const clusterRole = new iam.Role(`${name}-control-plane`, { assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com"), tags }, { parent: this });
    const clusterPolicy = attach(clusterRole, "AmazonEKSClusterPolicy", "cluster-policy");

    const cluster = new eks.Cluster(`${name}-eks`, {
      name: args.clusterName,
      version: args.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: args.privateSubnetIds,
        endpointPrivateAccess: args.endpoint.privateAccess,
        endpointPublicAccess: args.endpoint.publicAccess,
        ...(args.endpoint.publicAccess ? { publicAccessCidrs: args.endpoint.publicAccessCidrs } : {}),
      },
      encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
      enabledClusterLogTypes: args.logTypes,
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
      tags,
    }, { parent: this, dependsOn: [logGroup, clusterPolicy] });

    const issuer = cluster.identities.apply((ids) => ids?.[0]?.oidcs?.[0]?.issuer ?? "");
    const oidc = new iam.OpenIdConnectProvider(`${name}-oidc`, {
      url: issuer,
      clientIdLists: ["sts.amazonaws.com"],
      tags,
    }, { parent: this });

    const nodeRole = new iam.Role(`${name}-nodes`, { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"), tags }, { parent: this });
    const nodePolicies = NODE_POLICIES.map((p) => attach(nodeRole, p, `nodes-${p.replace(/^Amazon/, "").toLowerCase()}`));

    const systemTemplate = nodeLaunchTemplate(`${name}-system`, { diskSizeGiB: args.systemNodes.diskSizeGiB, tags: { ...tags, "ods:node-group": "system" } }, this);
    const systemNodes = new eks.NodeGroup(`${name}-system`, {
      clusterName: cluster.name,
      nodeRoleArn: nodeRole.arn,
      subnetIds: args.privateSubnetIds,
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      instanceTypes: args.systemNodes.instanceTypes,
      scalingConfig: { minSize: args.systemNodes.minSize, desiredSize: args.systemNodes.desiredSize, maxSize: args.systemNodes.maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: systemTemplate.id, version: pulumi.interpolate`${systemTemplate.latestVersion}` },
      labels: { "ods.io/node-group": "system" },
      tags,
    }, { parent: this, dependsOn: nodePolicies, ignoreChanges: ["scalingConfig.desiredSize"] });

    const ebsRole = new iam.Role(`${name}-ebs-csi`, {
      assumeRolePolicy: pulumi.all([oidc.arn, issuer]).apply(([arn, url]) => irsaTrustPolicy(arn, url, "kube-system", "ebs-csi-controller-sa")),
      tags,
    }, { parent: this });
    const ebsPolicy = attach(ebsRole, "service-role/AmazonEBSCSIDriverPolicy", "ebs-csi-policy");
    new eks.Addon(`${name}-ebs-csi`, {
      clusterName: cluster.name,
      addonName: "aws-ebs-csi-driver",
      addonVersion: args.ebsCsiAddonVersion,
      serviceAccountRoleArn: ebsRole.arn,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      tags,
    }, { parent: this, dependsOn: [systemNodes, ebsPolicy] });

    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.certificateAuthority]).apply(([clusterName, endpoint, ca]) =>
        eksKubeconfig({ clusterName, endpoint, certificateAuthority: ca.data ?? "", region: args.region }),
      ),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: [systemNodes] });

    const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
      metadata: {
        name: args.storageClassName ?? "gp3-encrypted",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    }, { parent: this, provider: this.provider });

    this.clusterName = cluster.name;
    this.nodeRoleArn = nodeRole.arn;
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuerUrl = issuer;
    this.secretsKeyArn = secretsKey.arn;
    this.storageClassName = storageClass.metadata.name;
    this.systemNodeGroup = systemNodes;
    this.registerOutputs({
      clusterName: this.clusterName,
      kubeconfig: this.kubeconfig,
      nodeRoleArn: this.nodeRoleArn,
      oidcProviderArn: this.oidcProviderArn,
      storageClassName: this.storageClassName,
    });
  }
}
