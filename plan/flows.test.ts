// Kubernetes NetworkPolicy semantics of plan/flows.ts on small hand-written plans (no mocks).
import type { NeededFlow } from "../components/lib/flows";
import type { KubeObject } from "./manifests";
import { allowedFlows, blockedFlows, checkFlows, cidrContains, describeSource, dnsProblems, flowModel, isAllowed, neededFlows, selectorMatches, unneededFlows, workloadsOf } from "./flows";

const namespace = (name: string, layer: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "ods.io/layer": layer } } as KubeObject["metadata"] });
const deployment = (ns: string, name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[] = [], replicas = 1): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns },
  spec: { replicas, template: { metadata: { labels }, spec: { containers: [{ name: "c", ports }] } } },
});
const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: ns }, spec: { policyTypes: ["Ingress"], ...spec } });
const denyAll = (ns: string) => policy(ns, "default-deny-ingress", { podSelector: {} });

const base = [
  namespace("ods-data", "data"),
  namespace("ods-apps", "apps"),
  namespace("ods-observability", "observability"),
  denyAll("ods-data"),
  denyAll("ods-apps"),
  deployment("ods-data", "db", { app: "db", tier: "backend" }, [{ name: "sql", containerPort: 3306 }, { name: "metrics", containerPort: 9104 }]),
  deployment("ods-apps", "api", { app: "api" }, [{ name: "http", containerPort: 8080 }]),
  deployment("ods-apps", "batch", { app: "batch" }),
];
const m = (extra: KubeObject[] = []) => flowModel([...base, ...extra]);
const w = (model: ReturnType<typeof flowModel>, name: string) => model.workloads.find((x) => x.name === name)!;
const api = { kind: "workload" as const, namespace: "ods-apps", name: "api" };
const batch = { kind: "workload" as const, namespace: "ods-apps", name: "batch" };
const byNs = (n: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } });

describe("label selectors", () => {
  it("matchLabels and every matchExpressions operator must all hold", () => {
    const labels = { app: "db", tier: "backend" };
    expect(selectorMatches({ matchLabels: { app: "db" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "db", tier: "frontend" } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["backend", "x"] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["backend"] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: "db" }, matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
  });

  it("namespaces carry the API server's kubernetes.io/metadata.name label", () => {
    expect(m().namespaces.get("ods-data")).toEqual({ "ods.io/layer": "data", "kubernetes.io/metadata.name": "ods-data" });
  });
});

describe("ingress evaluation", () => {
  it("a pod no policy selects is open to anything; default-deny closes it", () => {
    const open = flowModel(base.filter((o) => o.kind !== "NetworkPolicy"));
    expect(isAllowed(open, { kind: "outside" }, w(open, "db"), 3306)).toBe(true);
    expect(isAllowed(m(), api, w(m(), "db"), 3306)).toBe(false);
    expect(allowedFlows(open).find((f) => f.to === "ods-data/db")).toEqual({ source: { kind: "anywhere" }, to: "ods-data/db", port: "*", protocol: "TCP", policy: null });
  });

  it("namespaceSelector AND podSelector within one peer; separate peers OR", () => {
    const and = m([policy("ods-data", "db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ ...byNs("ods-apps"), podSelector: { matchLabels: { app: "api" } } }] }] })]);
    expect(isAllowed(and, api, w(and, "db"), 3306)).toBe(true);
    expect(isAllowed(and, batch, w(and, "db"), 3306)).toBe(false);
    expect(isAllowed(and, { kind: "namespace", namespace: "ods-apps" }, w(and, "db"), 3306)).toBe(false);
    const or = m([policy("ods-data", "db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [byNs("ods-apps"), { podSelector: { matchLabels: { app: "api" } } }] }] })]);
    expect(isAllowed(or, batch, w(or, "db"), 3306)).toBe(true);
    expect(isAllowed(or, { kind: "namespace", namespace: "ods-apps" }, w(or, "db"), 3306)).toBe(true);
  });

  it("a podSelector without namespaceSelector means the policy's own namespace", () => {
    const same = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "api" } } }] }] })]);
    expect(isAllowed(same, api, w(same, "db"), 3306)).toBe(false);
  });

  it("ports: by number, by named container port, every port when absent, endPort ranges; protocol matters", () => {
    const named = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [byNs("ods-apps")], ports: [{ port: "sql", protocol: "TCP" }] }] })]);
    expect(isAllowed(named, api, w(named, "db"), 3306)).toBe(true);
    expect(isAllowed(named, api, w(named, "db"), 9104)).toBe(false);
    expect(isAllowed(named, api, w(named, "db"), 3306, "UDP")).toBe(false);
    const all = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [byNs("ods-apps")] }] })]);
    expect(isAllowed(all, api, w(all, "db"), 9104)).toBe(true);
    expect(allowedFlows(all).filter((f) => f.to === "ods-data/db").map((f) => f.port)).toEqual(["*"]);
    const range = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [byNs("ods-apps")], ports: [{ port: 9100, endPort: 9105 }] }] })]);
    expect(isAllowed(range, api, w(range, "db"), 9104)).toBe(true);
    expect(isAllowed(range, api, w(range, "db"), 3306)).toBe(false);
  });

  it("a named port a pod does not have opens nothing on it", () => {
    const missing = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [byNs("ods-apps")], ports: [{ port: "http" }] }] })]);
    expect(allowedFlows(missing).filter((f) => f.to === "ods-data/db")).toEqual([]);
  });

  it("no `from` admits anywhere; ipBlock admits only addresses outside the pod network in its CIDR", () => {
    const any = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ ports: [{ port: 3306 }] }] })]);
    expect(isAllowed(any, { kind: "outside" }, w(any, "db"), 3306)).toBe(true);
    expect(isAllowed(any, batch, w(any, "db"), 3306)).toBe(true);
    const block = m([policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.9.0/24"] } }] }] })]);
    expect(isAllowed(block, { kind: "outside", cidr: "10.0.1.0/24" }, w(block, "db"), 3306)).toBe(true);
    expect(isAllowed(block, { kind: "outside", cidr: "10.0.9.0/24" }, w(block, "db"), 3306)).toBe(false);
    expect(isAllowed(block, { kind: "outside" }, w(block, "db"), 3306)).toBe(false);
    expect(isAllowed(block, api, w(block, "db"), 3306)).toBe(false);
    expect(cidrContains("10.0.0.0/8", "10.2.0.0/16")).toBe(true);
    expect(cidrContains("10.2.0.0/16", "10.0.0.0/8")).toBe(false);
  });

  it("rules OR together across policies selecting the same pod", () => {
    const two = m([
      policy("ods-data", "a", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [byNs("ods-apps")], ports: [{ port: 3306 }] }] }),
      policy("ods-data", "b", { podSelector: { matchLabels: { tier: "backend" } }, ingress: [{ from: [byNs("ods-observability")], ports: [{ port: 9104 }] }] }),
    ]);
    expect(isAllowed(two, api, w(two, "db"), 3306)).toBe(true);
    expect(isAllowed(two, { kind: "namespace", namespace: "ods-observability" }, w(two, "db"), 9104)).toBe(true);
    expect(isAllowed(two, api, w(two, "db"), 9104)).toBe(false);
  });
});

