// The one-pass ordering check: a custom resource must wait for the CRD of its kind.
import { unorderedCustomResources } from "./converge";
import type { RecordedResource } from "./types";

const URN = (type: string, name: string) => `urn:pulumi:t::ods::${type}::${name}`;
function rec(type: string, name: string, inputs: Record<string, unknown>, more: Partial<RecordedResource> = {}): RecordedResource {
  return { type, name, parent: null, parentType: null, component: type.startsWith("ods:") || type.endsWith(":Chart"), inputs, urn: URN(type, name), ...more };
}
const CHART = "kubernetes:helm.sh/v4:Chart";
const CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const SM_TYPE = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const crdInputs = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "servicemonitors.monitoring.coreos.com" }, spec: { group: "monitoring.coreos.com", scope: "Namespaced", names: { kind: "ServiceMonitor", plural: "servicemonitors" }, versions: [{ name: "v1", served: true, storage: true }] } };
const smInputs = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "api", namespace: "ods-data" }, spec: {} };

// L1: a component holding the chart that renders the CRD.
const crdsComponent = rec("ods:infra:PrometheusCrds", "crds", {});
const crdsChart = rec(CHART, "crds-chart", { chart: "kube-prometheus-stack", version: "88.5.3", namespace: "obs" }, { parent: "crds", parentType: "ods:infra:PrometheusCrds" });
const renderedCrd = rec(CRD_TYPE, "crds-chart:servicemonitors.monitoring.coreos.com", crdInputs, { parent: "crds-chart", parentType: CHART });
const l1 = [crdsComponent, crdsChart, renderedCrd];

test("a monitor that waits for nothing is reported with the chart that installs its CRD", () => {
  const sm = rec(SM_TYPE, "api-sm", smInputs);
  expect(unorderedCustomResources([...l1, sm])).toEqual([
    { resource: `${SM_TYPE} api-sm`, kind: "monitoring.coreos.com/ServiceMonitor", installer: `${CHART} crds-chart` },
  ]);
});

test("depending on the component that holds the chart is enough (its children count)", () => {
  const sm = rec(SM_TYPE, "api-sm", smInputs, { dependencies: [crdsComponent.urn] });
  expect(unorderedCustomResources([...l1, sm])).toEqual([]);
});

test("a dependency of a parent component, or of something depended on, is inherited", () => {
  const app = rec("ods:apps:AppService", "api", {}, { dependencies: [crdsComponent.urn] });
  const sm = rec(SM_TYPE, "api-sm", smInputs, { parent: "api", parentType: "ods:apps:AppService" });
  expect(unorderedCustomResources([...l1, app, sm])).toEqual([]);

  const svc = rec("kubernetes:core/v1:Service", "api-svc", {}, { dependencies: [crdsChart.urn] });
  const sm2 = rec(SM_TYPE, "api-sm2", smInputs, { dependencies: [svc.urn] });
  expect(unorderedCustomResources([...l1, svc, sm2])).toEqual([]);

  // A dependency on something unrelated does not count.
  const other = rec("kubernetes:core/v1:Service", "other", {});
  const sm3 = rec(SM_TYPE, "api-sm3", smInputs, { dependencies: [other.urn] });
  expect(unorderedCustomResources([...l1, other, sm3]).map((u) => u.resource)).toEqual([`${SM_TYPE} api-sm3`]);
});

test("objects of the chart that renders the CRD are ordered by the chart; another chart's are not", () => {
  const own = rec(SM_TYPE, "crds-chart:obs/self", smInputs, { parent: "crds-chart", parentType: CHART });
  const redis = rec(CHART, "redis", { chart: "redis-ha", version: "4.39.0" });
  const theirs = rec(SM_TYPE, "redis:ods-data/redis", smInputs, { parent: "redis", parentType: CHART });
  expect(unorderedCustomResources([...l1, own, redis, theirs]).map((u) => u.resource)).toEqual([`${SM_TYPE} redis:ods-data/redis`]);
  const waiting = { ...redis, dependencies: [crdsComponent.urn] };
  expect(unorderedCustomResources([...l1, own, waiting, theirs])).toEqual([]);
});

test("kinds no CRD of the plan defines, and built-in kinds, are not its concern", () => {
  const cert = rec("kubernetes:cert-manager.io/v1:Certificate", "c", { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "c" } });
  const cm = rec("kubernetes:core/v1:ConfigMap", "cm", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } });
  expect(unorderedCustomResources([...l1, cert, cm])).toEqual([]);
});
