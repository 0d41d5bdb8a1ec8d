// Plain YAML manifests the program applies by URL (kubernetes yaml/v2 ConfigFile), read offline from a
// manifest cache folder. Under the mock runtime a ConfigFile is a remote component that arrives as one
// resource with its inputs (`file`, `resourcePrefix`) and no children; here its objects become its
// children, named the way the provider names them (`<prefix>:<namespace>/<name>`), like a chart's.
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "./manifests";
import { ChartError, ChartRequest } from "./charts/adapters";
import { chartCacheDir } from "./charts/cache";
import { childRecords, crdFacts, CrdFacts, parseManifest, scopeOracle } from "./charts/objects";
import type { RecordedResource } from "./types";

/** Resource types whose `file` input is a manifest the plan expands. */
export const MANIFEST_FILE_TYPES: ReadonlySet<string> = new Set(["kubernetes:yaml/v2:ConfigFile"]);

/**
 * Pinned upstream URLs and the file (relative to the manifest cache) that holds the same objects. Only
 * a pinned URL (a release tag in the path) is accepted: the plan must check what `pulumi up` applies.
 */
export const PINNED_MANIFESTS: Readonly<Record<string, readonly string[]>> = {
  "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml": ["gateway-api-v1.5.1/standard-install.yaml", "gateway-api-v1.5.1/standard-crds.yaml"],
};

export function isManifestFile(r: RecordedResource): boolean {
  return MANIFEST_FILE_TYPES.has(r.type);
}

/**
 * `--manifest-cache DIR`, else env ODS_MANIFEST_CACHE, else the folder `manifests` beside the chart cache
 * (`<repo>/.cache/manifests` next to `<repo>/.cache/charts`).
 */
export function manifestCacheDir(flag?: string, chartCache?: string): string {
  return path.resolve(flag || process.env.ODS_MANIFEST_CACHE || path.join(path.dirname(chartCacheDir(chartCache)), "manifests"));
}

/** The cached file for a manifest input, or a ChartError saying how to fill the cache. */
export function cachedManifest(file: unknown, cacheDir: string, what: string): string {
  if (typeof file !== "string" || file === "") throw new ChartError(`${what}: input file must be a string, got ${JSON.stringify(file)}`);
  const names = PINNED_MANIFESTS[file];
  if (!names) {
    throw new ChartError(
      `${what}: ${file} is not a manifest the offline plan knows; allowed: ${Object.keys(PINNED_MANIFESTS).join(", ")} (add a pinned URL and its cache file name to PINNED_MANIFESTS in plan/manifestFiles.ts)`,
    );
  }
  for (const n of names) {
    const p = path.join(cacheDir, n);
    if (fs.existsSync(p)) return p;
  }
  throw new ChartError(
    `${what}: ${file} is not in the manifest cache ${cacheDir} (looked for ${names.join(" or ")}). ` +
      `Fix: on a machine with network run \`mkdir -p ${path.join(cacheDir, path.dirname(names[0]))} && curl -fsSL ${file} -o ${path.join(cacheDir, names[0])}\`, or point --manifest-cache / ODS_MANIFEST_CACHE at a folder that holds it.`,
  );
}

/** The objects of every ConfigFile in `resources`, inserted right after it as its children. */
export function renderManifestFiles(resources: RecordedResource[], opts: { cacheDir: string }): RecordedResource[] {
  const files = resources.filter(isManifestFile);
  if (files.length === 0) return resources;
  const parsed = new Map<RecordedResource, KubeObject[]>();
  for (const f of files) {
    const what = `${f.type} "${f.name}"`;
    const p = cachedManifest(f.inputs.file, opts.cacheDir, what);
    parsed.set(f, parseManifest(fs.readFileSync(p, "utf8"), what));
  }
  const crds = [...resources.map((r) => crdFacts(r.inputs)), ...[...parsed.values()].flat().map(crdFacts)].filter((c): c is CrdFacts => c !== undefined);
  const clusterScoped = scopeOracle(crds);
  return resources.flatMap((r) => {
    const objects = parsed.get(r);
    if (!objects) return [r];
    const prefix = typeof r.inputs.resourcePrefix === "string" ? r.inputs.resourcePrefix : r.name;
    // The fields childRecords reads; a ConfigFile has no chart, version or values.
    const req = { source: { type: r.type, name: r.name, urn: r.urn }, namespace: "default", resourcePrefix: prefix } as ChartRequest;
    return [r, ...childRecords(r, req, objects, clusterScoped)];
  });
}
