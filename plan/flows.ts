// Network flows of a plan: which sources each NetworkPolicy lets reach each workload's ports
// (Kubernetes semantics, evaluated offline), the flows the platform needs (components/lib/flows.ts
// plus the ones the plan itself declares: scrapes, webhooks, admin endpoints, routes), and the two
// checks: nothing allowed that nothing needs, nothing needed that is blocked.
import { Layer } from "../components/lib/cluster";
import { FlowPort, FlowSourceSpec, NEEDED_FLOWS, NeededFlow, PodsSpec } from "../components/lib/flows";
import { isKubeObject, KubeObject } from "./manifests";
import { RecordedResource } from "./types";

type Obj = Record<string, unknown>;
type Protocol = "TCP" | "UDP" | "SCTP";

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

/** Pods of one controller (or of one operator custom resource, inferred). */
export interface Workload {
  namespace: string;
  name: string;
  kind: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
  replicas: number;
  /** For pods inferred from an operator's custom resource: how. */
  inferredFrom?: string;
}

export interface NetPol {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  types: ("Ingress" | "Egress")[];
  ingress: Rule[];
  egress: Rule[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  /** Absent or empty: every source (or destination, for egress). */
  peers?: Peer[];
  /** Absent or empty: every port. */
  ports?: { port?: number | string; endPort?: number; protocol: Protocol }[];
}

/** Everything the evaluation needs from a plan. */
export interface FlowModel {
  /** Namespace name -> its labels (the API server's `kubernetes.io/metadata.name` included). */
  namespaces: Map<string, Record<string, string>>;
  workloads: Workload[];
  policies: NetPol[];
  /** Layer -> namespace, from the namespaces' `ods.io/layer` label. */
  layers: Map<string, string>;
  objects: KubeObject[];
}

/** A source of traffic. */
export type Source =
  | { kind: "workload"; namespace: string; name: string }
  /** Any pod of the namespace, whatever its labels (pods the plan cannot see included). */
  | { kind: "namespace"; namespace: string }
  /** An address outside the pod network; cidr absent: any such address. */
  | { kind: "outside"; cidr?: string }
  /** Every source in and outside the cluster (a rule without `from`, or no policy at all). */
  | { kind: "anywhere" };

export interface AllowedFlow {
  source: Source;
  /** `namespace/name` of the destination workload. */
  to: string;
  /** Container port number, or "*" for every port. */
  port: number | "*";
  protocol: Protocol;
  /** `namespace/name` of the policy, or null where no ingress policy selects the pods (all traffic open). */
  policy: string | null;
}

export interface ExpandedNeed {
  id: string;
  source: Source;
  to: string;
  port: number | "*";
  protocol: Protocol;
  reason: string;
}

/** Kubernetes (API server, DNS) pieces every cluster has and no plan declares. */
const KUBE_SYSTEM = "kube-system";
const KUBE_DNS: Workload = {
  namespace: KUBE_SYSTEM,
  name: "coredns",
  kind: "Deployment",
  labels: { "k8s-app": "kube-dns" },
  ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }],
  replicas: 2,
  inferredFrom: "the cluster's DNS (not in the plan)",
};

// ---------------------------------------------------------------------------------------------
// The plan's objects

/** Every Kubernetes object of the plan, declared and chart-rendered. */
export function planObjects(resources: RecordedResource[]): KubeObject[] {
  return resources.filter(isKubeObject).map((r) => r.inputs as unknown as KubeObject);
}

const ns = (o: KubeObject): string => o.metadata?.namespace ?? "default";
const nameOf = (o: KubeObject): string => o.metadata?.name ?? "";
const asObj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const asArr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const strRecord = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(asObj(v)).filter(([, x]) => typeof x === "string")) as Record<string, string>;

function containerPorts(podSpec: Obj): ContainerPort[] {
  return asArr(podSpec.containers).flatMap((c) =>
    asArr(c.ports).map((p) => ({ ...(typeof p.name === "string" ? { name: p.name } : {}), port: Number(p.containerPort), protocol: ((p.protocol as Protocol) ?? "TCP") })),
  );
}

const POD_TEMPLATE_KINDS: Record<string, (spec: Obj) => Obj | undefined> = {
  Deployment: (s) => asObj(s.template),
  StatefulSet: (s) => asObj(s.template),
  DaemonSet: (s) => asObj(s.template),
  ReplicaSet: (s) => asObj(s.template),
  Job: (s) => asObj(s.template),
  CronJob: (s) => asObj(asObj(asObj(s.jobTemplate).spec).template),
};

