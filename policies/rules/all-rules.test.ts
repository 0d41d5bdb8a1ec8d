// Sweep over every rule: unknown or missing inputs never throw and never produce a violation.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { check, checkStack } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { policies } from "./index";
import { scopeOf } from "./lib/rule";

/** Every type some rule looks at, with its top-level input keys. */
const TYPES: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["metadata", "spec"],
  "kubernetes:apps/v1:Deployment": ["metadata", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["metadata", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["metadata", "spec"],
  "kubernetes:batch/v1:Job": ["metadata", "spec"],
  "kubernetes:batch/v1:CronJob": ["metadata", "spec"],
  "kubernetes:core/v1:Namespace": ["metadata"],
  "kubernetes:core/v1:Service": ["metadata", "spec"],
  "kubernetes:core/v1:ConfigMap": ["metadata", "data", "binaryData"],
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": ["metadata", "spec"],
  "kubernetes:networking.k8s.io/v1:Ingress": ["metadata", "spec"],
  "kubernetes:policy/v1:PodDisruptionBudget": ["metadata", "spec"],
  "kubernetes:gateway.networking.k8s.io/v1:Gateway": ["metadata", "spec"],
  "kubernetes:nvidia.com/v1:ClusterPolicy": ["metadata", "spec"],
  "kubernetes:helm.sh/v4:Chart": ["chart", "version", "namespace", "values"],
  "kubernetes:helm.sh/v3:Release": ["chart", "version", "namespace", "values"],
  "aws:eks/cluster:Cluster": ["encryptionConfig", "vpcConfig", "enabledClusterLogTypes"],
  "aws:eks/nodeGroup:NodeGroup": ["amiType", "instanceTypes", "labels", "taints", "scalingConfig", "launchTemplate"],
  "aws:ec2/launchTemplate:LaunchTemplate": ["blockDeviceMappings", "instanceType"],
  "aws:ebs/volume:Volume": ["encrypted"],
  "aws:s3/bucket:Bucket": ["bucket", "acl"],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket", "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "rules"],
  "aws:ec2/securityGroup:SecurityGroup": ["ingress"],
  "aws:ec2/securityGroupRule:SecurityGroupRule": ["type", "protocol", "fromPort", "toPort", "cidrBlocks"],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["securityGroupId", "ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6"],
  "keycloak:index/realm:Realm": ["sslRequired", "passwordPolicy", "securityDefenses"],
  "keycloak:openid/client:Client": ["accessType", "directAccessGrantsEnabled", "validRedirectUris"],
  "minio:index/s3Bucket:S3Bucket": ["bucket", "acl"],
  "minio:index/s3BucketPolicy:S3BucketPolicy": ["bucket", "policy"],
  "mysql:index/user:User": ["user", "host"],
  "mysql:index/grant:Grant": ["user", "host", "database", "privileges"],
};

const allUnknown = (keys: string[], marker: unknown) => Object.fromEntries(keys.map((k) => [k, marker]));
const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);

// The engine's sentinel, and the SDK's own Unknown marker (what a dry-run mock runtime yields).
const markers: [string, unknown][] = [
  ["engine sentinel", UNKNOWN],
  ["SDK Unknown", (pulumi as unknown as { unknown: unknown }).unknown ?? { __pulumiUnknown: true }],
];

describe.each(markers)("every rule with inputs that are %s", (_label, marker) => {
  it.each(resourcePolicies.map((p) => [p.name, p] as const))("%s reports nothing on unknown inputs", async (_name, policy) => {
    for (const [type, keys] of Object.entries(TYPES)) {
      expect([type, await check(policy, type, allUnknown(keys, marker))]).toEqual([type, []]);
    }
  });
  it.each(stackPolicies.map((p) => [p.name, p] as const))("%s reports nothing on unknown inputs", async (_name, policy) => {
    const resources = Object.entries(TYPES).map(([type, keys], i) => ({ type, name: `r${i}`, props: allUnknown(keys, marker) }));
    expect(await checkStack(policy, resources)).toEqual([]);
  });
});

describe("every rule with missing inputs", () => {
  it.each(resourcePolicies.map((p) => [p.name, p] as const))("%s does not throw on empty or undefined props", async (_name, policy) => {
    for (const type of Object.keys(TYPES)) {
      await expect(check(policy, type, {})).resolves.toBeInstanceOf(Array);
      await expect(check(policy, type, undefined as unknown as Record<string, unknown>)).resolves.toBeInstanceOf(Array);
    }
  });
  it.each(stackPolicies.map((p) => [p.name, p] as const))("%s does not throw on empty props", async (_name, policy) => {
    await expect(checkStack(policy, Object.keys(TYPES).map((type, i) => ({ type, name: `r${i}`, props: {} })))).resolves.toBeInstanceOf(Array);
  });
});

describe("every rule says what it looks at", () => {
  it.each(policies.map((p) => [p.name, p] as const))("%s declares a scope that covers a type it checks", (_name, policy) => {
    const scope = scopeOf(policy);
    expect(scope).toBeDefined();
    expect(Object.keys(TYPES).some((t) => scope?.test(t, {}))).toBe(true);
  });
});

describe("the pack is self-contained", () => {
  // `pulumi policy publish` ships policies/ alone: nothing in it may import from outside it.
  const root = path.join(__dirname, "..");
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "node_modules" ? [] : files(path.join(dir, e.name))) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : []));
  it.each(files(root).map((f) => [path.relative(root, f), f] as const))("%s imports only packages and files under policies/", (_rel, file) => {
    const specs = [...fs.readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
    const outside = specs.filter((s) => s.startsWith(".") && !path.resolve(path.dirname(file), s).startsWith(root + path.sep));
    expect(outside).toEqual([]);
  });
});
