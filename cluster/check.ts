// `npm run cluster-check`: a stack's planned objects applied to a real API server in the order
// `pulumi up` would apply them, then (on the kit's local cluster) every workload, including the ones
// operators create, given a bound to become ready on fake nodes shaped like the stack's node groups,
// and every namespace's quota checked for room to roll out and to run its scheduled Jobs.
import { isKubeObject } from "../plan/manifests";
import { waitGraph } from "../plan/converge";
import { REDACTED } from "../plan/recorder";
import type { RecordedResource } from "../plan/types";
import { ApiError, KubeClient, type KubeObject } from "./kubeClient";
import { nodeObject, type NodeShape, quantity } from "./nodes";

/** What can be wrong, one class per kind of failure a real `pulumi up` meets first. */
export type FindingClass = "refused" | "pod-refused" | "quota" | "placement" | "not-ready";

export interface Finding {
  class: FindingClass;
  /** "<Kind> <namespace>/<name>" (or the namespace, for quota headroom). */
  object: string;
  reason: string;
}

export interface PlannedObject {
  /** The plan's resource ("<type> <name>"). */
  source: string;
  object: KubeObject;
  /** How many dependency steps deep it is: everything it waits for has a lower level. */
  level: number;
}

/** Kinds that make the API server call a pod (admission webhooks, aggregated APIs): left out, as nothing serves them here. */
export const SKIPPED_KINDS: Record<string, string> = {
  ValidatingWebhookConfiguration: "an admission webhook would make the API server call a pod, and fake pods serve nothing",
  MutatingWebhookConfiguration: "an admission webhook would make the API server call a pod, and fake pods serve nothing",
  APIService: "an aggregated API would make the API server call a pod, and fake pods serve nothing",
};