/** MOCO's ports on every mysqld pod (moco pkg/constants, and the exporter the PodMonitor scrapes). */
const MOCO_POD_PORTS: ContainerPort[] = [
  { name: "mysql", port: 3306, protocol: "TCP" },
  { name: "mysqlx", port: 33060, protocol: "TCP" },
  { name: "mysql-admin", port: 33062, protocol: "TCP" },
  { name: "health", port: 9081, protocol: "TCP" },
  { name: "agent", port: 9080, protocol: "TCP" },
  { name: "agent-metrics", port: 8080, protocol: "TCP" },
  { name: "mysqld-metrics", port: 9104, protocol: "TCP" },
];

/**
 * Pods an operator creates from a custom resource, where the operator's naming is simple and
 * documented. Others (the GPU operator's ClusterPolicy, MinIO's Tenant) are not inferred: a flow to or
 * from them is invisible to this check.
 */
function inferredWorkloads(o: KubeObject): Workload[] {
  const spec = asObj(o.spec);
  const group = o.apiVersion.split("/")[0];
  if (o.kind === "MySQLCluster" && group === "moco.cybozu.com") {
    const template = asObj(spec.podTemplate);
    const base = { ...strRecord(asObj(template.metadata).labels), "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": nameOf(o), "app.kubernetes.io/created-by": "moco" };
    const replicas = Number(spec.replicas ?? 1);
    const pods: Workload[] = [{ namespace: ns(o), name: `moco-${nameOf(o)}`, kind: "StatefulSet", labels: { ...base, "moco.cybozu.com/role": "primary" }, ports: MOCO_POD_PORTS, replicas: 1, inferredFrom: `MySQLCluster ${nameOf(o)} (primary)` }];
    if (replicas > 1) pods.push({ namespace: ns(o), name: `moco-${nameOf(o)} (replicas)`, kind: "StatefulSet", labels: { ...base, "moco.cybozu.com/role": "replica" }, ports: MOCO_POD_PORTS, replicas: replicas - 1, inferredFrom: `MySQLCluster ${nameOf(o)} (replicas)` });
    return pods;
  }
  if (o.kind === "BackupPolicy" && group === "moco.cybozu.com") {
    // MOCO's backup CronJob (moco-backup-<cluster>); its pods only call out (mysqld, the object store).
    return [{ namespace: ns(o), name: `moco-backup (BackupPolicy ${nameOf(o)})`, kind: "CronJob", labels: { "app.kubernetes.io/name": "mysql-backup", "app.kubernetes.io/created-by": "moco" }, ports: [], replicas: 1, inferredFrom: `BackupPolicy ${nameOf(o)}` }];
  }
  if ((o.kind === "Prometheus" || o.kind === "Alertmanager") && group === "monitoring.coreos.com") {
    // prometheus-operator's StatefulSets: prometheus-<name> / alertmanager-<name>, web on 9090 / 9093.
    const app = o.kind === "Prometheus" ? "prometheus" : "alertmanager";
    const ports: ContainerPort[] = o.kind === "Prometheus"
      ? [{ name: "web", port: 9090, protocol: "TCP" }, { name: "reloader-web", port: 8080, protocol: "TCP" }]
      : [{ name: "web", port: 9093, protocol: "TCP" }, { name: "mesh-tcp", port: 9094, protocol: "TCP" }, { name: "mesh-udp", port: 9094, protocol: "UDP" }, { name: "reloader-web", port: 8080, protocol: "TCP" }];
    const labels = { ...strRecord(asObj(spec.podMetadata).labels), "app.kubernetes.io/name": app, "app.kubernetes.io/instance": nameOf(o), "app.kubernetes.io/managed-by": "prometheus-operator", [app]: nameOf(o), "operator.prometheus.io/name": nameOf(o) };
    return [{ namespace: ns(o), name: `${app}-${nameOf(o)}`, kind: "StatefulSet", labels, ports, replicas: Number(spec.replicas ?? 1), inferredFrom: `${o.kind} ${nameOf(o)}` }];
  }
  return [];
}

export function workloadsOf(objects: KubeObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    if (o.kind === "Pod" && o.apiVersion === "v1") {
      out.push({ namespace: ns(o), name: nameOf(o), kind: "Pod", labels: strRecord(o.metadata && (o.metadata as Obj).labels), ports: containerPorts(asObj(o.spec)), replicas: 1 });
      continue;
    }
    const template = POD_TEMPLATE_KINDS[o.kind];
    if (template && /^(apps|batch)\//.test(o.apiVersion)) {
      const spec = asObj(o.spec);
      const t = template(spec) ?? {};
      const replicas = o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "ReplicaSet" ? Number(spec.replicas ?? 1) : 1;
      out.push({ namespace: ns(o), name: nameOf(o), kind: o.kind, labels: strRecord(asObj(t.metadata).labels), ports: containerPorts(asObj(t.spec)), replicas });
      continue;
    }
    out.push(...inferredWorkloads(o));
  }
  return out;
}

function selectorOf(v: unknown): LabelSelector {
  const s = asObj(v);
  return { matchLabels: strRecord(s.matchLabels), matchExpressions: asArr(s.matchExpressions) as LabelSelector["matchExpressions"] };
}

