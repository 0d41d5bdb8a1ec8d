import { allStrings, get, ofType, one, record } from "../../test/harness";
import { checkClusterArgs, Cluster, ClusterArgs } from "./cluster";

const args = (over: Partial<ClusterArgs> = {}): ClusterArgs => ({
  environment: "prod",
  clusterName: "ods-prod",
  region: "us-east-1",
  kubernetesVersion: "1.35",
  privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"],
  endpoint: { privateAccess: true, publicAccess: false, publicAccessCidrs: [] },
  logTypes: ["api", "audit", "authenticator"],
  logRetentionDays: 365,
  ebsCsiAddonVersion: "v1.67.1-eksbuild.1",
  systemNodes: { instanceTypes: ["m6i.2xlarge"], minSize: 3, desiredSize: 3, maxSize: 9, diskSizeGiB: 100 },
  ...over,
});

test("EKS with KMS envelope encryption of Secrets, control-plane logs and a private endpoint", async () => {
  const rs = await record(() => new Cluster("c", args()));
  const eks = one(rs, "aws:eks/cluster:Cluster");
  expect(get(eks, "name")).toBe("ods-prod");
  expect(get(eks, "version")).toBe("1.35");
  expect(get(eks, "encryptionConfig.resources")).toEqual(["secrets"]);
  expect(get(eks, "encryptionConfig.provider.keyArn")).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  expect(get(eks, "enabledClusterLogTypes")).toEqual(["api", "audit", "authenticator"]);
  expect(get(eks, "vpcConfig")).toEqual({ subnetIds: ["subnet-a", "subnet-b", "subnet-c"], endpointPrivateAccess: true, endpointPublicAccess: false });
  expect(get(one(rs, "aws:kms/key:Key"), "enableKeyRotation")).toBe(true);
  const logs = one(rs, "aws:cloudwatch/logGroup:LogGroup");
  expect(get(logs, "name")).toBe("/aws/eks/ods-prod/cluster");
  expect(get(logs, "retentionInDays")).toBe(365);
});

test("a public endpoint carries exactly the configured CIDRs", async () => {
  const rs = await record(() => new Cluster("c", args({ endpoint: { privateAccess: true, publicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } })));
  expect(get(one(rs, "aws:eks/cluster:Cluster"), "vpcConfig.publicAccessCidrs")).toEqual(["203.0.113.0/24"]);
});

test("OIDC provider and an IRSA role scoped to the EBS CSI controller's service account", async () => {
  const rs = await record(() => new Cluster("c", args()));
  expect(get(one(rs, "aws:iam/openIdConnectProvider:OpenIdConnectProvider"), "url")).toBe("https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF");
  const ebsRole = ofType(rs, "aws:iam/role:Role").find((r) => r.name === "c-ebs-csi")!;
  const trust = JSON.parse(get(ebsRole, "assumeRolePolicy") as string);
  expect(trust.Statement[0].Condition.StringEquals).toEqual({
    "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    "oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF:aud": "sts.amazonaws.com",
  });
  const addon = one(rs, "aws:eks/addon:Addon");
  expect(get(addon, "addonName")).toBe("aws-ebs-csi-driver");
  expect(get(addon, "addonVersion")).toBe("v1.67.1-eksbuild.1");
  expect(get(addon, "serviceAccountRoleArn")).toBe("arn:aws:iam::123456789012:role/c-ebs-csi");
  const attachments = ofType(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => get(a, "policyArn"));
  expect(attachments).toContain("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
  expect(attachments).toContain("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
  expect(attachments).toContain("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
});

test("a default encrypted gp3 StorageClass through the EBS CSI driver", async () => {
  const rs = await record(() => new Cluster("c", args()));
  const sc = one(rs, "kubernetes:storage.k8s.io/v1:StorageClass");
  expect(get(sc, "provisioner")).toBe("ebs.csi.aws.com");
  expect(get(sc, "parameters")).toEqual({ type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" });
  expect(get(sc, "metadata.annotations")).toEqual({ "storageclass.kubernetes.io/is-default-class": "true" });
  expect(get(sc, "volumeBindingMode")).toBe("WaitForFirstConsumer");
  expect(sc.provider).toBe("c-k8s");
});

test("system node group: AL2023, on-demand, sizes from args, encrypted root volume, IMDSv2", async () => {
  const rs = await record(() => new Cluster("c", args()));
  const ng = one(rs, "aws:eks/nodeGroup:NodeGroup");
  expect(get(ng, "amiType")).toBe("AL2023_x86_64_STANDARD");
  expect(get(ng, "capacityType")).toBe("ON_DEMAND");
  expect(get(ng, "scalingConfig")).toEqual({ minSize: 3, desiredSize: 3, maxSize: 9 });
  expect(get(ng, "taints")).toBeUndefined();
  const lt = one(rs, "aws:ec2/launchTemplate:LaunchTemplate");
  expect(get(lt, "blockDeviceMappings")).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 100, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
  expect(get(lt, "metadataOptions")).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 });
});

test("the kubeconfig is secret everywhere it is recorded", async () => {
  const rs = await record(() => new Cluster("c", args()));
  const provider = one(rs, "pulumi:providers:kubernetes");
  expect(get(provider, "kubeconfig")).toBe("[secret]");
  expect(allStrings(rs.map((r) => r.inputs)).some((s) => s.includes("get-token"))).toBe(false);
});

test("bad args fail before anything is declared, naming the argument and what is allowed", () => {
  expect(() => checkClusterArgs("c", args({ endpoint: { privateAccess: false, publicAccess: true, publicAccessCidrs: [] }, privateSubnetIds: ["a"] }))).toThrow(
    "Cluster c: endpoint.publicAccess without publicAccessCidrs; allowed: a non-empty CIDR list; 1 private subnet(s); allowed: at least 2 (EKS needs two zones)",
  );
  expect(() => new Cluster("c", args({ systemNodes: { instanceTypes: [], minSize: 1, desiredSize: 1, maxSize: 1, diskSizeGiB: 50 } }))).toThrow(
    "Cluster c: systemNodes.instanceTypes is empty",
  );
  expect(() => checkClusterArgs("c", args())).not.toThrow();
});
