// Rendered YAML -> Kubernetes objects -> recorded child resources, the way helm.v4.Chart registers them:
// Lists expanded, the release namespace on namespaced objects without one, Secret data marked secret,
// each object a `kubernetes:<group>/<version>:<Kind>` resource named `<prefix>:<namespace>/<name>`.
import * as YAML from "yaml";
import type { KubeObject } from "../manifests";
import { redactSecretObject } from "../recorder";
import type { RecordedResource } from "../types";
import { ChartError, ChartRequest } from "./adapters";

/** "apps/v1" -> { group: "apps", version: "v1" }; "v1" -> { group: "", version: "v1" }. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The Pulumi type token of an object: kubernetes:core/v1:ConfigMap, kubernetes:nvidia.com/v1:ClusterPolicy. */
export function typeToken(apiVersion: string, kind: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return `kubernetes:${group || "core"}/${version}:${kind}`;
}

/** Built-in cluster-scoped kinds, as "<group>/<Kind>" ("" for the core group). */
const BUILTIN_CLUSTER_SCOPED = new Set(
  Object.entries({
    "": ["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    "rbac.authorization.k8s.io": ["ClusterRole", "ClusterRoleBinding"],
    "apiextensions.k8s.io": ["CustomResourceDefinition"],
    "apiregistration.k8s.io": ["APIService"],
    "storage.k8s.io": ["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass"],
    "scheduling.k8s.io": ["PriorityClass"],
    "admissionregistration.k8s.io": [
      "ValidatingWebhookConfiguration",
      "MutatingWebhookConfiguration",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "MutatingAdmissionPolicy",
      "MutatingAdmissionPolicyBinding",
    ],
    "networking.k8s.io": ["IngressClass", "IPAddress", "ServiceCIDR"],
    "node.k8s.io": ["RuntimeClass"],
    "certificates.k8s.io": ["CertificateSigningRequest", "ClusterTrustBundle"],
    "flowcontrol.apiserver.k8s.io": ["FlowSchema", "PriorityLevelConfiguration"],
    "resource.k8s.io": ["DeviceClass", "ResourceSlice"],
  }).flatMap(([group, kinds]) => kinds.map((k) => `${group}/${k}`)),
);

export interface CrdFacts {
  group: string;
  kind: string;
  scope: string;
  versions: { name: string; served: boolean }[];
}

/** Group, kind, scope and versions of a CustomResourceDefinition object, or undefined if it is not one. */
export function crdFacts(o: unknown): CrdFacts | undefined {
  const obj = o as { apiVersion?: unknown; kind?: unknown; spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown }; versions?: unknown } };
  if (obj?.kind !== "CustomResourceDefinition" || typeof obj.apiVersion !== "string" || !obj.apiVersion.startsWith("apiextensions.k8s.io/")) return undefined;
  const spec = obj.spec;
  if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") return undefined;
  const versions = Array.isArray(spec.versions)
    ? (spec.versions as { name?: unknown; served?: unknown }[]).filter((v) => typeof v?.name === "string").map((v) => ({ name: v.name as string, served: v.served !== false }))
    : [];
  return { group: spec.group, kind: spec.names.kind, scope: typeof spec.scope === "string" ? spec.scope : "Namespaced", versions };
}

/** `--api-versions` entries for CRDs: "group/version" and "group/version/Kind" for every served version. */
export function crdApiVersions(crds: CrdFacts[]): string[] {
  const out = new Set<string>();
  for (const c of crds) {
    for (const v of c.versions.filter((x) => x.served)) {
      out.add(`${c.group}/${v.name}`);
      out.add(`${c.group}/${v.name}/${c.kind}`);
    }
  }
  return [...out].sort();
}

/** Whether a kind is cluster-scoped: a built-in one, or a CRD in the plan with `scope: Cluster`. */
export function scopeOracle(crds: CrdFacts[]): (apiVersion: string, kind: string) => boolean {
  const clusterCrds = new Set(crds.filter((c) => c.scope === "Cluster").map((c) => `${c.group}/${c.kind}`));
  return (apiVersion, kind) => {
    const key = `${splitApiVersion(apiVersion).group}/${kind}`;
    return BUILTIN_CLUSTER_SCOPED.has(key) || clusterCrds.has(key);
  };
}

