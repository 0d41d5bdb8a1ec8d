// The staging stack: production's shape, smaller.
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
  plan = await cachedPlan("staging");
});

test("three zones, NAT per zone, on-demand GPU pool", () => {
  expect(ofType(plan.resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
  const pools = ofType(plan.resources, "aws:eks/nodeGroup:NodeGroup").filter((n) => get(n, "amiType") === "AL2023_x86_64_NVIDIA");
  expect(pools.map((p) => get(p, "capacityType"))).toEqual(["ON_DEMAND"]);
});

test("private endpoint kept, public one limited to the configured CIDRs", () => {
  const eks = one(plan.resources, "aws:eks/cluster:Cluster");
  expect(get(eks, "vpcConfig.endpointPrivateAccess")).toBe(true);
  expect(get(eks, "vpcConfig.publicAccessCidrs")).toEqual(["198.51.100.0/24"]);
});

test("L1 is exactly what it was before the layout change: same URNs, same inputs, same outputs", () => {
  expect(l1Changes("staging", plan.resources, plan.outputs, ["kubernetesVersion"])).toEqual([]);
});

test("every ods: component follows the skeleton: token, parents, derived names, registered outputs", () => {
  expect(plan.resources.filter((r) => r.type.startsWith("ods:")).length).toBeGreaterThan(1);
  expect(skeletonProblems(plan.resources)).toEqual([]);
});

test("one `pulumi up` converges: every custom resource waits for the CRD of its kind", () => {
  expect(unorderedCustomResources(plan.resources)).toEqual([]);
});

describeModelLayer("staging", () => plan);
describeAppsLayer("staging", () => plan);
describeFlows("staging", () => plan);
describeObservabilityLayer("staging", () => plan);
describeIdentityLayer("staging", () => plan);
describeEdgeLayer("staging", () => plan);
