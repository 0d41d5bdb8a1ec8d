// L1 must not change unless someone means it to: every resource of a plan is compared with a recorded
// baseline (URN and a hash of type, name, parent, provider and inputs), first taken from main before
// the layout change (commit 0d6d388). Objects Helm renders as children of a chart are not part of it, nor
// are the upper layers' resources (those under an ods: component of another layer) and outputs.
// To accept an intended change of L1, rerun the stack tests with ODS_UPDATE_L1_BASELINE=1 and commit
// test/fixtures/l1-baseline.json with the change that explains it.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isChart } from "../plan/charts/adapters";
import { layerResolver } from "../plan/run";
import { RecordedResource } from "../plan/types";

/** The stack outputs L1 exports. */
const L1_OUTPUTS = ["environment", "clusterName", "kubeconfig", "storageClass", "kubernetesVersion", "gpuCapacityTotal", "gpuPools", "namespaces"];
/** Resources outside any ods: component (providers) or under an L1 one. */
const L1_LAYERS = new Set(["program", "infra"]);

const BASELINE = path.join(__dirname, "fixtures", "l1-baseline.json");

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const digest = (v: unknown) => createHash("sha256").update(stable(v)).digest("hex").slice(0, 16);

export function resourceDigest(r: RecordedResource): string {
  return digest({ type: r.type, name: r.name, parent: r.parent, provider: r.provider ?? null, inputs: r.inputs });
}

/** Differences between a plan's L1 and the baseline: added, removed and changed URNs, and changed outputs. */
export function l1Changes(stack: string, resources: RecordedResource[], outputs: Record<string, unknown>, ignoreOutputs: string[] = []): string[] {
  const all = JSON.parse(fs.readFileSync(BASELINE, "utf8")) as Record<string, Record<string, string>>;
  const charts = new Set(resources.filter(isChart).map((r) => `${r.type}::${r.name}`));
  const rendered = new Set(resources.filter((r) => charts.has(`${r.parentType}::${r.parent}`)).map((r) => r.urn));
  const layerOf = layerResolver(resources);
  const now = new Map(resources.filter((r) => !rendered.has(r.urn) && L1_LAYERS.has(layerOf(r))).map((r) => [r.urn, resourceDigest(r)]));
  const kept = Object.fromEntries(Object.entries(outputs).filter(([k]) => L1_OUTPUTS.includes(k) && !ignoreOutputs.includes(k)));
  if (process.env.ODS_UPDATE_L1_BASELINE === "1") {
    // Jest runs stack files in parallel workers: re-read right before writing to keep the others' updates.
    const latest = JSON.parse(fs.readFileSync(BASELINE, "utf8")) as Record<string, Record<string, string>>;
    latest[stack] = { ...Object.fromEntries(now), outputs: digest(kept) };
    fs.writeFileSync(BASELINE, JSON.stringify(latest, null, 1) + "\n");
    return [];
  }
  const baseline = all[stack];
  if (!baseline) throw new Error(`no L1 baseline for stack ${stack}`);
  const changes: string[] = [];
  for (const [urn, hash] of Object.entries(baseline)) {
    if (urn === "outputs") continue;
    if (!now.has(urn)) changes.push(`removed ${urn}`);
    else if (now.get(urn) !== hash) changes.push(`changed ${urn}`);
  }
  for (const urn of now.keys()) if (!(urn in baseline)) changes.push(`added ${urn}`);
  if (digest(kept) !== baseline.outputs) changes.push(`changed outputs: ${JSON.stringify(kept).slice(0, 300)}`);
  return changes;
}
