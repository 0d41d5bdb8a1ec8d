// Mock provider behaviour for the offline plan: fixed, realistic values for what a cloud would compute.
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";
/** An EKS-shaped endpoint id; every computed value below is a placeholder, not a real resource. */
const MOCK_EKS_ID = "0123456789ABCDEF0123456789ABCDEF";

type State = Record<string, unknown>;

function shortHash(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** What the cloud would add to a resource's inputs, by type. */
/** Prefix of every mock RandomPassword result (test/stacks/secretScan.test.ts looks for it). */
export const MOCK_SECRET_MARK = "ods-mock-secret-";

function computed(type: string, name: string, inputs: State, region: string): State {
  const arn = (service: string, resource: string, withRegion = true) => `arn:aws:${service}:${withRegion ? region : ""}:${MOCK_ACCOUNT}:${resource}`;
  switch (type) {
    // A recognisable value per generated password: the secret scan fails wherever one shows up unredacted.
    case "random:index/randomPassword:RandomPassword":
      return { result: `${MOCK_SECRET_MARK}${name}` };
    case "aws:eks/cluster:Cluster":
      return {
        arn: arn("eks", `cluster/${inputs.name ?? name}`),
        endpoint: `https://${MOCK_EKS_ID}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`offline-plan-ca-${name}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/${MOCK_EKS_ID}` }] }],
        status: "ACTIVE",
      };
    case "aws:iam/role:Role":
      return { arn: arn("iam", `role/${inputs.name ?? name}`, false), name: inputs.name ?? name };
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      return { arn: arn("iam", `oidc-provider/oidc.eks.${region}.amazonaws.com/id/${MOCK_EKS_ID}`, false) };
    case "aws:kms/key:Key": {
      const keyId = `mock-${shortHash(name)}-0000-4000-8000-${shortHash(name + "k")}0000`;
      return { arn: arn("kms", `key/${keyId}`), keyId };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { arn: arn("ec2", `launch-template/lt-${shortHash(name)}`), latestVersion: 1, defaultVersion: 1 };
    case "aws:eks/nodeGroup:NodeGroup":
      return { arn: arn("eks", `nodegroup/${name}`), nodeGroupName: inputs.nodeGroupName ?? name, status: "ACTIVE" };
    case "aws:ecr/repository:Repository":
      return { arn: arn("ecr", `repository/${inputs.name ?? name}`), registryId: MOCK_ACCOUNT, repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}` };
    // A pushed image: its first tag with a fixed digest (nothing is built offline).
    case "docker-build:index:Image": {
      const tag = Array.isArray(inputs.tags) && typeof inputs.tags[0] === "string" ? inputs.tags[0] : `offline.invalid/${name}:0`;
      const digest = `sha256:${shortHash(tag).repeat(8)}`;
      return { digest, ref: `${tag}@${digest}`, contextHash: shortHash(`${name}-context`) };
    }
    default:
      if (type.startsWith("aws:")) {
        const resource = type.split(":")[1].split("/")[1] ?? "resource";
        return { arn: arn(type.split(":")[1].split("/")[0], `${resource}/${name}`) };
      }
      return {};
  }
}

/** Invokes the program may make, with the values a real account would return. Anything else is an error. */
function invoke(token: string, region: string): State {
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { id: MOCK_ACCOUNT, accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/offline-plan`, userId: "AIDAOFFLINEPLAN" };
    // ECR's push credentials (a 12-hour token in a real account).
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { id: region, authorizationToken: "offline-plan-ecr-token", expiresAt: "2026-01-01T12:00:00Z", password: "offline-plan-ecr-password", userName: "AWS", proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com` };
    case "aws:index/getRegion:getRegion":
      return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com` };
    default:
      throw new Error(`unmocked invoke ${token}: add it to plan/mocks.ts with a realistic fixed value`);
  }
}

/** Tokens of invokes that had no mock in this process; the plan and the tests fail when it is not empty. */
export const unmockedInvokes: string[] = [];

/**
 * Mocks for pulumi.runtime.setMocks. ARNs and endpoints use `region` until the program declares an AWS
 * provider with a region; from then on that region (the program's only source of truth for it).
 */
export function planMocks(defaultRegion = "us-east-1"): pulumi.runtime.Mocks {
  let region = defaultRegion;
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
      const inputs = (args.inputs ?? {}) as State;
      if (args.type === "pulumi:providers:aws" && typeof inputs.region === "string") region = inputs.region;
      const state: State = { ...inputs, ...computed(args.type, args.name, inputs, region) };
      if (args.type.startsWith("kubernetes:") && typeof inputs.metadata === "object" && inputs.metadata !== null) {
        const meta = inputs.metadata as State;
        state.metadata = { ...meta, name: meta.name ?? args.name };
      }
      const id = args.type.startsWith("pulumi:providers:") ? `${args.name}-provider-id` : `${args.name}-id`;
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): State {
      try {
        return invoke(args.token, region);
      } catch (e) {
        unmockedInvokes.push(args.token);
        throw e;
      }
    },
  };
}
