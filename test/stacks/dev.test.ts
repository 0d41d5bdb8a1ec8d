// The dev stack: small AWS, two zones, one NAT, a public endpoint for named CIDRs, one spot GPU pool.
import { describeIdentityLayer } from "./identityLayer";
import { unorderedCustomResources } from "../../plan/converge";
import { describeFlows } from "./flows";
import { describeModelLayer } from "./modelLayer";
import { describeAppsLayer } from "./appsLayer";
import { describeObservabilityLayer } from "./observabilityLayer";
import { describeEdgeLayer } from "./edgeLayer";
import { FullPlanResult } from "../../plan/run";
import { cachedPlan } from "../../plan/planCache";
import { get, ofType, one } from "../harness";
import { l1Changes } from "../l1Baseline";
import { skeletonProblems } from "../skeleton";

let plan: FullPlanResult;
beforeAll(async () => {
  plan = await cachedPlan("dev");
});

test("two zones and a single NAT gateway", () => {
  expect(ofType(plan.resources, "aws:ec2/subnet:Subnet")).toHaveLength(4);
  expect(ofType(plan.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
});

test("public endpoint limited to the configured CIDRs", () => {
  const eks = one(plan.resources, "aws:eks/cluster:Cluster");
  expect(get(eks, "vpcConfig.endpointPublicAccess")).toBe(true);
  expect(get(eks, "vpcConfig.publicAccessCidrs")).toEqual(["203.0.113.0/24"]);
});

test("exactly one GPU pool, spot, scaling from zero, tainted", () => {
  const pools = ofType(plan.resources, "aws:eks/nodeGroup:NodeGroup").filter((n) => get(n, "amiType") === "AL2023_x86_64_NVIDIA");
  expect(pools).toHaveLength(1);
  expect(get(pools[0], "capacityType")).toBe("SPOT");
  expect(get(pools[0], "scalingConfig")).toEqual({ minSize: 0, desiredSize: 1, maxSize: 2 });
  expect(get(pools[0], "taints")).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
});

test("time-slicing shares each GPU twice, and the GPU quota counts the shares", () => {
  const [chart] = ofType(plan.resources, "kubernetes:helm.sh/v4:Chart").filter((c) => get(c, "chart") === "gpu-operator");
  expect(get(chart, "values.devicePlugin.config.data.any")).toContain("replicas: 2");
  // The chart renders the device plugin's config from those values, and the ClusterPolicy points at it.
  const config = ofType(plan.resources, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "ods-dev-gpu-operator-chart:ods-gpu/time-slicing-config")!;
  expect(config.parent).toBe(chart.name);
  expect(get(config, "data.any")).toContain("replicas: 2");
  expect(get(one(plan.resources, "kubernetes:nvidia.com/v1:ClusterPolicy"), "spec.devicePlugin.config")).toEqual({ name: "time-slicing-config", default: "any" });
  expect(plan.outputs.gpuCapacityTotal).toBe(2 * 1 * 2);
});

test("L1 is exactly what it was before the layout change: same URNs, same inputs, same outputs", () => {
  expect(l1Changes("dev", plan.resources, plan.outputs, ["kubernetesVersion"])).toEqual([]);
});

test("every ods: component follows the skeleton: token, parents, derived names, registered outputs", () => {
  expect(plan.resources.filter((r) => r.type.startsWith("ods:")).length).toBeGreaterThan(1);
  expect(skeletonProblems(plan.resources)).toEqual([]);
});

test("one `pulumi up` converges: every custom resource waits for the CRD of its kind", () => {
  expect(unorderedCustomResources(plan.resources)).toEqual([]);
});

describeModelLayer("dev", () => plan);
describeAppsLayer("dev", () => plan);
describeFlows("dev", () => plan);
describeObservabilityLayer("dev", () => plan);
describeIdentityLayer("dev", () => plan);
describeEdgeLayer("dev", () => plan);
