// Observability and Grafana: the pure parts (values, routing, env, problems), the components as recorded
// with a sample rule group, dashboard and receiver, and what kube-prometheus-stack renders for them with
// the real Helm, schema-validated and checked by the policy pack (single and HA).
import * as pulumi from "@pulumi/pulumi";
import { policies } from "../../policies/rules";
import { evaluate } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { chartCacheDir } from "../../plan/charts/cache";
import { renderCharts } from "../../plan/charts/render";
import { manifestFiles, validateObjects } from "../../plan/manifests";
import type { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { PrometheusCrds } from "../infra/prometheusCrds";
import { ADMIN_SECRET_KEYS, DASHBOARD_LABEL, grafanaEnv, grafanaProblems, roleAttributePath } from "./grafana";
import { monitoringIngress, Observability, ObservabilityArgs, observabilityProblems, retentionSize, routingSpec, stackValues } from "./observability";

type Obj = Record<string, unknown>;
const HOOK = "https://hooks.example.com/services/zq-sentinel-webhook-token";
const RULES = [{ name: "ods.sample", rules: [{ alert: "SampleDown", expr: 'up{job="sample"} == 0', for: "5m", labels: { severity: "critical" }, annotations: { summary: "sample is down" } }] }];
const DASHBOARD = JSON.stringify({ title: "Sample", uid: "sample", panels: [{ type: "timeseries", targets: [{ expr: "up" }] }] });
const res = (cpu: string, mem: string, lim: string) => ({ requests: { cpu, memory: mem }, limits: { memory: lim } });

const ARGS = (ha = false): ObservabilityArgs => ({
  namespace: "ods-observability",
  highAvailability: ha,
  storageClass: "gp3",
  prometheus: { retention: "15d", storageSize: "50Gi", replicas: ha ? 2 : 1, resources: res("250m", "1Gi", "2Gi") },
  alertmanager: { replicas: ha ? 2 : 1, resources: res("50m", "64Mi", "256Mi"), receivers: [{ name: "oncall", webhookUrl: pulumi.secret(HOOK), severities: ["critical"], sendResolved: true }] },
  grafana: {
    image: "docker.io/grafana/grafana:13.2.0",
    sidecarImage: "quay.io/kiwigrid/k8s-sidecar:2.10.1",
    replicas: ha ? 2 : 1,
    resources: res("100m", "256Mi", "512Mi"),
    persistence: { size: "10Gi", storageClass: "gp3" },
    database: ha ? { secretName: "grafana-mysql" } : undefined,
    host: "grafana.t.example.com",
    oauth: { issuerUrl: "https://auth.t.example.com/realms/ods", clientSecretName: "grafana-oidc" },
  },
  ruleGroups: RULES,
  dashboards: { sample: DASHBOARD },
  queryNamespaces: ["ods-model"],
});

describe("pure parts", () => {
  it("retentionSize leaves 15 % of the volume for the WAL and compaction", () => {
    expect([retentionSize("50Gi"), retentionSize("200Gi"), retentionSize("1Gi"), retentionSize("512Mi")]).toEqual(["42GB", "170GB", "870MB", "435MB"]);
    expect(() => retentionSize("lots")).toThrow('prometheus.storageSize "lots" is not a Kubernetes quantity');
  });

  it("chart values: no CRDs, no missing subchart, selectors for every monitor and rule, storage, HA spread and budgets", () => {
    const v = stackValues({ ...ARGS(true), releaseName: "monitoring" }) as unknown as Obj;
    const at = (p: string) => p.split(".").reduce<unknown>((c, k) => (c as Obj)?.[k], v);
    expect([at("crds.enabled"), at("grafana.enabled"), at("kubeStateMetrics.enabled"), at("nodeExporter.enabled"), at("windowsMonitoring.enabled")]).toEqual([false, false, false, false, false]);
    for (const k of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) expect(at(`prometheus.prometheusSpec.${k}SelectorNilUsesHelmValues`)).toBe(false);
    expect([at("prometheus.prometheusSpec.replicas"), at("prometheus.prometheusSpec.retention"), at("prometheus.prometheusSpec.retentionSize")]).toEqual([2, "15d", "42GB"]);
    expect(at("prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage")).toBe("50Gi");
    expect([at("prometheus.podDisruptionBudget.enabled"), at("alertmanager.podDisruptionBudget.enabled"), at("prometheus.prometheusSpec.podAntiAffinity")]).toEqual([true, true, "soft"]);
    expect(at("alertmanager.alertmanagerSpec.alertmanagerConfiguration")).toEqual({ name: "monitoring-routing" });
    // Node labels on every target, so the DCGM relabeling can copy the node's GPU pool.
    expect(at("prometheus.prometheusSpec.scrapeClasses")).toEqual([{ name: "node-metadata", default: true, attachMetadata: { node: true } }]);
    expect(allStrings(v)).not.toContain(HOOK);
    const single = stackValues(ARGS(false)) as unknown as Obj;
    expect((single.prometheus as Obj).podDisruptionBudget).toEqual({ enabled: false });
  });

  it("routing: the receiver gets its severities, the Watchdog nobody, the URL only by Secret reference", () => {
    const spec = routingSpec([{ name: "oncall", severities: ["critical", "warning"], sendResolved: true }], "monitoring-receivers");
    expect(spec.route.receiver).toBe("null");
    expect(spec.route.routes).toEqual([
      { receiver: "null", matchers: [{ name: "alertname", matchType: "=", value: "Watchdog" }] },
      { receiver: "oncall", matchers: [{ name: "severity", matchType: "=~", value: "critical|warning" }], continue: true },
    ]);
    expect(spec.receivers[1]).toEqual({ name: "oncall", webhookConfigs: [{ urlSecret: { name: "monitoring-receivers", key: "oncall" }, sendResolved: true }] });
  });

  it("Grafana: realm roles map to Admin, Editor, Viewer; single sign-on only with a client Secret; the database only from a Secret", () => {
    expect(roleAttributePath()).toBe(
      "(contains(groups[*], 'admin')) && 'Admin' || (contains(groups[*], 'data-engineer') || contains(groups[*], 'ml-engineer') || contains(groups[*], 'app-developer')) && 'Editor' || (contains(groups[*], 'viewer')) && 'Viewer'",
    );
    const base = { host: "grafana.t.example.com", oauth: { issuerUrl: "https://auth.t.example.com/realms/ods" } };
    const noSso = grafanaEnv(base, { admin: "a", secretKey: "k" });
    expect(noSso.map((e) => e.name)).not.toContain("GF_AUTH_GENERIC_OAUTH_ENABLED");
    const sso = grafanaEnv({ ...base, oauth: { ...base.oauth, clientSecretName: "grafana-oidc" }, database: { secretName: "grafana-mysql" } }, { admin: "a", secretKey: "k" });
    const byName = Object.fromEntries(sso.map((e) => [e.name, e]));
    expect(byName.GF_SERVER_ROOT_URL.value).toBe("https://grafana.t.example.com");
    expect(byName.GF_AUTH_GENERIC_OAUTH_TOKEN_URL.value).toBe("https://auth.t.example.com/realms/ods/protocol/openid-connect/token");
    // With the realm's in-cluster URL, Grafana's server calls go there; the browser's login stays public.
    const internal = Object.fromEntries(grafanaEnv({ ...base, oauth: { ...base.oauth, internalIssuerUrl: "http://kc.ods-identity.svc.cluster.local:8080/realms/ods", clientSecretName: "grafana-oidc" } }, { admin: "a", secretKey: "k" }).map((e) => [e.name, e.value]));
    expect([internal.GF_AUTH_GENERIC_OAUTH_AUTH_URL, internal.GF_AUTH_GENERIC_OAUTH_TOKEN_URL, internal.GF_AUTH_GENERIC_OAUTH_API_URL]).toEqual([
      "https://auth.t.example.com/realms/ods/protocol/openid-connect/auth",
      "http://kc.ods-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/token",
      "http://kc.ods-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/userinfo",
    ]);
    expect(byName.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET.valueFrom).toEqual({ secretKeyRef: { name: "grafana-oidc", key: "client-secret", optional: false } });
    expect(byName.GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_STRICT.value).toBe("true");
    expect(byName.GF_DATABASE_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: "grafana-mysql", key: "password", optional: false } });
    expect(byName.GF_DATABASE_HOST.value).toBe("$(ODS_DB_HOST):$(ODS_DB_PORT)");
    expect(byName.GF_SECURITY_ADMIN_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: "a", key: ADMIN_SECRET_KEYS.password, optional: false } });
    // Every literal is a setting, never a credential.
    expect(sso.filter((e) => /PASSWORD|SECRET|USER$/.test(e.name)).every((e) => e.value === undefined)).toBe(true);
  });

  it.each<[object, string]>([
    [{ replicas: 2, database: undefined }, "replicas 2 needs database (MySQL)"],
    [{ replicas: 0 }, "replicas 0 is below 1"],
    [{ dashboards: { sample: "{not json" } }, "dashboards.sample is not valid JSON"],
    [{ dashboards: { Sample: DASHBOARD } }, 'dashboards key "Sample" is not a DNS label'],
    [{ dashboards: { big: JSON.stringify({ x: "y".repeat(1024 * 1024) }) } }, "dashboards.big is 1048584 bytes; allowed: at most 921600"],
    [{ oauth: { issuerUrl: "http://auth.t.example.com" } }, "oauth.issuerUrl \"http://auth.t.example.com\" is not a Keycloak realm URL"],
    [{ resources: res("1", "2Gi", "1Gi") }, "resources.requests.memory 2Gi is above resources.limits.memory 1Gi"],
  ])("Grafana refuses a bad arg: %#", (change, message) => {
    expect(grafanaProblems({ ...ARGS().grafana, dashboards: {}, ...change } as Parameters<typeof grafanaProblems>[0]).join("; ")).toContain(message);
  });

  it.each<[object, string]>([
    [{ prometheus: { ...ARGS().prometheus, replicas: 1 }, highAvailability: true }, "prometheus.replicas 1 with highAvailability"],
    [{ alertmanager: { ...ARGS().alertmanager, replicas: 1 }, highAvailability: true }, "alertmanager.replicas 1 with highAvailability"],
    [{ ruleGroups: [{ name: "a", rules: [] }] }, "ruleGroups[0].rules is empty"],
    [{ ruleGroups: [RULES[0], RULES[0]] }, 'ruleGroups[1].name "ods.sample" is used twice'],
    [{ ruleGroups: [{ rules: [{}] }] }, "ruleGroups[0].name is missing"],
    [{ releaseName: "a-very-long-release-name-for-prometheus" }, "releaseName"],
    [{ alertmanager: { ...ARGS().alertmanager, receivers: [{ name: "null", webhookUrl: HOOK, severities: ["critical"], sendResolved: true }] } }, 'name "null" is not a DNS label (or is the reserved "null")'],
  ])("Observability refuses a bad arg: %#", (change, message) => {
    expect(observabilityProblems({ ...ARGS(), ...change } as ObservabilityArgs).join("; ")).toContain(message);
  });
});