/** Helm's install order of kinds (kinds it does not list come last): the order within one chart. */
const KIND_ORDER = [
  "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodDisruptionBudget", "ServiceAccount", "Secret", "ConfigMap",
  "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
  "Service", "DaemonSet", "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
  "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};

export function describeObject(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;
}

/** The object as the API server will get it: secrets the offline plan does not know become placeholders of the right form. */
function applicable(r: RecordedResource): KubeObject {
  const o = structuredClone(r.inputs) as KubeObject;
  o.metadata = { ...(o.metadata ?? {}), name: o.metadata?.name ?? r.name };
  if (o.kind === "Secret" && (o.data as unknown) === REDACTED) o.data = { placeholder: Buffer.from("placeholder").toString("base64") };
  else if (o.kind === "Secret" && o.data && typeof o.data === "object") {
    const data = o.data as Record<string, unknown>;
    for (const [k, v] of Object.entries(data)) if (v === REDACTED) data[k] = Buffer.from("placeholder").toString("base64");
  }
  if (o.kind === "Secret" && (o.stringData as unknown) === REDACTED) o.stringData = { placeholder: "placeholder" };
  return o;
}

/**
 * The plan's Kubernetes objects in the order one `pulumi up` creates them: an object comes after
 * everything it waits for in the plan (dependsOn, the resources its inputs come from, its parents'
 * dependencies); objects of one step follow Helm's kind order (namespaces and CRDs first).
 */
export function orderedObjects(resources: readonly RecordedResource[]): { objects: PlannedObject[]; skipped: { object: string; reason: string }[] } {
  const graph = waitGraph(resources);
  const kube = resources.filter(isKubeObject);
  const isKube = new Set(kube);
  const level = new Map<RecordedResource, number>();
  const levelOf = (r: RecordedResource, stack: Set<RecordedResource> = new Set()): number => {
    const known = level.get(r);
    if (known !== undefined) return known;
    if (stack.has(r)) throw new Error(`dependency cycle through ${r.type} ${r.name}`);
    stack.add(r);
    let l = 0;
    for (const d of graph.waits(r)) if (isKube.has(d) && d !== r) l = Math.max(l, levelOf(d, stack) + 1);
    stack.delete(r);
    level.set(r, l);
    return l;
  };
  const objects: PlannedObject[] = [];
  const skipped: { object: string; reason: string }[] = [];
  for (const r of kube) {
    const object = applicable(r);
    const why = SKIPPED_KINDS[object.kind];
    if (why) skipped.push({ object: describeObject(object), reason: why });
    else objects.push({ source: `${r.type} ${r.name}`, object, level: levelOf(r) });
  }
  objects.sort((a, b) => a.level - b.level || kindRank(a.object.kind) - kindRank(b.object.kind));
  return { objects, skipped };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The group/kind a CRD object defines. */
function crdKind(o: KubeObject): string | undefined {
  if (o.kind !== "CustomResourceDefinition") return undefined;
  const spec = o.spec as { group?: string; names?: { kind?: string } };
  return spec.group && spec.names?.kind ? `${spec.group}/${spec.names.kind}` : undefined;
}

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "");

export interface ApplyResult {
  applied: string[];
  findings: Finding[];
  /** Objects the server could not judge (dry run only): their namespace or kind comes from this plan and is not there yet. */
  unchecked: { object: string; reason: string }[];
}

/** Applies the objects in order; a refusal is a finding naming the object and the API server's reason. */
export async function applyObjects(client: KubeClient, objects: readonly PlannedObject[], opts: { dryRun?: boolean; log?: (l: string) => void } = {}): Promise<ApplyResult> {
  const result: ApplyResult = { applied: [], findings: [], unchecked: [] };
  const plannedKinds = new Set(objects.map((p) => crdKind(p.object)).filter((k): k is string => k !== undefined));
  const plannedNamespaces = new Set(objects.filter((p) => p.object.kind === "Namespace").map((p) => p.object.metadata.name));
  const applyOne = async (p: PlannedObject): Promise<void> => {
    const o = p.object;
    const what = describeObject(o);
    const gk = `${groupOf(o.apiVersion)}/${o.kind}`;
    try {
      let served = await client.resource(o.apiVersion, o.kind);
      if (!served && plannedKinds.has(gk) && !opts.dryRun) {
        // Its CRD was just applied: wait (bounded) for the API server to serve the kind.
        for (let i = 0; i < 120 && !served; i++) {
          await sleep(250);
          client.resetDiscovery();
          served = await client.resource(o.apiVersion, o.kind);
        }
      }
      if (!served) {
        if (opts.dryRun && plannedKinds.has(gk)) {
          result.unchecked.push({ object: what, reason: `its kind ${gk} comes from a CRD of this plan, not installed yet` });
          return;
        }
        result.findings.push({ class: "refused", object: what, reason: `the API server does not serve ${o.kind} in ${o.apiVersion}` });
        return;
      }
      await client.apply(o, { dryRun: opts.dryRun });
      result.applied.push(what);
    } catch (err) {
      if (err instanceof ApiError) {
        const ns = o.metadata.namespace;
        if (opts.dryRun && err.status === 404 && ns && plannedNamespaces.has(ns)) {
          result.unchecked.push({ object: what, reason: `its namespace ${ns} comes from this plan and does not exist yet` });
          return;
        }
        result.findings.push({ class: "refused", object: what, reason: `${err.status} ${err.reason}: ${err.message}` });
      } else throw err;
    }
  };
  // Objects of one step and one kind rank do not wait for each other: applied eight at a time, as
  // `pulumi up` creates independent resources in parallel. A step waits for the one before.
  for (let i = 0; i < objects.length; ) {
    let j = i;
    while (j < objects.length && objects[j].level === objects[i].level && kindRank(objects[j].object.kind) === kindRank(objects[i].object.kind)) j++;
    const batch = objects.slice(i, j);
    for (let k = 0; k < batch.length; k += 8) await Promise.all(batch.slice(k, k + 8).map(applyOne));
    i = j;
  }
  return result;
}

/** Creates the fake nodes (kwok marks them Ready and runs their pods). */
export async function createNodes(client: KubeClient, shapes: readonly NodeShape[]): Promise<void> {
  for (const s of shapes) {
    const { node, status } = nodeObject(s);
    // Created with its status, as a kubelet registers its node: kwok keeps the capacity it finds.
    await client.json("POST", "/api/v1/nodes", { ...node, status });
  }
}

interface Meta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string }[];
}
interface Workload {
  kind: string;
  metadata: Meta;
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const WORKLOAD_KINDS: [string, string][] = [
  ["apps/v1", "Deployment"],
  ["apps/v1", "StatefulSet"],
  ["apps/v1", "DaemonSet"],
  ["batch/v1", "Job"],
  ["cert-manager.io/v1", "Certificate"],
  ["keda.sh/v1alpha1", "ScaledObject"],
];

/** Whether a workload is done becoming ready: every replica ready and up to date, every Job complete. */
export function isReady(w: Workload): boolean {
  const s = (w.status ?? {}) as Record<string, number | undefined | { type: string; status: string }[]>;
  const num = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : 0);
  const spec = w.spec as { replicas?: number; completions?: number };
  const replicas = spec.replicas ?? 1;
  if ((w.metadata.generation ?? 0) > num("observedGeneration") && w.kind !== "Job" && w.kind !== "Certificate" && w.kind !== "ScaledObject") return false;
  switch (w.kind) {
    case "Deployment":
      return num("readyReplicas") >= replicas && num("updatedReplicas") >= replicas;
    case "StatefulSet":
      return num("readyReplicas") >= replicas && num("currentReplicas") + num("updatedReplicas") >= replicas;
    case "DaemonSet":
      return num("numberReady") >= num("desiredNumberScheduled");
    case "Job":
      return Array.isArray(s.conditions) && s.conditions.some((c) => c.type === "Complete" && c.status === "True");
    case "Certificate":
      return Array.isArray(s.conditions) && s.conditions.some((c) => c.type === "Ready" && c.status === "True");
    case "ScaledObject":
      // Accepted by KEDA, with its HPA made. Its triggers (a Prometheus query) cannot answer here, so
      // Ready stays False with TriggerError; a spec KEDA refuses reports ScaledObjectCheckFailed.
      return (
        typeof (w.status as { hpaName?: string } | undefined)?.hpaName === "string" &&
        !(Array.isArray(s.conditions) && s.conditions.some((c) => c.type === "Ready" && c.status === "False" && (c as { reason?: string }).reason === "ScaledObjectCheckFailed"))
      );
    default:
      return true;
  }
}