// YAML 1.1 as Helm's and the provider's Go YAML reads it (yes/on are booleans, 0777 is octal), but
// timestamps and 1:20-style numbers stay strings, and a repeated key keeps its last value.
const YAML_OPTIONS = {
  version: "1.1" as const,
  uniqueKeys: false,
  customTags: (tags: YAML.Tags) => tags.filter((t) => (t as { tag?: string }).tag !== "tag:yaml.org,2002:timestamp" && (t as { format?: string }).format !== "TIME"),
};

/** Parsed YAML documents by their text: a chart rendered twice parses its unchanged documents once. */
export type ParseCache = Map<string, unknown>;

/**
 * The objects of a multi-document manifest; empty documents are skipped, List kinds expanded.
 * Helm separates documents with a `---` line at column 0, which nothing inside a document can be.
 */
export function parseManifest(text: string, what: string, cache: ParseCache = new Map()): KubeObject[] {
  const out: KubeObject[] = [];
  const add = (o: unknown) => {
    if (o === null || o === undefined) return;
    if (typeof o !== "object" || Array.isArray(o)) throw new ChartError(`${what}: rendered a YAML document that is not an object: ${JSON.stringify(o).slice(0, 100)}`);
    const obj = o as Record<string, unknown>;
    if (Object.keys(obj).length === 0) return;
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" || obj.apiVersion === "" || obj.kind === "") {
      throw new ChartError(`${what}: rendered an object without apiVersion and kind: ${JSON.stringify(obj).slice(0, 100)}`);
    }
    // Like the provider (unstructured IsList): an object with an `items` array is a list of objects.
    if (Array.isArray(obj.items)) {
      for (const item of obj.items) add(item);
      return;
    }
    out.push(obj as KubeObject);
  };
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    if (!cache.has(chunk)) {
      const docs = YAML.parseAllDocuments(chunk, YAML_OPTIONS).map((doc) => {
        if (doc.errors.length > 0) throw new ChartError(`${what}: rendered invalid YAML: ${doc.errors[0].message}`);
        return doc.toJS({ maxAliasCount: -1 }) as unknown;
      });
      cache.set(chunk, docs);
    }
    // Shared between renders: childRecords copies each object before it changes anything.
    for (const doc of cache.get(chunk) as unknown[]) add(doc);
  }
  return out;
}

/** Splits "urn:pulumi:<stack>::<project>::<type chain>::<name>" into its prefix and type chain. */
function urnParts(urn: string): { prefix: string; typeChain: string } {
  const head = /^urn:pulumi:[^:]*::[^:]*::/.exec(urn);
  const rest = head ? urn.slice(head[0].length) : "";
  const end = rest.indexOf("::");
  if (!head || end <= 0) throw new ChartError(`cannot derive child URNs from ${JSON.stringify(urn)}`);
  return { prefix: head[0], typeChain: rest.slice(0, end) };
}

/** A rendered object as the resource helm.v4.Chart registers for it, parented to the chart's record. */
export function childRecords(chart: RecordedResource, req: ChartRequest, objects: KubeObject[], clusterScoped: (apiVersion: string, kind: string) => boolean): RecordedResource[] {
  const { prefix, typeChain } = urnParts(chart.urn);
  const seen = new Set<string>();
  return objects.map((o) => {
    const obj = structuredClone(o);
    const meta = (obj.metadata ??= {});
    if (typeof meta.name !== "string" || meta.name === "") {
      throw new ChartError(`${req.source.type} "${req.source.name}" rendered a ${obj.apiVersion} ${obj.kind} without metadata.name`);
    }
    const cluster = clusterScoped(obj.apiVersion, obj.kind);
    if (!cluster && !meta.namespace) meta.namespace = req.namespace;
    const local = cluster || !meta.namespace ? meta.name : `${meta.namespace}/${meta.name}`;
    const name = req.resourcePrefix ? `${req.resourcePrefix}:${local}` : local;
    const type = typeToken(obj.apiVersion, obj.kind);
    if (seen.has(`${type}::${name}`)) throw new ChartError(`${req.source.type} "${req.source.name}" renders ${obj.apiVersion} ${obj.kind} ${local} twice (a real deployment fails with a duplicate URN)`);
    seen.add(`${type}::${name}`);
    return {
      type,
      name,
      parent: chart.name,
      parentType: chart.type,
      component: false,
      inputs: redactSecretObject(obj as unknown as Record<string, unknown>),
      urn: `${prefix}${typeChain}$${type}::${name}`,
    };
  });
}
