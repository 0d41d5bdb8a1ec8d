// Kubernetes shapes shared by the rules: type tokens, namespaces, pod specs of every workload kind.
import type { ObjectId } from "./config";
import { at, isRecord, isUnknown, num, Obj, records, str } from "./values";

/** "kubernetes:apps/v1:Deployment" -> { group: "apps", version: "v1", kind: "Deployment" }. */
export function k8sType(type: string): { group: string; version: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  return { group: m[1], version: m[2], kind: m[3] };
}

export function isK8sKind(type: string, group: string, kind: string): boolean {
  const t = k8sType(type);
  return t !== undefined && t.group === group && t.kind === kind;
}

export const HELM_CHART_TYPES: ReadonlySet<string> = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release"]);

/**
 * The object's namespace: metadata.namespace, "default" when absent (what the API server does
 * with a provider that sets no default), undefined when not known yet.
 */
export function namespaceOf(props: Obj): string | undefined {
  const ns = at(props, "metadata", "namespace");
  if (ns === undefined || ns === null || ns === "") return "default";
  return str(ns);
}

/** The object's name for messages; auto-named objects fall back to the logical name. */
export function displayName(props: Obj, logicalName: string): string {
  return str(at(props, "metadata", "name")) ?? logicalName;
}

export interface Container {
  /** "container app" / "initContainer wait-db": what a message names. */
  label: string;
  init: boolean;
  spec: Obj;
}

export interface Workload {
  kind: string;
  namespace: string | undefined;
  /** The pod spec, or undefined when it is not known yet. */
  podSpec: Obj | undefined;
  /** Labels of the pods it creates (template labels; a Pod's own labels). */
  podLabels: Obj | undefined;
  /** Replicas of a Deployment/StatefulSet/ReplicaSet: 1 when unset, undefined when unknown. */
  replicas: number | undefined;
  /** Whether its pods are meant to keep running (probes make sense) rather than run to completion. */
  longRunning: boolean;
}

const POD_TEMPLATE_PATHS: Record<string, { group: string; path: string[] }> = {
  Pod: { group: "core", path: [] },
  Deployment: { group: "apps", path: ["template"] },
  StatefulSet: { group: "apps", path: ["template"] },
  DaemonSet: { group: "apps", path: ["template"] },
  ReplicaSet: { group: "apps", path: ["template"] },
  Job: { group: "batch", path: ["template"] },
  CronJob: { group: "batch", path: ["jobTemplate", "spec", "template"] },
};

export const WORKLOAD_KINDS: readonly string[] = Object.keys(POD_TEMPLATE_PATHS);

/** Whether the type token is a Pod or a kind with a pod template. */
export function isWorkloadType(type: string): boolean {
  const t = k8sType(type);
  const shape = t ? POD_TEMPLATE_PATHS[t.kind] : undefined;
  return shape !== undefined && shape.group === t?.group;
}

/** The workload behind a resource, or undefined if it is not a Pod-creating kind. */
export function workloadOf(type: string, props: Obj): Workload | undefined {
  const t = k8sType(type);
  if (!t) return undefined;
  const shape = POD_TEMPLATE_PATHS[t.kind];
  if (!shape || shape.group !== t.group) return undefined;

  // A Pod's "template" is the object itself: its spec and metadata are the pod's.
  const template = shape.path.length === 0 ? props : at(props, "spec", ...shape.path);
  const podSpec = at(template, "spec");
  const podLabels = at(template, "metadata", "labels");
  const replicasRaw = at(props, "spec", "replicas");
  const hasReplicas = t.kind === "Deployment" || t.kind === "StatefulSet" || t.kind === "ReplicaSet";
  let replicas: number | undefined = 1;
  if (hasReplicas && replicasRaw !== undefined && replicasRaw !== null) replicas = isUnknown(replicasRaw) ? undefined : num(replicasRaw);
  if (!hasReplicas) replicas = undefined;

  let longRunning = t.kind !== "Job" && t.kind !== "CronJob";
  if (t.kind === "Pod") {
    const restart = at(podSpec, "restartPolicy");
    longRunning = restart === undefined || restart === "Always";
  }
  return {
    kind: t.kind,
    namespace: namespaceOf(props),
    podSpec: isRecord(podSpec) ? podSpec : undefined,
    podLabels: isRecord(podLabels) ? podLabels : undefined,
    replicas,
    longRunning,
  };
}

/** Every container of a pod spec, init containers included; unknown entries are left out. */
export function containersOf(podSpec: Obj): Container[] {
  const out: Container[] = [];
  for (const [key, init] of [["initContainers", true], ["containers", false]] as const) {
    records(podSpec[key]).forEach((c, i) => {
      const name = str(c["name"]) ?? `#${i}`;
      out.push({ label: `${init ? "initContainer" : "container"} ${name}`, init, spec: c });
    });
  }
  return out;
}

/** True if the pod spec's container lists are not known yet (so nothing can be judged). */
export function containersUnknown(podSpec: Obj): boolean {
  return isUnknown(podSpec["containers"]) || isUnknown(podSpec["initContainers"]);
}

/**
 * The object a resource is, for exemptions and reports: its Kubernetes kind, namespace and
 * metadata.name; a Helm chart's kind (Chart/Release), namespace and release name; a cloud resource's
 * type name and Pulumi name. undefined when the namespace or name is not known yet.
 */
export function objectIdOf(type: string, props: Obj, logicalName: string): ObjectId | undefined {
  if (HELM_CHART_TYPES.has(type)) {
    const ns = props["namespace"];
    const name = props["name"];
    if (isUnknown(ns) || isUnknown(name)) return undefined;
    return { kind: type.slice(type.lastIndexOf(":") + 1), namespace: str(ns) || undefined, name: str(name) || logicalName };
  }
  const t = k8sType(type);
  if (!t) return { kind: type.slice(type.lastIndexOf(":") + 1), name: logicalName };
  const ns = at(props, "metadata", "namespace");
  const name = at(props, "metadata", "name");
  if (isUnknown(ns) || isUnknown(name)) return undefined;
  return { kind: t.kind, namespace: str(ns) || undefined, name: str(name) || logicalName };
}