const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** Whether a Certificate's issuer is an ACME one (its orders need a server on the internet). */
async function acmeIssued(client: KubeClient, cert: Workload): Promise<boolean> {
  const ref = (cert.spec as { issuerRef?: { name: string; kind?: string } }).issuerRef;
  if (!ref) return false;
  const kind = ref.kind ?? "Issuer";
  const issuer = await client.get<{ spec?: { acme?: unknown } }>("cert-manager.io/v1", kind, kind === "Issuer" ? cert.metadata.namespace : undefined, ref.name);
  return issuer?.spec?.acme !== undefined;
}

/** Kinds whose readiness an operator brings about: checked only while that operator runs. */
const OPERATOR_KINDS = new Set(["Certificate", "ScaledObject"]);

/** Every workload outside the system namespaces; certificates of ACME issuers are set aside (unchecked). */
async function workloads(client: KubeClient, unchecked: Map<string, string>, operatorKinds: ReadonlySet<string>): Promise<Workload[]> {
  const all: Workload[] = [];
  for (const [apiVersion, kind] of WORKLOAD_KINDS) {
    if (OPERATOR_KINDS.has(kind) && !operatorKinds.has(kind)) continue;
    for (const w of await client.list<Workload>(apiVersion, kind)) {
      if (SYSTEM_NAMESPACES.has(w.metadata.namespace)) continue;
      const what = `${kind} ${w.metadata.namespace}/${w.metadata.name}`;
      if (kind === "Certificate" && (unchecked.has(what) || (await acmeIssued(client, w)))) {
        unchecked.set(what, "issued by an ACME issuer, whose orders need a server on the internet");
        continue;
      }
      all.push({ ...w, kind });
    }
  }
  return all;
}

