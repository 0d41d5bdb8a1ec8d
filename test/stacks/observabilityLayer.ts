// The observability layer as each stack's plan has it, checked against that stack's own config: the
// chart (version, CRDs off, subcharts off, selectors), Prometheus and Alertmanager replicas, retention and
// storage, KEDA's query path, Grafana's image, replicas, database and sign-on, and the exposed host.
// Called from each stack's test file with the plan it already made.
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { REPO_ROOT } from "../../lib/repo";
import type { FullPlanResult } from "../../plan/run";
import { prometheusUrl } from "../../layers/model";
import { get, ofType } from "../harness";

type Obj = Record<string, unknown>;

export function describeObservabilityLayer(stack: string, plan: () => FullPlanResult): void {
  const sc = readStackConfig(REPO_ROOT, stack);
  const cfg = validateStackConfig(sc);
  const o = cfg.observability;
  const ns = `${cfg.namePrefix}-observability`;

  describe(`the observability layer of ${stack} (HA ${cfg.highAvailability})`, () => {
    const of = (type: string) => ofType(plan().resources, type).filter((r) => get(r, "metadata.namespace") === ns);

    it("installs kube-prometheus-stack 88.5.3 without CRDs or missing subcharts, after L1's CRDs", () => {
      const chart = plan().resources.find((r) => r.type === "kubernetes:helm.sh/v4:Chart" && r.name === `ods-${stack}-observability-chart`)!;
      expect([get(chart, "chart"), get(chart, "version"), get(chart, "values.crds.enabled"), get(chart, "values.grafana.enabled"), get(chart, "values.kubeStateMetrics.enabled"), get(chart, "values.nodeExporter.enabled")]).toEqual([
        "kube-prometheus-stack", "88.5.3", false, false, false, false,
      ]);
      expect(ofType(plan().resources, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").filter((c) => c.parent === chart.name)).toEqual([]);
    });

    it("runs Prometheus and Alertmanager as configured, picking up every monitor and rule in every namespace", () => {
      const [prom] = of("kubernetes:monitoring.coreos.com/v1:Prometheus");
      expect([get(prom, "spec.replicas"), get(prom, "spec.retention"), get(prom, "spec.storage.volumeClaimTemplate.spec.resources.requests.storage")]).toEqual([o.prometheus.replicas, o.prometheus.retention, o.prometheus.storageSize]);
      expect(get(prom, "spec.resources")).toEqual({ requests: o.prometheus.resources.requests, limits: o.prometheus.resources.limits });
      for (const k of ["serviceMonitor", "podMonitor", "rule"]) expect([k, get(prom, `spec.${k}Selector`), get(prom, `spec.${k}NamespaceSelector`)]).toEqual([k, {}, {}]);
      const [am] = of("kubernetes:monitoring.coreos.com/v1:Alertmanager");
      expect([get(am, "spec.replicas"), get(am, "spec.alertmanagerConfiguration")]).toEqual([o.alertmanager.replicas, { name: "monitoring-routing" }]);
      const pdbs = of("kubernetes:policy/v1:PodDisruptionBudget").map((p) => get(p, "metadata.name")).sort();
      expect(pdbs).toEqual(cfg.highAvailability ? ["monitoring-alertmanager", "monitoring-prometheus", `ods-${stack}-observability-grafana`] : []);
    });

    it("runs the Pushgateway the gate pushes its verdict to (Service pushgateway:9091), scraped with honorLabels", () => {
      const svc = of("kubernetes:core/v1:Service").find((x) => get(x, "metadata.name") === "pushgateway")!;
      expect(get(svc, "metadata.namespace")).toBe(ns);
      expect((get(svc, "spec.ports") as Obj[])[0].port).toBe(9091);
      const sm = of("kubernetes:monitoring.coreos.com/v1:ServiceMonitor").find((x) => get(x, "metadata.name") === "pushgateway")!;
      expect((get(sm, "spec.endpoints") as Obj[])[0].honorLabels).toBe(true);
    });

    it("KEDA's Prometheus URL is the operator's Service, and the model namespace may reach it on 9090", async () => {
      const url = await new Promise<string>((resolve) => prometheusUrl(ns).apply(resolve));
      expect(url).toBe(`http://prometheus-operated.${ns}.svc.cluster.local:9090`);
      const np = of("kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => get(p, "metadata.name") === "monitoring-prometheus-ingress")!;
      expect(get(np, "spec.ingress")).toEqual([
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": `${cfg.namePrefix}-observability` } } }], ports: [{ protocol: "TCP", port: 9090 }, { protocol: "TCP", port: 8080 }] },
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": `${cfg.namePrefix}-model` } } }], ports: [{ protocol: "TCP", port: 9090 }] },
      ]);
    });

    it("runs Grafana as configured: image, replicas, SQLite on a retained volume or MySQL with HA, root URL on the public host", () => {
      const d = of("kubernetes:apps/v1:Deployment").find((x) => get(x, "metadata.name") === `ods-${stack}-observability-grafana`)!;
      const [grafana, sidecar] = get(d, "spec.template.spec.containers") as Obj[];
      expect([grafana.image, sidecar.image, get(d, "spec.replicas")]).toEqual([o.grafana.image, o.grafana.sidecarImage, o.grafana.replicas]);
      const env = Object.fromEntries((grafana.env as Obj[]).map((e) => [e.name, e]));
      expect((env.GF_SERVER_ROOT_URL as Obj).value).toBe(`https://${cfg.hosts.grafana}`);
      const pvcs = of("kubernetes:core/v1:PersistentVolumeClaim");
      if (cfg.highAvailability) {
        expect((env.GF_DATABASE_PASSWORD as Obj).valueFrom).toEqual({ secretKeyRef: { name: "grafana-mysql", key: "password", optional: false } });
        expect(pvcs).toEqual([]);
      } else {
        expect(env.GF_DATABASE_TYPE).toBeUndefined();
        expect(pvcs.map((p) => [get(p, "spec.resources.requests.storage"), p.options?.retainOnDelete])).toEqual([[o.grafana.persistence.size, true]]);
      }
    });

    it("serves Grafana on a ClusterIP Service, port 3000 (the Service the layer asks the gateway to publish)", () => {
      const svc = of("kubernetes:core/v1:Service").find((s) => get(s, "metadata.name") === `ods-${stack}-observability-grafana`)!;
      expect(get(svc, "spec.ports")).toEqual([{ name: "http", port: 3000, targetPort: "http", protocol: "TCP" }]);
      expect(get(svc, "spec.type")).toBe("ClusterIP");
    });
  });
}