function rulesOf(v: unknown, peerKey: "from" | "to"): Rule[] {
  return asArr(v).map((r) => ({
    peers: Array.isArray(r[peerKey]) ? asArr(r[peerKey]).map((p) => ({
      ...(p.podSelector !== undefined ? { podSelector: selectorOf(p.podSelector) } : {}),
      ...(p.namespaceSelector !== undefined ? { namespaceSelector: selectorOf(p.namespaceSelector) } : {}),
      ...(p.ipBlock !== undefined ? { ipBlock: asObj(p.ipBlock) as unknown as Peer["ipBlock"] } : {}),
    })) : undefined,
    ports: Array.isArray(r.ports) ? asArr(r.ports).map((p) => ({ port: p.port as number | string | undefined, endPort: p.endPort as number | undefined, protocol: (p.protocol as Protocol) ?? "TCP" })) : undefined,
  }));
}

export function policiesOf(objects: KubeObject[]): NetPol[] {
  return objects
    .filter((o) => o.kind === "NetworkPolicy" && o.apiVersion === "networking.k8s.io/v1")
    .map((o) => {
      const spec = asObj(o.spec);
      // policyTypes unset: Ingress always, Egress when the spec has egress rules (API defaulting).
      const types = Array.isArray(spec.policyTypes) ? (spec.policyTypes as NetPol["types"]) : (["Ingress", ...(spec.egress ? ["Egress"] : [])] as NetPol["types"]);
      return { namespace: ns(o), name: nameOf(o), podSelector: selectorOf(spec.podSelector), types, ingress: rulesOf(spec.ingress, "from"), egress: rulesOf(spec.egress, "to") };
    });
}

export function flowModel(objects: KubeObject[]): FlowModel {
  const namespaces = new Map<string, Record<string, string>>();
  const layers = new Map<string, string>();
  for (const o of objects.filter((x) => x.kind === "Namespace" && x.apiVersion === "v1")) {
    const labels = strRecord(asObj(o.metadata).labels);
    // The API server sets this label on every namespace; policies select namespaces by it.
    namespaces.set(nameOf(o), { ...labels, "kubernetes.io/metadata.name": nameOf(o) });
    if (labels["ods.io/layer"]) layers.set(labels["ods.io/layer"], nameOf(o));
  }
  namespaces.set(KUBE_SYSTEM, { "kubernetes.io/metadata.name": KUBE_SYSTEM });
  const workloads = [...workloadsOf(objects), KUBE_DNS];
  for (const w of workloads) if (!namespaces.has(w.namespace)) namespaces.set(w.namespace, { "kubernetes.io/metadata.name": w.namespace });
  return { namespaces, workloads, policies: policiesOf(objects), layers, objects };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes semantics

export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const isEmptySelector = (s: LabelSelector | undefined): boolean => !s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);

function ipv4(cidr: string): { base: number; bits: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return undefined;
  const base = m.slice(1, 5).reduce((a, x) => a * 256 + Number(x), 0);
  return { base, bits: Number(m[5]) };
}

/** Whether every address of `inner` lies in `outer` (IPv4; other forms only when equal). */
export function cidrContains(outer: string, inner: string): boolean {
  const o = ipv4(outer);
  const i = ipv4(inner);
  if (!o || !i) return outer === inner;
  if (i.bits < o.bits) return false;
  const size = 2 ** (32 - o.bits);
  return Math.floor(o.base / size) === Math.floor(i.base / size);
}

/** Whether an ipBlock peer admits an outside source (any address when the source has no cidr). */
function ipBlockAdmits(block: { cidr: string; except?: string[] }, src: { cidr?: string }): boolean {
  const except = block.except ?? [];
  if (src.cidr === undefined) return block.cidr === "0.0.0.0/0" && except.length === 0;
  return cidrContains(block.cidr, src.cidr) && !except.some((e) => cidrContains(e, src.cidr!) || cidrContains(src.cidr!, e));
}

/** Whether a peer of a policy in `policyNs` admits the source. */
function peerAdmits(m: FlowModel, peer: Peer, policyNs: string, src: Source): boolean {
  if (src.kind === "anywhere") return false;
  if (src.kind === "outside") return peer.ipBlock !== undefined && ipBlockAdmits(peer.ipBlock, src);
  if (peer.ipBlock) return false; // ipBlock is for addresses outside the pod network
  const srcNs = src.namespace;
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, m.namespaces.get(srcNs) ?? {}) : srcNs === policyNs;
  if (!nsOk) return false;
  if (isEmptySelector(peer.podSelector)) return true;
  if (src.kind === "namespace") return false; // an arbitrary pod need not carry the labels
  const w = m.workloads.find((x) => x.namespace === srcNs && x.name === src.name);
  return !!w && selectorMatches(peer.podSelector!, w.labels);
}