describe("the components as recorded", () => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    rs = await record(() => new Observability("ods-t-observability", ARGS()));
  });

  it("the webhook URL is a secret in the receivers Secret and nowhere else", () => {
    const secret = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && get(r, "metadata.name") === "monitoring-receivers")!;
    expect(JSON.stringify(get(secret, "stringData"))).not.toContain(HOOK);
    expect(allStrings(rs.map((r) => r.inputs)).filter((s) => s.includes("zq-sentinel-webhook-token"))).toEqual([]);
    const routing = one(rs, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig");
    expect(get(routing, "spec.receivers")).toContainEqual({ name: "oncall", webhookConfigs: [{ urlSecret: { name: "monitoring-receivers", key: "oncall" }, sendResolved: true }] });
  });

  it("each rule group becomes a PrometheusRule, each dashboard a ConfigMap labelled for the sidecar", () => {
    const rule = one(rs, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
    expect(get(rule, "spec.groups")).toEqual(RULES);
    const dash = rs.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (get(r, "metadata.labels") as Obj)[DASHBOARD_LABEL.key] === "1")!;
    expect(get(dash, "data")).toEqual({ "sample.json": DASHBOARD });
  });

  it("the model namespace may query Prometheus on 9090; the Prometheus URL is the operator's Service", () => {
    const np = rs.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && get(r, "metadata.name") === "monitoring-prometheus-ingress")!;
    expect(get(np, "spec.ingress")).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-model" } } }], ports: [{ protocol: "TCP", port: 9090 }] });
    const prov = rs.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && String(get(r, "metadata.name")).endsWith("provisioning"))!;
    expect(String(get(prov, "data.datasources\\.yaml") ?? (get(prov, "data") as Obj)["datasources.yaml"])).toContain("url: http://prometheus-operated.ods-observability.svc.cluster.local:9090");
  });

  it("the stack's own traffic: Prometheus and Alertmanager from their namespace, the Alertmanager mesh between peers only with replicas", () => {
    const single = monitoringIngress({ namespace: "ods-observability", queryNamespaces: [], alertmanagerReplicas: 1 });
    expect(Object.keys(single)).toEqual(["prometheus-ingress", "alertmanager-ingress", "operator-ingress"]);
    expect(single["prometheus-ingress"].ingress).toHaveLength(1);
    expect(JSON.stringify(single["alertmanager-ingress"].ingress)).not.toContain("9094");
    const ha = monitoringIngress({ namespace: "ods-observability", queryNamespaces: ["ods-model"], alertmanagerReplicas: 2 });
    expect(ha["alertmanager-ingress"].ingress[1]).toEqual({ from: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "alertmanager" } } }], ports: [{ protocol: "TCP", port: 9094 }, { protocol: "UDP", port: 9094 }] });
    expect(ha["prometheus-ingress"].ingress[1].from).toEqual([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-model" } } }]);
  });

  it("Grafana keeps SQLite on a retained volume with one replica (Recreate), its admin in a generated Secret", () => {
    const pvc = one(rs, "kubernetes:core/v1:PersistentVolumeClaim");
    expect(pvc.options?.retainOnDelete).toBe(true);
    expect(get(pvc, "spec.resources.requests.storage")).toBe("10Gi");
    const d = ofType(rs, "kubernetes:apps/v1:Deployment").find((x) => String(get(x, "metadata.name")).endsWith("grafana"))!;
    expect(get(d, "spec.strategy")).toEqual({ type: "Recreate" });
    expect(ofType(rs, "random:index/randomPassword:RandomPassword")).toHaveLength(2);
  });

  it("rejects bad args before declaring anything", async () => {
    await expect(record(() => new Observability("x", { ...ARGS(), ruleGroups: [{ name: "a", rules: [] }] }))).rejects.toThrow("ruleGroups[0].rules is empty");
  });
});

