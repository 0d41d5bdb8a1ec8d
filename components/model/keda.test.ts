// Keda: the chart values (pure, HA and not), the component as recorded, and what the keda chart renders
// with the real Helm, schema-validated and checked by the policy pack.
import { policies } from "../../policies/rules";
import { evaluate } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { chartCacheDir } from "../../plan/charts/cache";
import { renderCharts } from "../../plan/charts/render";
import { manifestFiles, validateObjects } from "../../plan/manifests";
import type { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { Keda, KEDA_APPS, KEDA_PORTS, kedaIngress, kedaValues } from "./keda";

type Obj = Record<string, unknown>;
const at = (v: unknown, dotted: string): unknown => dotted.split(".").reduce<unknown>((c, k) => (c !== null && typeof c === "object" ? (c as Obj)[k] : undefined), v);
const ARGS = { namespace: "ods-model", monitoringNamespace: "ods-observability" };

describe("kedaValues", () => {
  const single = kedaValues({ highAvailability: false });
  const ha = kedaValues({ highAvailability: true });

  it("pins the chart's images by tag from ghcr.io; CRDs installed", () => {
    expect(single.image).toMatchObject({
      keda: { registry: "ghcr.io", repository: "kedacore/keda", tag: "2.20.2" },
      metricsApiServer: { registry: "ghcr.io", repository: "kedacore/keda-metrics-apiserver", tag: "2.20.2" },
      webhooks: { registry: "ghcr.io", repository: "kedacore/keda-admission-webhooks", tag: "2.20.2" },
    });
    expect(single.crds).toEqual({ install: true });
    expect(allStrings(single).filter((s) => /latest/i.test(s))).toEqual([]);
  });

  it("one replica of each part and no PDB or spreading without HA; two, a PDB allowing one disruption and spreading with HA", () => {
    expect([single.operator.replicaCount, single.metricsServer.replicaCount, single.webhooks.replicaCount]).toEqual([1, 1, 1]);
    expect(single.podDisruptionBudget).toEqual({ operator: {}, metricServer: {}, webhooks: {} });
    expect(single.topologySpreadConstraints).toEqual({ operator: [], metricsServer: [], webhooks: [] });
    expect([ha.operator.replicaCount, ha.metricsServer.replicaCount, ha.webhooks.replicaCount]).toEqual([2, 2, 2]);
    expect(ha.podDisruptionBudget).toEqual({ operator: { maxUnavailable: 1 }, metricServer: { maxUnavailable: 1 }, webhooks: { maxUnavailable: 1 } });
    expect(ha.topologySpreadConstraints.metricsServer[0]).toMatchObject({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "keda-operator-metrics-apiserver" } } });
  });

  it("restricted security contexts, resources with a memory limit, ServiceMonitors on for operator, metrics API server and webhooks", () => {
    for (const part of ["operator", "metricServer", "webhooks"] as const) {
      expect(ha.securityContext[part]).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
      expect(ha.podSecurityContext[part]).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(at(ha.resources[part], "limits.memory")).toBe("1000Mi");
      expect(at(ha.prometheus[part], "serviceMonitor.enabled")).toBe(true);
    }
  });

  it("rejects bad resources, an unknown part and a bad watch namespace by name", () => {
    expect(() => kedaValues({ highAvailability: false, resources: { operator: { requests: { cpu: "x", memory: "2Gi" }, limits: { memory: "1Gi" } } } })).toThrow(
      /resources.operator.requests.cpu "x" is not a Kubernetes quantity.*resources.operator.requests.memory 2Gi is above the limit 1Gi/,
    );
    expect(() => kedaValues({ highAvailability: false, resources: { scaler: KEDA_APPS } as never })).toThrow("resources.scaler is not a part of KEDA");
    expect(() => kedaValues({ highAvailability: false, watchNamespace: "Model NS" })).toThrow('watchNamespace "Model NS" is not a namespace name');
  });
});

describe("kedaIngress", () => {
  const ingress = kedaIngress("ods-observability");
  const scrape = { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: 8080 }] };
  it("the API server (no pod) reaches the metrics API and the webhook from anywhere; the operator's gRPC only from the metrics API server", () => {
    expect(ingress.metricsApiServer).toEqual([{ ports: [{ protocol: "TCP", port: 6443 }] }, scrape]);
    expect(ingress.webhooks).toEqual([{ ports: [{ protocol: "TCP", port: 9443 }] }, scrape]);
    expect(ingress.operator).toEqual([{ from: [{ podSelector: { matchLabels: { app: "keda-operator-metrics-apiserver" } } }], ports: [{ protocol: "TCP", port: KEDA_PORTS.operatorGrpc }] }, scrape]);
  });
});

