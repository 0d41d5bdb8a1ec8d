import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { eksControlPlaneLogging, eksPrivateEndpoint, eksSecretsEncryption } from "./aws-eks";

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