describe("egress", () => {
  it("an egress policy narrows its pods' traffic, and must leave DNS open", () => {
    const allowDb = policy("ods-data", "db", { podSelector: {}, ingress: [{ from: [byNs("ods-apps")] }] });
    const egress = (to: unknown[]) => ({ ...policy("ods-apps", "egress", { podSelector: { matchLabels: { app: "api" } }, egress: to }), spec: { podSelector: { matchLabels: { app: "api" } }, policyTypes: ["Egress"], egress: to } });
    const noDns = m([allowDb, egress([{ to: [byNs("ods-data")], ports: [{ port: 3306 }] }])]);
    expect(isAllowed(noDns, api, w(noDns, "db"), 3306)).toBe(true);
    expect(isAllowed(noDns, api, w(noDns, "db"), 9104)).toBe(false);
    expect(isAllowed(noDns, batch, w(noDns, "db"), 9104)).toBe(true);
    expect(dnsProblems(noDns)).toEqual([
      "ods-apps/api cannot reach the cluster DNS (kube-system, k8s-app=kube-dns) on 53/UDP: its egress policies block it",
      "ods-apps/api cannot reach the cluster DNS (kube-system, k8s-app=kube-dns) on 53/TCP: its egress policies block it",
    ]);
    const dns = { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] };
    expect(dnsProblems(m([allowDb, egress([{ to: [byNs("ods-data")], ports: [{ port: 3306 }] }, dns])]))).toEqual([]);
    expect(dnsProblems(m([allowDb]))).toEqual([]);
  });
});

describe("operator pods", () => {
  it("a MOCO MySQLCluster stands for its mysqld pods: primary and replicas, MOCO's labels and ports", () => {
    const cluster: KubeObject = { apiVersion: "moco.cybozu.com/v1beta2", kind: "MySQLCluster", metadata: { name: "db", namespace: "ods-data" }, spec: { replicas: 3, podTemplate: { metadata: { labels: { team: "x" } } } } };
    const pods = workloadsOf([cluster]);
    expect(pods.map((p) => [p.name, p.replicas, p.labels["moco.cybozu.com/role"], p.labels["app.kubernetes.io/created-by"], p.labels.team])).toEqual([
      ["moco-db", 1, "primary", "moco", "x"],
      ["moco-db (replicas)", 2, "replica", "moco", "x"],
    ]);
    expect(pods[0].ports.map((p) => `${p.name}:${p.port}`)).toEqual(["mysql:3306", "mysqlx:33060", "mysql-admin:33062", "health:9081", "agent:9080", "agent-metrics:8080", "mysqld-metrics:9104"]);
  });
});

