// Pieces shared by the system node group and the GPU pools.
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";

export interface NodeVolumeArgs {
  diskSizeGiB: number;
  tags: Record<string, string>;
}

/**
 * Launch template for managed node groups: an encrypted gp3 root volume (AWS-managed EBS key, so the
 * node group's service-linked role needs no extra key grants) and IMDSv2 only, with a hop limit of 2
 * so pods that legitimately use the instance role can still reach it through the node.
 */
export function nodeLaunchTemplate(name: string, args: NodeVolumeArgs, parent: pulumi.Resource): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(name, {
    description: `Encrypted root volume and IMDSv2 for ${name}`,
    updateDefaultVersion: true,
    blockDeviceMappings: [
      {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: args.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ],
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
    tagSpecifications: [
      { resourceType: "instance", tags: args.tags },
      { resourceType: "volume", tags: args.tags },
    ],
    tags: args.tags,
  }, { parent });
}

/** EKS capacity type for the config value. */
export function capacityType(value: "spot" | "on-demand"): "SPOT" | "ON_DEMAND" {
  return value === "spot" ? "SPOT" : "ON_DEMAND";
}