function ruleAdmitsSource(m: FlowModel, rule: Rule, policyNs: string, src: Source): boolean {
  if (!rule.peers || rule.peers.length === 0) return true;
  return rule.peers.some((p) => peerAdmits(m, p, policyNs, src));
}

/** Container port numbers a policy port stands for on the workload ("*": every port). */
function resolvePolicyPort(p: NonNullable<Rule["ports"]>[number], w: Workload): { port: number | "*"; endPort?: number; protocol: Protocol }[] {
  if (p.port === undefined) return [{ port: "*", protocol: p.protocol }];
  if (typeof p.port === "number") return [{ port: p.port, endPort: p.endPort, protocol: p.protocol }];
  if (/^\d+$/.test(p.port)) return [{ port: Number(p.port), protocol: p.protocol }];
  // A named port: the containers' port of that name and protocol (none: the rule opens nothing here).
  return w.ports.filter((c) => c.name === p.port && c.protocol === p.protocol).map((c) => ({ port: c.port, protocol: c.protocol }));
}

function ruleAdmitsPort(rule: Rule, w: Workload, port: number | "*", protocol: Protocol): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => resolvePolicyPort(p, w).some((r) => r.protocol === protocol && (r.port === "*" || (port !== "*" && (r.endPort ? port >= r.port && port <= r.endPort : port === r.port)))));
}

const ingressPolicies = (m: FlowModel, w: Workload): NetPol[] => m.policies.filter((p) => p.namespace === w.namespace && p.types.includes("Ingress") && selectorMatches(p.podSelector, w.labels));

/** Egress policies that certainly select the source's pods (an arbitrary pod: only those selecting every pod). */
function egressPolicies(m: FlowModel, src: Source): NetPol[] {
  if (src.kind !== "workload" && src.kind !== "namespace") return [];
  const w = src.kind === "workload" ? m.workloads.find((x) => x.namespace === src.namespace && x.name === src.name) : undefined;
  return m.policies.filter((p) => p.namespace === src.namespace && p.types.includes("Egress") && (w ? selectorMatches(p.podSelector, w.labels) : isEmptySelector(p.podSelector)));
}

/**
 * Whether `src` may open a connection to `dst` on `port`, with every policy of the plan: the
 * destination's ingress policies (none selecting it: open) and the source's egress policies.
 */
export function isAllowed(m: FlowModel, src: Source, dst: Workload, port: number | "*", protocol: Protocol = "TCP"): boolean {
  // A pod cannot block traffic to itself: a single pod reaching its own workload needs no policy.
  if (src.kind === "workload" && src.namespace === dst.namespace && src.name === dst.name && dst.replicas <= 1) return true;
  const ing = ingressPolicies(m, dst);
  const inOk = ing.length === 0 || ing.some((p) => p.ingress.some((r) => ruleAdmitsSource(m, r, p.namespace, src) && ruleAdmitsPort(r, dst, port, protocol)));
  if (!inOk) return false;
  const eg = egressPolicies(m, src);
  if (eg.length === 0) return true;
  const dstAsSource: Source = { kind: "workload", namespace: dst.namespace, name: dst.name };
  return eg.some((p) => p.egress.some((r) => ruleAdmitsSource(m, r, p.namespace, dstAsSource) && ruleAdmitsPort(r, dst, port, protocol)));
}

/** The sources a peer names, as the flows it opens (one per matching namespace or workload). */
function peerSources(m: FlowModel, peer: Peer, policyNs: string): Source[] {
  if (peer.ipBlock) return [{ kind: "outside", cidr: peer.ipBlock.cidr }];
  const nss = peer.namespaceSelector ? [...m.namespaces].filter(([, l]) => selectorMatches(peer.namespaceSelector!, l)).map(([n]) => n) : [policyNs];
  if (isEmptySelector(peer.podSelector)) return nss.map((n) => ({ kind: "namespace", namespace: n }));
  return m.workloads.filter((w) => nss.includes(w.namespace) && selectorMatches(peer.podSelector!, w.labels)).map((w) => ({ kind: "workload", namespace: w.namespace, name: w.name }));
}

/**
 * Every flow the plan's ingress policies open: for each workload and each rule of each policy that
 * selects it, the rule's sources times its ports. A workload no ingress policy selects is open to
 * anywhere on every port. (Egress policies only narrow these; see isAllowed and dnsProblems.)
 */