/** Runs one Job from each CronJob now (as `kubectl create job --from=cronjob/...`), so its pods meet admission and quota. */
async function triggerCronJobs(client: KubeClient): Promise<string[]> {
  const started: string[] = [];
  for (const cj of await client.list<Workload>("batch/v1", "CronJob")) {
    if (SYSTEM_NAMESPACES.has(cj.metadata.namespace)) continue;
    const template = (cj.spec as { jobTemplate: { metadata?: Record<string, unknown>; spec: Record<string, unknown> } }).jobTemplate;
    const name = `${cj.metadata.name}-check`.slice(0, 63);
    const job: KubeObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: (template.metadata?.labels as Record<string, string>) ?? {},
        annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cj.metadata.name, uid: cj.metadata.uid, controller: true }],
      },
      spec: template.spec,
    };
    if (!(await client.get("batch/v1", "Job", cj.metadata.namespace, name))) {
      await client.apply(job);
      started.push(`CronJob ${cj.metadata.namespace}/${cj.metadata.name}`);
    }
  }
  return started;
}

interface Pvc {
  metadata: Meta;
  spec: { storageClassName?: string; resources?: { requests?: { storage?: string } }; accessModes?: string[]; volumeMode?: string };
  status?: { phase?: string };
}

/** Binds every pending claim that waits for a provisioner (no CSI driver runs here) to a new volume of its size. */
async function provisionVolumes(client: KubeClient): Promise<void> {
  for (const pvc of await client.list<Pvc>("v1", "PersistentVolumeClaim")) {
    if (pvc.status?.phase === "Bound") continue;
    const ann = pvc.metadata.annotations ?? {};
    if (!ann["volume.kubernetes.io/storage-provisioner"] && !ann["volume.beta.kubernetes.io/storage-provisioner"]) continue;
    const name = `pv-${pvc.metadata.uid}`;
    if (await client.get("v1", "PersistentVolume", undefined, name)) continue;
    await client.apply({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": ann["volume.kubernetes.io/storage-provisioner"] ?? "fake" } },
      spec: {
        capacity: { storage: pvc.spec.resources?.requests?.storage ?? "1Gi" },
        accessModes: pvc.spec.accessModes ?? ["ReadWriteOnce"],
        volumeMode: pvc.spec.volumeMode ?? "Filesystem",
        storageClassName: pvc.spec.storageClassName ?? "",
        persistentVolumeReclaimPolicy: "Delete",
        hostPath: { path: `/tmp/ods-fake/${pvc.metadata.uid}` },
        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
      },
    });
  }
}

interface Event {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; namespace?: string };
  lastTimestamp?: string;
  eventTime?: string;
  metadata?: { creationTimestamp?: string };
}

/** Why a workload is not ready, from its Warning events (and those of its ReplicaSets and pods), classified. */
function diagnose(w: Workload, events: readonly Event[]): Finding {
  const what = `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`;
  // The workload's own events and those of what it creates (not a Service or Endpoints of the same name).
  const kinds = new Set([w.kind, "ReplicaSet", "Pod", "Job", "CertificateRequest", "PersistentVolumeClaim", "HorizontalPodAutoscaler"]);
  const mine = events.filter(
    (e) =>
      e.type === "Warning" &&
      kinds.has(e.involvedObject.kind) &&
      e.involvedObject.namespace === w.metadata.namespace &&
      (e.involvedObject.name === w.metadata.name || e.involvedObject.name.startsWith(`${w.metadata.name}-`)),
  );
  // Newest first: a scheduler's earlier reason (a volume not created yet) gives way to its latest.
  const when = (e: Event) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "") || 0;
  mine.sort((a, b) => when(b) - when(a));
  const messages = [...new Set(mine.map((e) => `${e.reason}: ${e.message}`))];
  const find = (re: RegExp) => messages.find((m) => re.test(m));
  const psa = find(/violates PodSecurity/);
  if (psa) return { class: "pod-refused", object: what, reason: psa };
  const quota = find(/exceeded quota|must specify limits|must specify requests/);
  if (quota) return { class: "quota", object: what, reason: quota };
  const sched = find(/^FailedScheduling/);
  if (sched) return { class: "placement", object: what, reason: sched };
  const create = find(/^FailedCreate/);
  if (create) return { class: "pod-refused", object: what, reason: create };
  const s = JSON.stringify(w.status ?? {});
  return { class: "not-ready", object: what, reason: messages[0] ?? `not ready within the bound; status ${s}` };
}

