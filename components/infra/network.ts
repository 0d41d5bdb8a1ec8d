// VPC for the EKS cluster: private subnets for nodes, public subnets for load balancers and NAT, per AZ.
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";
import { awsTags } from "../lib/naming";
import { subnetLayout } from "./subnets";

export interface NetworkArgs {
  /** Environment name, for tags. */
  environment: string;
  /** EKS cluster name the subnets are tagged for. */
  clusterName: string;
  /** VPC CIDR, /16 to /20. */
  vpcCidr: string;
  /** Availability zones (1 to 6), one private + one public subnet each. */
  availabilityZones: string[];
  /** "single": one NAT gateway for all zones (cheaper); "perAz": one per zone (a zone outage does not cut egress). */
  natGateways: "single" | "perAz";
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly publicSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:Network", name, {}, opts);
    const layout = subnetLayout(args.vpcCidr, args.availabilityZones);
    const tags = (extra: Record<string, string> = {}) => awsTags(args.environment, "network", extra);
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

    const vpc = new ec2.Vpc(`${name}-vpc`, {
      cidrBlock: args.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: tags({ Name: `${name}-vpc` }),
    }, { parent: this });

    // The default security group allows all traffic between its members; take every rule away (CIS 5.4).
    new ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: tags({ Name: `${name}-default-locked` }) }, { parent: this });

    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags({ Name: `${name}-igw` }) }, { parent: this });
    const publicRt = new ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: tags({ Name: `${name}-public` }) }, { parent: this });
    new ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, { parent: this });

    const publicSubnets = layout.map((l) => {
      const subnet = new ec2.Subnet(`${name}-public-${l.az}`, {
        vpcId: vpc.id,
        cidrBlock: l.publicCidr,
        availabilityZone: l.az,
        mapPublicIpOnLaunch: false,
        tags: tags({ Name: `${name}-public-${l.az}`, "kubernetes.io/role/elb": "1", ...clusterTag }),
      }, { parent: this });
      new ec2.RouteTableAssociation(`${name}-public-${l.az}`, { subnetId: subnet.id, routeTableId: publicRt.id }, { parent: this });
      return subnet;
    });

    const natCount = args.natGateways === "perAz" ? layout.length : 1;
    const nats = layout.slice(0, natCount).map((l, i) => {
      const eip = new ec2.Eip(`${name}-nat-${l.az}`, { domain: "vpc", tags: tags({ Name: `${name}-nat-${l.az}` }) }, { parent: this });
      return new ec2.NatGateway(`${name}-nat-${l.az}`, {
        subnetId: publicSubnets[i].id,
        allocationId: eip.id,
        tags: tags({ Name: `${name}-nat-${l.az}` }),
      }, { parent: this, dependsOn: [igw] });
    });

    const privateSubnets = layout.map((l, i) => {
      const subnet = new ec2.Subnet(`${name}-private-${l.az}`, {
        vpcId: vpc.id,
        cidrBlock: l.privateCidr,
        availabilityZone: l.az,
        mapPublicIpOnLaunch: false,
        tags: tags({ Name: `${name}-private-${l.az}`, "kubernetes.io/role/internal-elb": "1", ...clusterTag }),
      }, { parent: this });
      const rt = new ec2.RouteTable(`${name}-private-${l.az}`, { vpcId: vpc.id, tags: tags({ Name: `${name}-private-${l.az}` }) }, { parent: this });
      new ec2.Route(`${name}-private-${l.az}-default`, {
        routeTableId: rt.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: nats[Math.min(i, nats.length - 1)].id,
      }, { parent: this });
      new ec2.RouteTableAssociation(`${name}-private-${l.az}`, { subnetId: subnet.id, routeTableId: rt.id }, { parent: this });
      return subnet;
    });

    this.vpcId = vpc.id;
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
  }
}