export function allowedFlows(objectsOrModel: KubeObject[] | FlowModel): AllowedFlow[] {
  const m = Array.isArray(objectsOrModel) ? flowModel(objectsOrModel) : objectsOrModel;
  const flows: AllowedFlow[] = [];
  for (const w of m.workloads) {
    if (w.namespace === KUBE_SYSTEM) continue;
    const to = `${w.namespace}/${w.name}`;
    const pols = ingressPolicies(m, w);
    if (pols.length === 0) {
      flows.push({ source: { kind: "anywhere" }, to, port: "*", protocol: "TCP", policy: null });
      continue;
    }
    for (const p of pols) {
      for (const r of p.ingress) {
        const sources: Source[] = !r.peers || r.peers.length === 0 ? [{ kind: "anywhere" }] : r.peers.flatMap((peer) => peerSources(m, peer, p.namespace));
        const ports = !r.ports || r.ports.length === 0 ? [{ port: "*" as const, protocol: "TCP" as Protocol }] : r.ports.flatMap((x) => resolvePolicyPort(x, w)).flatMap((x) => (x.port !== "*" && x.endPort ? Array.from({ length: x.endPort - x.port + 1 }, (_, i) => ({ port: (x.port as number) + i, protocol: x.protocol })) : [{ port: x.port, protocol: x.protocol }]));
        for (const source of sources) for (const port of ports) flows.push({ source, to, port: port.port, protocol: port.protocol, policy: `${p.namespace}/${p.name}` });
      }
    }
  }
  return flows;
}