describe("the component", () => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    rs = await record(() => new Keda("ods-test-keda", { ...ARGS, highAvailability: true }));
  });
  it("installs the pinned chart in the namespace given, with the values", () => {
    const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
    expect(chart.inputs).toMatchObject({ chart: "keda", version: "2.20.2", namespace: "ods-model", repositoryOpts: { repo: "https://kedacore.github.io/charts" } });
    expect(get(chart, "values.operator.replicaCount")).toBe(2);
  });
  it("one NetworkPolicy per part, selecting the chart's pod labels; every child parented", () => {
    const nps = ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(nps.map((n) => get(n, "spec.podSelector.matchLabels.app")).sort()).toEqual(Object.values(KEDA_APPS).sort());
    for (const r of rs.filter((x) => x.name !== "ods-test-keda")) expect(r.parent).not.toBeNull();
  });
});

describe.each([
  [false, "local"],
  [true, "prod"],
])("rendered with highAvailability %p, checked with the %s pack config", (highAvailability, stack) => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    const declared = await record(() => new Keda("ods-prod-keda", { ...ARGS, highAvailability }));
    rs = (await renderCharts(declared, { kubeVersion: "1.35", cacheDir: chartCacheDir() })).resources;
  }, 120000);
  const children = () => rs.filter((r) => r.parent === "ods-prod-keda-chart");

  it("renders the operator, metrics API server and webhooks with the ScaledObject CRD, the APIService, the webhook and ServiceMonitors", () => {
    const names = (type: string) => ofType(children(), type).map((r) => get(r, "metadata.name")).sort();
    expect(names("kubernetes:apps/v1:Deployment")).toEqual(Object.values(KEDA_APPS).sort());
    expect(names("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition")).toContain("scaledobjects.keda.sh");
    expect(names("kubernetes:apiregistration.k8s.io/v1:APIService")).toEqual(["v1beta1.external.metrics.k8s.io"]);
    expect(names("kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration")).toEqual(["keda-admission"]);
    expect(ofType(children(), "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).toHaveLength(3);
    expect(ofType(children(), "kubernetes:policy/v1:PodDisruptionBudget")).toHaveLength(highAvailability ? 3 : 0);
    for (const d of ofType(children(), "kubernetes:apps/v1:Deployment")) {
      expect(get(d, "spec.replicas")).toBe(highAvailability ? 2 : 1);
      const images = (get(d, "spec.template.spec.containers") as Obj[]).map((c) => c.image as string);
      for (const i of images) expect(i).toMatch(/^ghcr\.io\/kedacore\/keda[a-z-]*:2\.20\.2$/);
    }
  });

  it("every object passes its schema", () => {
    expect(validateObjects(manifestFiles(rs))).toEqual([]);
  });

  it("no mandatory violation of the policy pack; the bad case (the chart's default pod security context) fails", async () => {
    const config = stackPackConfig(stack, policies).config;
    const result = await evaluate(rs, policies, config);
    expect(result.errors).toEqual([]);
    expect(result.violations.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.resource?.name}: ${v.message}`)).toEqual([]);
    const stripped = rs.map((r) => {
      if (r.type !== "kubernetes:apps/v1:Deployment") return r;
      const inputs = JSON.parse(JSON.stringify(r.inputs)) as Obj;
      const pod = at(inputs, "spec.template.spec") as Obj;
      delete pod.securityContext;
      for (const c of pod.containers as Obj[]) delete c.securityContext;
      if (highAvailability) delete pod.topologySpreadConstraints;
      return { ...r, inputs };
    });
    const bad = new Set((await evaluate(stripped, policies, config)).violations.filter((v) => v.enforcement === "mandatory").map((v) => v.policy));
    for (const p of ["k8s-run-as-non-root", "k8s-no-privilege-escalation", "k8s-drop-all-capabilities", "k8s-seccomp-profile", ...(highAvailability ? ["k8s-pod-spread"] : [])]) expect(bad).toContain(p);
  });
});