/** Waits (bounded) for every workload to be ready, provisioning volumes and starting each CronJob's Job once; then explains each one that is not. */
export async function awaitWorkloads(
  client: KubeClient,
  opts: {
    timeoutMs: number;
    log?: (l: string) => void;
    operatorKinds?: ReadonlySet<string>;
    /** Workloads ("<Kind> <ns>/<name>") expected never to be ready (planted defects): once they are all that is pending, each with its reason in the events, waiting stops. */
    expectFailing?: ReadonlySet<string>;
  },
): Promise<{ ready: string[]; findings: Finding[]; cronJobs: string[]; unchecked: { object: string; reason: string }[] }> {
  const log = opts.log ?? (() => undefined);
  const unchecked = new Map<string, string>();
  const until = Date.now() + opts.timeoutMs;
  const cronJobs: string[] = [];
  let last: Workload[] = [];
  // Operators keep adding workloads (MOCO's backup CronJob comes after its StatefulSet): the check ends
  // only when the set of workloads has not changed for three polls (4 s) and nothing else is pending.
  let lastNames = "";
  let stable = 0;
  for (;;) {
    await provisionVolumes(client);
    cronJobs.push(...(await triggerCronJobs(client)));
    last = await workloads(client, unchecked, opts.operatorKinds ?? new Set());
    const names = last.map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`).sort().join("\n");
    stable = names === lastNames ? stable + 1 : 0;
    lastNames = names;
    const pending = last.filter((w) => !isReady(w));
    if (Date.now() > until) break;
    if (stable >= 2 && pending.length === 0) break;
    const expected = opts.expectFailing;
    if (stable >= 2 && expected && pending.every((w) => expected.has(`${w.kind} ${w.metadata.namespace}/${w.metadata.name}`))) {
      const events = await client.list<Event>("v1", "Event");
      if (pending.every((w) => diagnose(w, events).class !== "not-ready")) break;
    }
    log(`cluster-check: ${last.length - pending.length}/${last.length} workloads ready`);
    await sleep(pending.length === 0 ? 1000 : 2000);
  }
  const events = await client.list<Event>("v1", "Event");
  const findings = last.filter((w) => !isReady(w)).map((w) => diagnose(w, events));
  return {
    ready: last.filter(isReady).map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`),
    findings,
    cronJobs,
    unchecked: [...unchecked].map(([object, reason]) => ({ object, reason })),
  };
}

interface Container {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  initContainers?: (Container & { restartPolicy?: string })[];
  overhead?: Record<string, string>;
}
interface Pod {
  metadata: Meta;
  spec: PodSpec;
  status?: { phase?: string };
}

/** What one pod counts against a quota: requests.* and limits.* as the quota controller sums them (sidecars add up; other init containers take the max). */
export function podUsage(spec: PodSpec): Record<string, number> {
  const out: Record<string, number> = { pods: 1 };
  const add = (into: Record<string, number>, c: Container) => {
    for (const kind of ["requests", "limits"] as const) {
      for (const [res, q] of Object.entries(c.resources?.[kind] ?? {})) into[`${kind}.${res}`] = (into[`${kind}.${res}`] ?? 0) + quantity(q);
    }
  };
  const main: Record<string, number> = {};
  for (const c of spec.containers) add(main, c);
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === "Always") add(main, c);
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") continue;
    const one: Record<string, number> = {};
    add(one, c);
    for (const [k, v] of Object.entries(one)) main[k] = Math.max(main[k] ?? 0, v);
  }
  for (const [res, q] of Object.entries(spec.overhead ?? {})) for (const kind of ["requests", "limits"]) main[`${kind}.${res}`] = (main[`${kind}.${res}`] ?? 0) + quantity(q);
  return { ...out, ...main };
}

/** The quota's own key for a usage key: `cpu` and `memory` in `hard` mean requests. */
function usageKey(hardKey: string): string {
  return hardKey === "cpu" || hardKey === "memory" ? `requests.${hardKey}` : hardKey;
}

function ownedBy(pod: Pod, uids: Set<string>): boolean {
  return (pod.metadata.ownerReferences ?? []).some((o) => uids.has(o.uid));
}