/** Workloads whose egress policies would cut them off from the cluster's DNS (only when Egress policies exist). */
export function dnsProblems(m: FlowModel): string[] {
  if (!m.policies.some((p) => p.types.includes("Egress"))) return [];
  const dns = m.workloads.find((w) => w === KUBE_DNS) ?? KUBE_DNS;
  const problems: string[] = [];
  for (const w of m.workloads.filter((x) => x.namespace !== KUBE_SYSTEM)) {
    const src: Source = { kind: "workload", namespace: w.namespace, name: w.name };
    if (egressPolicies(m, src).length === 0) continue;
    for (const protocol of ["UDP", "TCP"] as const) {
      if (!isAllowed(m, src, dns, 53, protocol)) problems.push(`${w.namespace}/${w.name} cannot reach the cluster DNS (kube-system, k8s-app=kube-dns) on 53/${protocol}: its egress policies block it`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// What the platform needs

function podsOf(m: FlowModel, spec: PodsSpec): Workload[] {
  const namespace = m.layers.get(spec.layer);
  if (!namespace) return [];
  return m.workloads.filter((w) => w.namespace === namespace && selectorMatches({ matchLabels: spec.labels ?? {} }, w.labels));
}

function sourcesOf(m: FlowModel, spec: FlowSourceSpec): Source[] {
  if ("anywhere" in spec) return [{ kind: "anywhere" }];
  if ("outside" in spec) return spec.cidrs ? spec.cidrs.map((cidr) => ({ kind: "outside", cidr })) : [{ kind: "outside" }];
  const namespace = m.layers.get(spec.layer);
  if (!namespace) return [];
  if (!spec.labels) return [{ kind: "namespace", namespace }];
  return podsOf(m, spec).map((w) => ({ kind: "workload", namespace: w.namespace, name: w.name }));
}

function resolveNeedPort(p: FlowPort, w: Workload): number | "*" | undefined {
  if (p === "*") return "*";
  if (typeof p === "number") return p;
  return w.ports.find((c) => c.name === p)?.port;
}

/**
 * A row as concrete flows on this plan: one per source, destination workload and port. A row whose
 * source or destination does not exist here yields nothing (MinIO on an S3 stack, Milvus' proxy in
 * standalone mode, HA-only flows on a single replica).
 */
export function expandNeed(m: FlowModel, row: NeededFlow): ExpandedNeed[] {
  const out: ExpandedNeed[] = [];
  const sources = sourcesOf(m, row.from);
  for (const w of podsOf(m, row.to)) {
    if (row.whenReplicasAtLeast !== undefined && w.replicas < row.whenReplicasAtLeast) continue;
    for (const p of row.ports) {
      const port = resolveNeedPort(p, w);
      if (port === undefined) continue;
      for (const source of sources) {
        out.push({ id: row.id, source, to: `${w.namespace}/${w.name}`, port, protocol: row.protocol ?? "TCP", reason: row.reason });
      }
    }
  }
  return out;
}

/** Service -> the workloads it selects and the container port of each of its ports. */
function serviceTargets(m: FlowModel, svc: KubeObject): { workload: Workload; ports: { name?: string; port: number; target: number }[] }[] {
  const spec = asObj(svc.spec);
  const selector = strRecord(spec.selector);
  if (Object.keys(selector).length === 0) return [];
  return m.workloads
    .filter((w) => w.namespace === ns(svc) && selectorMatches({ matchLabels: selector }, w.labels))
    .map((workload) => ({
      workload,
      ports: asArr(spec.ports).flatMap((p) => {
        const t = p.targetPort ?? p.port;
        const target = typeof t === "number" ? t : /^\d+$/.test(String(t)) ? Number(t) : workload.ports.find((c) => c.name === t)?.port;
        return target === undefined ? [] : [{ name: typeof p.name === "string" ? p.name : undefined, port: Number(p.port), target }];
      }),
    }));
}

const services = (m: FlowModel) => m.objects.filter((o) => o.kind === "Service" && o.apiVersion === "v1");
const serviceNamed = (m: FlowModel, namespace: string, name: string) => services(m).find((s) => ns(s) === namespace && nameOf(s) === name);
const layerOfNamespace = (m: FlowModel, namespace: string): Layer | undefined => [...m.layers].find(([, n]) => n === namespace)?.[0] as Layer | undefined;

/** A derived row aimed at exactly one workload (its full pod labels). */
function need(m: FlowModel, id: string, from: FlowSourceSpec, w: Workload, ports: number[], reason: string): NeededFlow | undefined {
  const layer = layerOfNamespace(m, w.namespace);
  if (!layer || ports.length === 0) return undefined;
  return { id, from, to: { layer, labels: w.labels }, ports: [...new Set(ports)].sort((a, b) => a - b), reason };
}

/** Namespaces a monitor's namespaceSelector covers (prometheus-operator semantics: none given = its own). */
function monitorNamespaces(m: FlowModel, mon: KubeObject): string[] {
  const sel = asObj(asObj(mon.spec).namespaceSelector);
  if (sel.any === true) return [...m.namespaces.keys()];
  if (Array.isArray(sel.matchNames)) return sel.matchNames as string[];
  return [ns(mon)];
}

/**
 * Needs the plan declares itself:
 * - Prometheus (the observability namespace) -> every port a ServiceMonitor or PodMonitor scrapes;
 * - the API server (anywhere) -> every admission webhook, APIService and CRD conversion webhook backend;
 * - `pulumi up` -> every admin endpoint Service (NodePort: anywhere, the host's address is the node
 *   bridge's; LoadBalancer: the Service's loadBalancerSourceRanges);
 * - the gateway (the edge namespace) -> every HTTPRoute/GRPCRoute backend.
 */
export function derivedNeeds(m: FlowModel): NeededFlow[] {
  const rows: NeededFlow[] = [];
  const push = (r: NeededFlow | undefined) => r && rows.push(r);
  const prometheus: FlowSourceSpec = { layer: "observability" };

  for (const mon of m.objects.filter((o) => o.kind === "ServiceMonitor" && o.apiVersion.startsWith("monitoring.coreos.com/"))) {
    const spec = asObj(mon.spec);
    const sel = selectorOf(spec.selector);
    const nss = monitorNamespaces(m, mon);
    for (const svc of services(m).filter((s) => nss.includes(ns(s)) && selectorMatches(sel, strRecord(asObj(s.metadata).labels)))) {
      for (const t of serviceTargets(m, svc)) {
        const ports = asArr(spec.endpoints).flatMap((e) => {
          if (typeof e.port === "string") return t.ports.filter((p) => p.name === e.port).map((p) => p.target);
          if (e.targetPort !== undefined) return [typeof e.targetPort === "number" ? e.targetPort : t.workload.ports.find((c) => c.name === e.targetPort)?.port].filter((x): x is number => x !== undefined);
          return [];
        });
        push(need(m, `scrape:${ns(mon)}/${nameOf(mon)}`, prometheus, t.workload, ports, `Prometheus scrapes it (ServiceMonitor ${ns(mon)}/${nameOf(mon)})`));
      }
    }
  }
  for (const mon of m.objects.filter((o) => o.kind === "PodMonitor" && o.apiVersion.startsWith("monitoring.coreos.com/"))) {
    const spec = asObj(mon.spec);
    const sel = selectorOf(spec.selector);
    const nss = monitorNamespaces(m, mon);
    for (const w of m.workloads.filter((x) => nss.includes(x.namespace) && selectorMatches(sel, x.labels))) {
      const ports = asArr(spec.podMetricsEndpoints).flatMap((e) => (typeof e.port === "string" ? w.ports.filter((c) => c.name === e.port).map((c) => c.port) : typeof e.portNumber === "number" ? [e.portNumber] : []));
      push(need(m, `scrape:${ns(mon)}/${nameOf(mon)}`, prometheus, w, ports, `Prometheus scrapes it (PodMonitor ${ns(mon)}/${nameOf(mon)})`));
    }
  }

  // The API server's calls: its source address depends on the control plane (EKS: ENIs in the VPC; kind: the node).
  const apiServer: FlowSourceSpec = { anywhere: true };
  const webhookBackend = (id: string, ref: Obj, what: string) => {
    const svc = serviceNamed(m, String(ref.namespace), String(ref.name));
    if (!svc) return;
    const port = Number(ref.port ?? 443);
    for (const t of serviceTargets(m, svc)) push(need(m, id, apiServer, t.workload, t.ports.filter((p) => p.port === port).map((p) => p.target), `the API server calls ${what}; its source address is the control plane's, which the kit cannot know`));
  };
  for (const o of m.objects.filter((x) => (x.kind === "ValidatingWebhookConfiguration" || x.kind === "MutatingWebhookConfiguration") && x.apiVersion.startsWith("admissionregistration.k8s.io/"))) {
    for (const wh of asArr((o as Obj).webhooks)) {
      const ref = asObj(asObj(wh.clientConfig).service);
      if (ref.name) webhookBackend(`webhook:${nameOf(o)}`, ref, `the admission webhook ${nameOf(o)}`);
    }
  }
  for (const o of m.objects.filter((x) => x.kind === "APIService" && x.apiVersion.startsWith("apiregistration.k8s.io/"))) {
    const ref = asObj(asObj(o.spec).service);
    if (ref.name) webhookBackend(`apiservice:${nameOf(o)}`, ref, `the aggregated API ${nameOf(o)}`);
  }
  for (const o of m.objects.filter((x) => x.kind === "CustomResourceDefinition")) {
    const ref = asObj(asObj(asObj(asObj(asObj(o.spec).conversion).webhook).clientConfig).service);
    if (ref.name) webhookBackend(`conversion:${nameOf(o)}`, ref, `the conversion webhook of ${nameOf(o)}`);
  }

  // Admin endpoints (components/data/adminEndpoint.ts): the route from `pulumi up` to an admin API.
  for (const svc of services(m).filter((s) => strRecord(asObj(s.metadata).labels)["app.kubernetes.io/component"] === "admin-endpoint")) {
    const spec = asObj(svc.spec);
    const from: FlowSourceSpec = spec.type === "LoadBalancer" ? { outside: true, cidrs: (spec.loadBalancerSourceRanges as string[]) ?? [] } : { anywhere: true };
    const why = spec.type === "LoadBalancer" ? "through its internal NLB from the configured CIDRs" : "through a NodePort, whose traffic arrives from the node's bridge (an address the kit cannot know)";
    for (const t of serviceTargets(m, svc)) push(need(m, `admin:${ns(svc)}/${nameOf(svc)}`, from, t.workload, t.ports.map((p) => p.target), `\`pulumi up\` configures it ${why}`));
  }

  // Routes the edge layer declares: the pods of the Gateway each route attaches to reach its backends.
  for (const route of m.objects.filter((o) => (o.kind === "HTTPRoute" || o.kind === "GRPCRoute") && o.apiVersion.startsWith("gateway.networking.k8s.io/"))) {
    const from = gatewayPods(m, route);
    if (!from) continue;
    for (const rule of asArr(asObj(route.spec).rules)) {
      for (const ref of asArr(rule.backendRefs)) {
        if (ref.kind !== undefined && ref.kind !== "Service") continue;
        const svc = serviceNamed(m, String(ref.namespace ?? ns(route)), String(ref.name));
        if (!svc) continue;
        for (const t of serviceTargets(m, svc)) push(need(m, `route:${ns(route)}/${nameOf(route)}`, from, t.workload, t.ports.filter((p) => p.port === Number(ref.port)).map((p) => p.target), `the gateway publishes it (${route.kind} ${ns(route)}/${nameOf(route)})`));
      }
    }
  }
  return rows;
}

/**
 * The pods behind the Gateway a route's first parentRef names: the Service the Gateway's `spec.addresses`
 * name (`<svc>.<ns>.svc...`, Istio's manual deployment) and the pods it selects. Undefined when the plan
 * has no such Gateway (a route without a gateway needs no flow).
 */
function gatewayPods(m: FlowModel, route: KubeObject): FlowSourceSpec | undefined {
  const parent = asArr(asObj(route.spec).parentRefs)[0];
  if (!parent) return undefined;
  const gwNs = String(parent.namespace ?? ns(route));
  const gw = m.objects.find((o) => o.kind === "Gateway" && o.apiVersion.startsWith("gateway.networking.k8s.io/") && ns(o) === gwNs && nameOf(o) === String(parent.name));
  if (!gw) return undefined;
  const layer = layerOfNamespace(m, gwNs);
  const host = asArr(asObj(gw.spec).addresses).map((a) => String(a.value ?? "")).find((v) => v.includes("."));
  const [svcName, svcNs] = host ? host.split(".") : [];
  const svc = svcName ? serviceNamed(m, svcNs ?? gwNs, svcName) : undefined;
  const selector = svc ? strRecord(asObj(svc.spec).selector) : {};
  if (!layer) return undefined;
  return Object.keys(selector).length > 0 ? { layer, labels: selector } : { layer };
}

/** The table and the plan's own declarations, as concrete flows on this plan. */
export function neededFlows(m: FlowModel, table: NeededFlow[] = NEEDED_FLOWS): ExpandedNeed[] {
  return [...table, ...derivedNeeds(m)].flatMap((row) => expandNeed(m, row));
}

// ---------------------------------------------------------------------------------------------
// The checks

export function describeSource(s: Source): string {
  switch (s.kind) {
    case "workload":
      return `${s.namespace}/${s.name}`;
    case "namespace":
      return `any pod of ${s.namespace}`;
    case "outside":
      return s.cidr ? `outside ${s.cidr}` : "outside the cluster";
    case "anywhere":
      return "anywhere";
  }
}

const portText = (port: number | "*", protocol: Protocol) => (port === "*" ? "every port" : protocol === "TCP" ? String(port) : `${port}/${protocol}`);

/** Whether the needed source covers the allowed one (a needed namespace covers its workloads). */
function sourceCovers(needed: Source, allowed: Source): boolean {
  if (needed.kind === "anywhere") return true;
  if (needed.kind === "outside") return allowed.kind === "outside" && (needed.cidr === undefined || (allowed.cidr !== undefined && cidrContains(needed.cidr, allowed.cidr)));
  if (needed.kind === "namespace") return (allowed.kind === "namespace" || allowed.kind === "workload") && allowed.namespace === needed.namespace;
  return allowed.kind === "workload" && allowed.namespace === needed.namespace && allowed.name === needed.name;
}

/** Allowed flows no row needs: "flow X -> Y:port allowed by policy P but no component needs it". */
export function unneededFlows(m: FlowModel, needed: ExpandedNeed[], allowed: AllowedFlow[] = allowedFlows(m)): string[] {
  const out: string[] = [];
  for (const f of allowed) {
    const ok = needed.some((n) => n.to === f.to && n.protocol === f.protocol && (n.port === "*" || n.port === f.port) && sourceCovers(n.source, f.source));
    if (!ok) {
      const by = f.policy ? `policy ${f.policy}` : "no policy (no ingress policy selects its pods)";
      out.push(`flow ${describeSource(f.source)} -> ${f.to}:${portText(f.port, f.protocol)} allowed by ${by} but no component needs it`);
    }
  }
  return [...new Set(out)];
}

/** Needed flows the policies block: "needed flow X -> Y:port (id: reason) blocked". */
export function blockedFlows(m: FlowModel, needed: ExpandedNeed[]): string[] {
  const out: string[] = [];
  for (const n of needed) {
    const dst = m.workloads.find((w) => `${w.namespace}/${w.name}` === n.to)!;
    // "anywhere" must reach it from outside the pod network and from any pod of every namespace.
    const probes: Source[] = n.source.kind === "anywhere" ? [{ kind: "outside" }, ...[...m.namespaces.keys()].map((x): Source => ({ kind: "namespace", namespace: x }))] : [n.source];
    if (!probes.every((s) => isAllowed(m, s, dst, n.port, n.protocol))) out.push(`needed flow ${describeSource(n.source)} -> ${n.to}:${portText(n.port, n.protocol)} (${n.id}: ${n.reason}) blocked`);
  }
  return [...new Set(out)];
}

/**
 * Broad policies tolerated for a while, each with the reason: the flows only they open are reported,
 * not failed, and the test proves no needed flow depends on them. None today: L1's former
 * `allow-same-namespace` (every pod to every pod of its namespace) is gone, each component admitting
 * exactly its in-namespace callers. An entry that matches no policy of the plan fails the test.
 */
export const PENDING_REMOVAL: { name: string; reason: string }[] = [];

/** The model without the pending broad policies: what the cluster looks like once they are deleted. */
export function withoutPending(m: FlowModel, pending = PENDING_REMOVAL): FlowModel {
  return { ...m, policies: m.policies.filter((p) => !pending.some((x) => x.name === p.name)) };
}

export interface FlowReport {
  /** Flows allowed that nothing needs, outside the pending broad policies. */
  unneeded: string[];
  /** Needed flows blocked by the plan's policies. */
  blocked: string[];
  /** Needed flows that only the pending broad policies allow (blocks their removal). */
  blockedWithoutPending: string[];
  /** Flows only the pending broad policies open (what deleting them closes). */
  pendingOnly: string[];
  dns: string[];
}

/** Both checks on one plan's objects. */
export function checkFlows(objects: KubeObject[], table: NeededFlow[] = NEEDED_FLOWS, pending = PENDING_REMOVAL): FlowReport {
  const m = flowModel(objects);
  const needed = neededFlows(m, table);
  const allowed = allowedFlows(m);
  const isPending = (f: AllowedFlow) => f.policy !== null && pending.some((x) => f.policy!.endsWith(`/${x.name}`));
  const strict = withoutPending(m, pending);
  return {
    unneeded: unneededFlows(m, needed, allowed.filter((f) => !isPending(f))),
    blocked: blockedFlows(m, needed),
    blockedWithoutPending: blockedFlows(strict, needed),
    pendingOnly: unneededFlows(m, needed, allowed.filter(isPending)),
    dns: dnsProblems(m),
  };
}