describe.each([
  [false, "local"],
  [true, "prod"],
])("rendered (HA %s), checked with the %s pack config", (ha, stack) => {
  let rs: RecordedResource[];
  beforeAll(async () => {
    // With L1's CRDs, as in a plan: custom resources are validated against the CRDs' own schemas.
    const declared = await record(() => {
      const crds = new PrometheusCrds("ods-t-prometheus-crds", { namespace: "ods-infra" });
      return new Observability("ods-t-observability", { ...ARGS(ha), crds });
    });
    rs = (await renderCharts(declared, { kubeVersion: "1.35", cacheDir: chartCacheDir() })).resources;
  }, 120000);

  it("renders the operator, Prometheus and Alertmanager; no CRD, no webhook job, no Grafana from the chart", () => {
    const kinds = new Set(rs.filter((r) => r.parent === "ods-t-observability-chart").map((r) => r.type.split(":").pop()));
    for (const k of ["Deployment", "Prometheus", "Alertmanager", "ServiceMonitor", "PrometheusRule"]) expect(kinds).toContain(k);
    for (const k of ["CustomResourceDefinition", "Job", "ValidatingWebhookConfiguration", "DaemonSet"]) expect(kinds).not.toContain(k);
    const prom = one(rs, "kubernetes:monitoring.coreos.com/v1:Prometheus");
    expect([get(prom, "spec.replicas"), get(prom, "spec.serviceMonitorSelector"), get(prom, "spec.ruleNamespaceSelector")]).toEqual([ha ? 2 : 1, {}, {}]);
    expect(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget").length).toBe(ha ? 3 : 0);
  });

  it("every object passes its schema", () => {
    expect(validateObjects(manifestFiles(rs))).toEqual([]);
  });

  it("no mandatory violation of the policy pack; Grafana without its security context fails", async () => {
    const config = stackPackConfig(stack, policies).config;
    const result = await evaluate(rs, policies, config);
    expect(result.errors).toEqual([]);
    expect(result.violations.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.resource?.name}: ${v.message}`)).toEqual([]);
    const grafanaRoot = rs.map((r) => {
      if (r.type !== "kubernetes:apps/v1:Deployment" || !String(get(r, "metadata.name")).includes("grafana")) return r;
      const inputs = JSON.parse(JSON.stringify(r.inputs)) as Obj;
      const c = ((inputs.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers[0];
      delete c.securityContext;
      delete c.readinessProbe;
      return { ...r, inputs };
    });
    const failing = [...new Set((await evaluate(grafanaRoot, policies, config)).violations.filter((v) => v.enforcement === "mandatory").map((v) => v.policy))];
    expect(failing).toEqual(expect.arrayContaining(["k8s-no-privilege-escalation", "k8s-drop-all-capabilities"]));
  });
});