describe("the checks", () => {
  const table: NeededFlow[] = [
    { id: "api-to-db", from: { layer: "apps", labels: { app: "api" } }, to: { layer: "data", labels: { app: "db" } }, ports: ["sql"], reason: "the API's database" },
    { id: "gone", from: { layer: "apps" }, to: { layer: "data", labels: { app: "nothing-here" } }, ports: [1], reason: "skipped: no such workload" },
  ];
  const exact = policy("ods-data", "db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ ...byNs("ods-apps"), podSelector: { matchLabels: { app: "api" } } }], ports: [{ port: 3306 }] }] });

  it("an exact policy passes both ways; rows whose endpoints are missing are skipped", () => {
    const model = m([exact]);
    const needed = neededFlows(model, table);
    expect(needed.map((n) => `${describeSource(n.source)} -> ${n.to}:${n.port}`)).toEqual(["ods-apps/api -> ods-data/db:3306"]);
    expect(unneededFlows(model, needed)).toEqual([]);
    expect(blockedFlows(model, needed)).toEqual([]);
  });

  it("a policy broader than the need fails (namespace instead of the pod, every port)", () => {
    const model = m([policy("ods-data", "db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [byNs("ods-apps")] }] })]);
    expect(unneededFlows(model, neededFlows(model, table))).toEqual(["flow any pod of ods-apps -> ods-data/db:every port allowed by policy ods-data/db but no component needs it"]);
  });

  it("a missing policy fails with the need's reason", () => {
    const model = m();
    expect(blockedFlows(model, neededFlows(model, table))).toEqual(["needed flow ods-apps/api -> ods-data/db:3306 (api-to-db: the API's database) blocked"]);
  });

  it("a workload without any policy is reported as open to anywhere", () => {
    const model = m([exact]);
    expect(unneededFlows(model, neededFlows(model, table))).toEqual([]);
    // ods-observability has no default deny here: nothing runs in it, so nothing is reported.
    const withPod = m([exact, deployment("ods-observability", "graf", { app: "graf" }, [{ containerPort: 3000 }])]);
    expect(unneededFlows(withPod, neededFlows(withPod, table))).toEqual(["flow anywhere -> ods-observability/graf:every port allowed by no policy (no ingress policy selects its pods) but no component needs it"]);
  });

  it("Prometheus scrapes declared by a ServiceMonitor are needed; the metrics port must then be open to the observability namespace", () => {
    const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: "ods-data", labels: { app: "db" } } as KubeObject["metadata"], spec: { selector: { app: "db" }, ports: [{ name: "metrics", port: 9104, targetPort: "metrics" }] } };
    const mon: KubeObject = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "db", namespace: "ods-data" }, spec: { selector: { matchLabels: { app: "db" } }, endpoints: [{ port: "metrics" }] } };
    const blocked = checkFlows([...base, exact, svc, mon], table, []).blocked;
    expect(blocked).toEqual(["needed flow any pod of ods-observability -> ods-data/db:9104 (scrape:ods-data/db: Prometheus scrapes it (ServiceMonitor ods-data/db)) blocked"]);
    const scrape = policy("ods-data", "db-metrics", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [byNs("ods-observability")], ports: [{ port: 9104 }] }] });
    expect(checkFlows([...base, exact, svc, mon, scrape], table, [])).toMatchObject({ blocked: [], unneeded: [] });
  });

  it("webhook backends are needed from anywhere (the API server); a from-restricted webhook policy is blocked", () => {
    const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "wh", namespace: "ods-data" }, spec: { selector: { app: "db" }, ports: [{ port: 443, targetPort: 3306 }] } };
    const vwc: KubeObject = { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "wh" }, webhooks: [{ name: "x", clientConfig: { service: { name: "wh", namespace: "ods-data", port: 443 } } }] };
    const report = checkFlows([...base, exact, svc, vwc], table, []);
    expect(report.blocked).toEqual(["needed flow anywhere -> ods-data/db:3306 (webhook:wh: the API server calls the admission webhook wh; its source address is the control plane's, which the kit cannot know) blocked"]);
    const open = policy("ods-data", "wh", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ ports: [{ port: 3306 }] }] });
    expect(checkFlows([...base, exact, svc, vwc, open], table, [])).toMatchObject({ blocked: [], unneeded: [] });
  });

  it("pending broad policies are reported apart, and must be removable", () => {
    const same = policy("ods-data", "allow-same-namespace", { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    const pending = [{ name: "allow-same-namespace", reason: "a broad allow being phased out" }];
    // Not tolerated by default: it is an unneeded flow like any other.
    expect(checkFlows([...base, exact, same], table).unneeded).toEqual(["flow any pod of ods-data -> ods-data/db:every port allowed by policy ods-data/allow-same-namespace but no component needs it"]);
    const report = checkFlows([...base, exact, same], table, pending);
    expect(report.unneeded).toEqual([]);
    expect(report.pendingOnly).toEqual(["flow any pod of ods-data -> ods-data/db:every port allowed by policy ods-data/allow-same-namespace but no component needs it"]);
    const inNs: NeededFlow = { id: "peer", from: { layer: "data" }, to: { layer: "data", labels: { app: "db" } }, ports: [3306], reason: "a peer" };
    expect(checkFlows([...base, exact, same], [...table, inNs], pending).blockedWithoutPending).toEqual(["needed flow any pod of ods-data -> ods-data/db:3306 (peer: a peer) blocked"]);
  });
});