/** Extra pods one rolling update of a Deployment creates: maxSurge (a count, or a percentage of replicas rounded up; default 25 %). */
export function surgePods(spec: { replicas?: number; strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string } } }): number {
  if (spec.strategy?.type === "Recreate") return 0;
  const replicas = spec.replicas ?? 1;
  const s = spec.strategy?.rollingUpdate?.maxSurge ?? "25%";
  if (typeof s === "number") return s;
  const m = /^(\d+)%$/.exec(s);
  return m ? Math.ceil((replicas * Number(m[1])) / 100) : Number(s);
}

const fmt = (key: string, v: number) => (/memory|storage/.test(key) ? `${(v / 2 ** 30).toFixed(2)}Gi` : /cpu/.test(key) ? `${+v.toFixed(3)}` : `${v}`);

/**
 * Each namespace's quota must hold its steady state (what it uses now, every workload ready) plus one
 * rolling surge of its largest workload plus one run of each of its scheduled Jobs.
 */
export async function quotaHeadroom(client: KubeClient): Promise<Finding[]> {
  const findings: Finding[] = [];
  const quotas = await client.list<{ metadata: Meta; status?: { hard?: Record<string, string>; used?: Record<string, string> } }>("v1", "ResourceQuota");
  const pods = await client.list<Pod>("v1", "Pod");
  const replicaSets = await client.list<Workload>("apps/v1", "ReplicaSet");
  const deployments = await client.list<Workload>("apps/v1", "Deployment");
  const jobs = await client.list<Workload>("batch/v1", "Job");
  for (const q of quotas) {
    const ns = q.metadata.namespace;
    const hard = q.status?.hard ?? {};
    const used = q.status?.used ?? {};
    // The largest rolling surge of one Deployment, per resource.
    const surge: Record<string, { v: number; by: string }> = {};
    for (const d of deployments.filter((x) => x.metadata.namespace === ns)) {
      const extra = surgePods(d.spec as Parameters<typeof surgePods>[0]);
      if (extra === 0) continue;
      const rsUids = new Set(replicaSets.filter((rs) => rs.metadata.namespace === ns && (rs.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata.uid)).map((rs) => rs.metadata.uid));
      const pod = pods.find((p) => p.metadata.namespace === ns && ownedBy(p, rsUids));
      if (!pod) continue;
      for (const [k, v] of Object.entries(podUsage(pod.spec))) if (v * extra > (surge[k]?.v ?? 0)) surge[k] = { v: v * extra, by: `Deployment ${d.metadata.name}` };
    }
    // One run of each CronJob's Job (its pods have finished, so `used` no longer counts them).
    const scheduled: Record<string, number> = {};
    const cronJobNames: string[] = [];
    for (const j of jobs.filter((x) => x.metadata.namespace === ns && (x.metadata.ownerReferences ?? []).some((o) => o.kind === "CronJob"))) {
      const pod = pods.find((p) => p.metadata.namespace === ns && ownedBy(p, new Set([j.metadata.uid])));
      if (!pod) continue;
      const parallelism = (j.spec as { parallelism?: number }).parallelism ?? 1;
      cronJobNames.push(j.metadata.ownerReferences?.find((o) => o.kind === "CronJob")?.name ?? j.metadata.name);
      for (const [k, v] of Object.entries(podUsage(pod.spec))) scheduled[k] = (scheduled[k] ?? 0) + v * parallelism;
    }
    for (const [key, limit] of Object.entries(hard)) {
      const uk = usageKey(key);
      if (!uk.startsWith("requests.") && !uk.startsWith("limits.") && uk !== "pods") continue;
      const now = quantity(used[key] ?? "0");
      const need = now + (surge[uk]?.v ?? 0) + (scheduled[uk] ?? 0);
      if (need > quantity(limit)) {
        const parts = [`steady ${fmt(uk, now)}`];
        if (surge[uk]) parts.push(`surge ${fmt(uk, surge[uk].v)} (${surge[uk].by})`);
        if (scheduled[uk]) parts.push(`scheduled Jobs ${fmt(uk, scheduled[uk])} (${cronJobNames.join(", ")})`);
        findings.push({ class: "quota", object: `ResourceQuota ${ns}/${q.metadata.name}`, reason: `${key}: needs ${fmt(uk, need)} = ${parts.join(" + ")}, above the quota's ${limit}` });
      }
    }
  }
  return findings;
}
