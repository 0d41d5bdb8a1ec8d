// Whether one `pulumi up` on a bare cluster can create the plan in one pass: every custom resource of a
// kind that a CRD in the plan defines must wait for that CRD (Kubernetes rejects an object whose kind
// does not exist yet). A resource waits for what it depends on (dependsOn and the resources its inputs
// come from), everything those wait for, every child of a component it depends on, and whatever its
// parent waits for (a child registers only after its parent, and a component only after its own
// dependencies). Objects rendered by one chart (or applied from one manifest file) are ordered by it (CRDs first).
import { isChart } from "./charts/adapters";
import { crdFacts } from "./charts/objects";
import { isManifestFile } from "./manifestFiles";
import type { RecordedResource } from "./types";

export interface UnorderedResource {
  /** The resource of a CRD-defined kind, as "<type> <name>". */
  resource: string;
  /** "<group>/<Kind>" it needs. */
  kind: string;
  /** "<type> <name>" of what installs the CRD. */
  installer: string;
}

const label = (r: RecordedResource) => `${r.type} ${r.name}`;

function groupKind(inputs: Record<string, unknown>): string | undefined {
  const { apiVersion, kind } = inputs;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? undefined : `${apiVersion.slice(0, i)}/${kind}`;
}

/** What each resource waits for in one `pulumi up`, and the chart or manifest file that rendered it. */
export interface WaitGraph {
  /** Everything `r` waits for (see the top of this file). */
  waits(r: RecordedResource): Set<RecordedResource>;
  /** The chart (or manifest file) whose object `r` is, if any. */
  chartOf(r: RecordedResource): RecordedResource | undefined;
}

export function waitGraph(resources: readonly RecordedResource[]): WaitGraph {
  const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn, r]));
  const key = (r: RecordedResource) => `${r.parentType ?? ""}|${r.parent ?? ""}|${r.type}|${r.name}`;
  const byName = new Map(resources.map((r) => [`${r.type}|${r.name}`, r]));
  const parentOf = (r: RecordedResource) => (r.parent && r.parentType ? byName.get(`${r.parentType}|${r.parent}`) : undefined);
  const children = new Map<RecordedResource, RecordedResource[]>();
  for (const r of resources) {
    const p = parentOf(r);
    if (p) children.set(p, [...(children.get(p) ?? []), r]);
  }
  const chartOf = (r: RecordedResource): RecordedResource | undefined => {
    const p = parentOf(r);
    return p && (isChart(p) || isManifestFile(p)) ? p : undefined;
  };

  // Everything a resource waits for, memoised.
  const memo = new Map<string, Set<RecordedResource>>();
  const waits = (r: RecordedResource, seen = new Set<string>()): Set<RecordedResource> => {
    const k = key(r);
    const cached = memo.get(k);
    if (cached) return cached;
    if (seen.has(k)) return new Set();
    seen.add(k);
    const out = new Set<RecordedResource>();
    const add = (d: RecordedResource) => {
      if (out.has(d)) return;
      out.add(d);
      for (const c of children.get(d) ?? []) add(c);
    };
    for (const urn of r.dependencies ?? []) {
      const d = byUrn.get(urn);
      if (!d) continue;
      add(d);
      for (const w of waits(d, seen)) add(w);
    }
    const p = parentOf(r);
    if (p) for (const w of waits(p, seen)) add(w);
    memo.set(k, out);
    return out;
  };
  return { waits: (r) => waits(r), chartOf };
}

/** Resources of CRD-defined kinds that do not wait for the resource installing their CRD. */
export function unorderedCustomResources(resources: RecordedResource[]): UnorderedResource[] {
  const { waits, chartOf } = waitGraph(resources);

  // What installs each CRD-defined kind: the chart that renders the CRD, or the declared CRD itself.
  const installers = new Map<string, RecordedResource>();
  for (const r of resources) {
    const crd = crdFacts(r.inputs);
    if (crd) installers.set(`${crd.group}/${crd.kind}`, chartOf(r) ?? r);
  }

  const problems: UnorderedResource[] = [];
  for (const r of resources) {
    if (r.component) continue;
    const gk = groupKind(r.inputs);
    const installer = gk ? installers.get(gk) : undefined;
    if (!gk || !installer || installer === r) continue;
    const chart = chartOf(r);
    if (chart && chart === installer) continue;
    if (!waits(r).has(installer)) problems.push({ resource: label(r), kind: gk, installer: label(installer) });
  }
  return problems;
}
