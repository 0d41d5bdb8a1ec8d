// The prod stack's offline plan: multi-AZ, private endpoint, encryption everywhere, tainted on-demand GPU pools.
import { describeIdentityLayer } from "./identityLayer";
import { unorderedCustomResources } from "../../plan/converge";
import { describeFlows } from "./flows";
import { describeModelLayer } from "./modelLayer";
import { describeAppsLayer } from "./appsLayer";
import { describeObservabilityLayer } from "./observabilityLayer";
import { describeEdgeLayer } from "./edgeLayer";
import { FullPlanResult } from "../../plan/run";
import { cachedPlan } from "../../plan/planCache";
import { manifestFiles, validateObjects } from "../../plan/manifests";
import { get, ofType, one } from "../harness";
import { l1Changes } from "../l1Baseline";
import { skeletonProblems } from "../skeleton";

let plan: FullPlanResult;
beforeAll(async () => {
  plan = await cachedPlan("prod");
});

test("private subnets in three zones, a NAT gateway per zone", () => {
  const privateSubnets = ofType(plan.resources, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("-private-"));
  expect(privateSubnets.map((s) => get(s, "availabilityZone")).sort()).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
  expect(ofType(plan.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
});

test("private API endpoint only, Secrets encrypted with KMS, all control-plane logs", () => {
  const eks = one(plan.resources, "aws:eks/cluster:Cluster");
  expect(get(eks, "vpcConfig.endpointPrivateAccess")).toBe(true);
  expect(get(eks, "vpcConfig.endpointPublicAccess")).toBe(false);
  expect(get(eks, "vpcConfig.publicAccessCidrs")).toBeUndefined();
  expect(get(eks, "encryptionConfig.resources")).toEqual(["secrets"]);
  expect(get(eks, "enabledClusterLogTypes")).toHaveLength(5);
});

test("every node root volume is encrypted", () => {
  const templates = ofType(plan.resources, "aws:ec2/launchTemplate:LaunchTemplate");
  expect(templates).toHaveLength(3);
  for (const t of templates) expect(get(t, "blockDeviceMappings")).toEqual([expect.objectContaining({ ebs: expect.objectContaining({ encrypted: "true", volumeType: "gp3" }) })]);
  for (const ng of ofType(plan.resources, "aws:eks/nodeGroup:NodeGroup")) expect(get(ng, "launchTemplate.id")).toMatch(/-id$/);
});

test("two on-demand GPU pools, tainted and labelled, with the configured sizes", () => {
  const pools = ofType(plan.resources, "aws:eks/nodeGroup:NodeGroup").filter((n) => get(n, "amiType") === "AL2023_x86_64_NVIDIA");
  const summary = pools.map((p) => [(p.inputs.labels as Record<string, string>)["ods.io/gpu-pool"], get(p, "capacityType"), get(p, "scalingConfig.maxSize")]).sort();
  expect(summary).toEqual([["h100", "ON_DEMAND", 2], ["l40s", "ON_DEMAND", 8]]);
  for (const p of pools) expect(get(p, "taints")).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
});

test("GPU operator with driver and toolkit off, GPU quota for the model layer equal to the capacity", () => {
  const [chart] = ofType(plan.resources, "kubernetes:helm.sh/v4:Chart").filter((c) => get(c, "chart") === "gpu-operator");
  expect(get(chart, "values.driver.enabled")).toBe(false);
  expect(get(chart, "values.toolkit.enabled")).toBe(false);
  const modelQuota = ofType(plan.resources, "kubernetes:core/v1:ResourceQuota").find((q) => get(q, "metadata.namespace") === "ods-model")!;
  expect((get(modelQuota, "spec.hard") as Record<string, string>)["requests.nvidia.com/gpu"]).toBe(String(8 * 1 + 2 * 8));
  expect(plan.outputs.gpuCapacityTotal).toBe(24);
});

test("outputs: kubeconfig is secret, cluster name, GPU pools and namespaces are plain", () => {
  expect(plan.outputs.kubeconfig).toBe("[secret]");
  expect(plan.outputs.clusterName).toBe("ods-prod");
  expect((plan.outputs.gpuPools as { name: string }[]).map((p) => p.name)).toEqual(["l40s", "h100"]);
  expect(plan.outputs.namespaces).toMatchObject({ model: "ods-model", data: "ods-data" });
});

test("every Kubernetes object passes its upstream schema, and a broken one does not", () => {
  const files = manifestFiles(plan.resources);
  // Every declared object and every rendered one is checked, the GPU operator chart's 27 among them.
  expect(files.filter((f) => f.kind === "object" && !f.renderedBy).length).toBeGreaterThan(37);
  expect(files.filter((f) => f.renderedBy?.name === "ods-prod-gpu-operator-chart")).toHaveLength(27);
  expect(validateObjects(files)).toEqual([]);
  const broken = { file: "bad.yaml", source: { type: "x", name: "x" }, kind: "object" as const, content: { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: ["not", "a", "map"] } } };
  const errors = validateObjects([broken]);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ file: "bad.yaml", kind: "ResourceQuota" });
  expect(errors[0].error).toMatch(/spec\/hard must be object/);
});


test("L1 is exactly what it was before the layout change: same URNs, same inputs, same outputs", () => {
  expect(l1Changes("prod", plan.resources, plan.outputs, ["kubernetesVersion"])).toEqual([]);
});

test("the L1 comparison catches a changed input, a renamed resource and a changed output", () => {
  const eks = one(plan.resources, "aws:eks/cluster:Cluster");
  const tampered = plan.resources.map((r) => (r === eks ? { ...r, inputs: { ...r.inputs, version: "1.34" } } : r));
  expect(l1Changes("prod", tampered, plan.outputs, ["kubernetesVersion"])).toEqual([`changed ${eks.urn}`]);
  const renamed = plan.resources.map((r) => (r === eks ? { ...r, urn: `${r.urn}-2` } : r));
  expect(l1Changes("prod", renamed, plan.outputs, ["kubernetesVersion"])).toEqual([`removed ${eks.urn}`, `added ${eks.urn}-2`]);
  expect(l1Changes("prod", plan.resources, { ...plan.outputs, gpuCapacityTotal: 1 }, ["kubernetesVersion"])[0]).toMatch(/^changed outputs/);
});

test("every ods: component follows the skeleton: token, parents, derived names, registered outputs", () => {
  expect(plan.resources.filter((r) => r.type.startsWith("ods:")).length).toBeGreaterThan(1);
  expect(skeletonProblems(plan.resources)).toEqual([]);
});

test("one `pulumi up` converges: every custom resource waits for the CRD of its kind", () => {
  expect(unorderedCustomResources(plan.resources)).toEqual([]);
});

describeModelLayer("prod", () => plan);
describeAppsLayer("prod", () => plan);
describeFlows("prod", () => plan);
describeObservabilityLayer("prod", () => plan);
describeIdentityLayer("prod", () => plan);
describeEdgeLayer("prod", () => plan);
