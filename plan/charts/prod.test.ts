// The prod plan renders the GPU operator chart (from the chart cache, with the real Helm) into the
// objects helm.v4.Chart would register, validates them, and the policy pack sees them.
import { policies } from "../../policies/rules";
import { evaluate } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { get, ofType } from "../../test/harness";
import { manifestFiles, validateObjects } from "../manifests";
import { FullPlanResult } from "../run";
import { cachedPlan } from "../planCache";
import type { RecordedResource } from "../types";

const CHART = "ods-prod-gpu-operator-chart";
const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";
const URN_PREFIX = `urn:pulumi:prod::ods::ods:infra:GpuOperator$${CHART_TYPE}$`;

let plan: FullPlanResult;
let children: RecordedResource[];
beforeAll(async () => {
  plan = await cachedPlan("prod");
  children = plan.resources.filter((r) => r.parent === CHART && r.parentType === CHART_TYPE);
});

function child(type: string, name: string): RecordedResource {
  const found = children.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name}; the chart rendered: ${children.map((c) => `${c.type} ${c.name}`).join(", ")}`);
  return found[0];
}

test("the chart is rendered once, at the pinned version, its objects right after it", () => {
  expect(plan.charts!.filter((c) => c.chart === "gpu-operator")).toEqual([expect.objectContaining({ type: CHART_TYPE, name: CHART, chart: "gpu-operator", version: "v26.7.0", objects: children.length })]);
  const at = plan.resources.findIndex((r) => r.name === CHART);
  expect(plan.resources.slice(at + 1, at + 1 + children.length)).toEqual(children);
  expect(children.length).toBeGreaterThanOrEqual(25);
  for (const c of children) {
    expect(c.component).toBe(false);
    expect(c.urn).toBe(`${URN_PREFIX}${c.type}::${c.name}`);
    expect(plan.layerOf(c)).toBe("infra");
  }
});

test("node-feature-discovery's worker DaemonSet, in the GPU namespace, tolerating the GPU taint from the values", () => {
  const name = `${CHART}:ods-gpu/${CHART}-node-feature-discovery-worker`;
  const ds = child("kubernetes:apps/v1:DaemonSet", name);
  expect(ds.urn).toBe(`${URN_PREFIX}kubernetes:apps/v1:DaemonSet::${name}`);
  expect(get(ds, "metadata.namespace")).toBe("ods-gpu");
  expect(get(ds, "spec.template.spec.tolerations")).toContainEqual({ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" });
});

test("Deployments, ServiceAccounts, RBAC and CRDs, named the way the provider names them", () => {
  expect(ofType(children, "kubernetes:apps/v1:Deployment").map((d) => d.name).sort()).toEqual([
    `${CHART}:ods-gpu/gpu-operator`,
    `${CHART}:ods-gpu/${CHART}-node-feature-discovery-gc`,
    `${CHART}:ods-gpu/${CHART}-node-feature-discovery-master`,
  ]);
  expect(ofType(children, "kubernetes:core/v1:ServiceAccount").map((d) => d.name).sort()).toEqual([`${CHART}:ods-gpu/gpu-operator`, `${CHART}:ods-gpu/node-feature-discovery`]);
  const clusterRole = child("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", `${CHART}:gpu-operator`);
  expect(get(clusterRole, "metadata.namespace")).toBeUndefined();
  child("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", `${CHART}:gpu-operator`);
  const roleBinding = child("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", `${CHART}:ods-gpu/gpu-operator`);
  expect(get(roleBinding, "metadata.namespace")).toBe("ods-gpu");
  const crds = ofType(children, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").map((c) => c.name);
  expect(crds).toEqual(expect.arrayContaining([`${CHART}:clusterpolicies.nvidia.com`, `${CHART}:nvidiadrivers.nvidia.com`, `${CHART}:nodefeaturerules.nfd.k8s-sigs.io`]));
});

test("the ClusterPolicy custom resource is cluster-scoped (its CRD says so) and carries the values", () => {
  const cp = child("kubernetes:nvidia.com/v1:ClusterPolicy", `${CHART}:cluster-policy`);
  expect(cp.urn).toBe(`${URN_PREFIX}kubernetes:nvidia.com/v1:ClusterPolicy::${CHART}:cluster-policy`);
  expect(get(cp, "metadata.namespace")).toBeUndefined();
  expect(get(cp, "spec.driver.enabled")).toBe(false);
  expect(get(cp, "spec.toolkit.enabled")).toBe(false);
  expect(get(cp, "spec.dcgmExporter.serviceMonitor")).toMatchObject({ enabled: true, interval: "15s" });
});

test("hooks are not rendered: the chart's CRD-upgrade and cleanup Jobs are absent", () => {
  expect(ofType(children, "kubernetes:batch/v1:Job")).toEqual([]);
});

test("every rendered object passes its schema, the ClusterPolicy against the rendered CRD; a broken one fails by name", () => {
  const files = manifestFiles(plan.resources);
  expect(validateObjects(files)).toEqual([]);
  const cp = files.find((f) => f.source.name === `${CHART}:cluster-policy`)!;
  expect(cp.renderedBy).toEqual({ type: CHART_TYPE, name: CHART, chart: "gpu-operator", version: "v26.7.0" });
  const content = cp.content as { spec: { driver: Record<string, unknown>; toolkit: Record<string, unknown> } };
  const broken = { ...cp, file: "broken-clusterpolicy.yaml", content: { ...content, spec: { ...content.spec, driver: { ...content.spec.driver, enabled: "yes" }, toolkit: { ...content.spec.toolkit, sideways: true } } } };
  const errors = validateObjects([...files.filter((f) => f.source.type.includes("CustomResourceDefinition")), broken]);
  expect(errors).toEqual([
    {
      file: "broken-clusterpolicy.yaml",
      apiVersion: "nvidia.com/v1",
      kind: "ClusterPolicy",
      name: "cluster-policy",
      error: 'spec/driver/enabled must be boolean; spec/toolkit: unknown field "sideways" (schema of CRD clusterpolicies.nvidia.com)',
    },
  ]);
});

test("the policy pack sees the rendered objects: a rendered workload with a mutable image tag fails", async () => {
  const config = stackPackConfig("prod", policies).config;
  const clean = await evaluate(plan.resources, policies, config);
  expect(clean.errors).toEqual([]);
  expect(clean.violations.filter((v) => v.enforcement === "mandatory")).toEqual([]);
  const name = `${CHART}:ods-gpu/gpu-operator`;
  const tampered = plan.resources.map((r) => {
    if (r.type !== "kubernetes:apps/v1:Deployment" || r.name !== name) return r;
    const inputs = structuredClone(r.inputs) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    inputs.spec.template.spec.containers[0].image = "nvcr.io/nvidia/gpu-operator:latest";
    return { ...r, inputs: inputs as unknown as Record<string, unknown> };
  });
  const result = await evaluate(tampered, policies, config);
  const pinned = (e: typeof clean) => e.violations.filter((v) => v.policy === "k8s-image-pinned").map((v) => v.resource?.name);
  expect(pinned(clean)).toEqual([]);
  expect(pinned(result)).toEqual([name]);
});
