import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { eksControlPlaneLogging, eksEndpointNotWorldOpen, eksPrivateEndpoint, eksSecretsEncryption } from "./aws-eks";

const CLUSTER = "aws:eks/cluster:Cluster";
const good = {
  name: "ods-prod",
  encryptionConfig: { provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/abc" }, resources: ["secrets"] },
  vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: ["subnet-1"] },
  enabledClusterLogTypes: ["api", "audit", "authenticator"],
};

describe("eks-secrets-encryption", () => {
  it("accepts a KMS key for secrets", async () => {
    expect(await check(eksSecretsEncryption, CLUSTER, good)).toEqual([]);
  });
  it("reports a missing or incomplete encryptionConfig", async () => {
    expect(await check(eksSecretsEncryption, CLUSTER, { ...good, encryptionConfig: undefined })).toEqual(['Cluster test has no encryptionConfig for "secrets" with a KMS key.']);
    expect(await check(eksSecretsEncryption, CLUSTER, { ...good, encryptionConfig: { provider: { keyArn: "" }, resources: ["secrets"] } })).toHaveLength(1);
  });
  it("accepts a key ARN that is not known yet", async () => {
    expect(await check(eksSecretsEncryption, CLUSTER, { ...good, encryptionConfig: { provider: { keyArn: UNKNOWN }, resources: ["secrets"] } })).toEqual([]);
    expect(await check(eksSecretsEncryption, CLUSTER, { ...good, encryptionConfig: UNKNOWN })).toEqual([]);
  });
});

describe("eks-private-endpoint", () => {
  it("accepts a private-only endpoint", async () => {
    expect(await check(eksPrivateEndpoint, CLUSTER, good)).toEqual([]);
  });
  it("reports the EKS defaults (public on, private off) where a private endpoint is required", async () => {
    expect(await check(eksPrivateEndpoint, CLUSTER, { ...good, vpcConfig: { subnetIds: [] } })).toEqual([
      "Cluster test does not enable vpcConfig.endpointPrivateAccess.",
      "Cluster test leaves the public API endpoint on (vpcConfig.endpointPublicAccess is not false).",
    ]);
  });
  it("does nothing where not required, or for unknown flags", async () => {
    expect(await check(eksPrivateEndpoint, CLUSTER, { ...good, vpcConfig: {} }, { requirePrivateEndpoint: false })).toEqual([]);
    expect(await check(eksPrivateEndpoint, CLUSTER, { ...good, vpcConfig: { endpointPrivateAccess: UNKNOWN, endpointPublicAccess: UNKNOWN } })).toEqual([]);
  });
});

describe("eks-control-plane-logging", () => {
  it("accepts api, audit and authenticator", async () => {
    expect(await check(eksControlPlaneLogging, CLUSTER, good)).toEqual([]);
  });
  it("reports missing log types", async () => {
    expect(await check(eksControlPlaneLogging, CLUSTER, { ...good, enabledClusterLogTypes: ["api"] })).toEqual([
      "Cluster test does not enable control-plane log types: audit, authenticator.",
    ]);
  });
  it("skips an unknown list", async () => {
    expect(await check(eksControlPlaneLogging, CLUSTER, { ...good, enabledClusterLogTypes: UNKNOWN })).toEqual([]);
  });
});

describe("eks-endpoint-not-world-open", () => {
  const vpc = (v: Record<string, unknown>) => ({ ...good, vpcConfig: { subnetIds: ["subnet-1"], ...v } });
  it("accepts a private endpoint and a public one open to named CIDRs", async () => {
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, good)).toEqual([]);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24", "10.0.0.0/8"] }))).toEqual([]);
  });
  it("reports a public endpoint without CIDRs (AWS opens 0.0.0.0/0) or with one wider than /8", async () => {
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: true }))).toEqual([
      "Cluster test: the public API endpoint has no publicAccessCidrs, so EKS opens it to 0.0.0.0/0, and the stack config gives no worldOpenReason.",
    ]);
    // EKS turns public access on when the flag is unset.
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ publicAccessCidrs: [] }))).toHaveLength(1);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24", "0.0.0.0/0"] }))).toEqual([
      "Cluster test: the public API endpoint is open to 0.0.0.0/0 (wider than /8), and the stack config gives no worldOpenReason.",
    ]);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/4"] }))).toHaveLength(1);
  });
  it("accepts a world-open endpoint when the stack gives a reason, and skips unknown values", async () => {
    const open = vpc({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] });
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, open, { worldOpenReason: "CI runners with rotating public addresses" })).toEqual([]);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, open, { worldOpenReason: "  " })).toHaveLength(1);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: true, publicAccessCidrs: UNKNOWN }))).toEqual([]);
    expect(await check(eksEndpointNotWorldOpen, CLUSTER, vpc({ endpointPublicAccess: UNKNOWN }))).toEqual([]);
  });
});
