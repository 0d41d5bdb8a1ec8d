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

/** A pinned manifest: the cache files that hold its objects, and what every object must say it is. */
export interface PinnedManifest {
  /** Paths relative to the manifest cache; the first is where a fetched copy is written. */
  files: readonly string[];
  /** The API group of its CRDs and the release every CRD is stamped with (a fetched copy is checked). */
  crdGroup: string;
  bundleVersion: string;
}

/**
 * Pinned upstream URLs and the files (relative to the manifest cache) that hold the same objects. Only
 * a pinned URL (a release tag in the path) is accepted: the plan must check what `pulumi up` applies.
 */
export const PINNED_MANIFESTS: Readonly<Record<string, PinnedManifest>> = {
  "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml": {
    files: ["gateway-api-v1.5.1/standard-install.yaml", "gateway-api-v1.5.1/standard-crds.yaml"],
    crdGroup: "gateway.networking.k8s.io",
    bundleVersion: "v1.5.1",
  },
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

function pinnedManifest(file: unknown, what: string): PinnedManifest {
  if (typeof file !== "string" || file === "") throw new ChartError(`${what}: input file must be a string, got ${JSON.stringify(file)}`);
  const pinned = PINNED_MANIFESTS[file];
  if (!pinned) {
    throw new ChartError(
      `${what}: ${file} is not a manifest the offline plan knows; allowed: ${Object.keys(PINNED_MANIFESTS).join(", ")} (add a pinned URL and its cache file name to PINNED_MANIFESTS in plan/manifestFiles.ts)`,
    );
  }
  return pinned;
}

/** The cached file for a manifest input, or a ChartError saying how to fill the cache (and why fetching it failed, if it was tried). */
export function cachedManifest(file: unknown, cacheDir: string, what: string, fetchFailure?: string): string {
  const { files: names } = pinnedManifest(file, what);
  for (const n of names) {
    const p = path.join(cacheDir, n);
    if (fs.existsSync(p)) return p;
  }
  throw new ChartError(
    `${what}: ${String(file)} is not in the manifest cache ${cacheDir} (looked for ${names.join(" or ")})${fetchFailure ? ` and fetching it failed (${fetchFailure})` : ""}. ` +
      `Fix: on a machine with network run \`mkdir -p ${path.join(cacheDir, path.dirname(names[0]))} && curl -fsSL ${String(file)} -o ${path.join(cacheDir, names[0])}\`, or point --manifest-cache / ODS_MANIFEST_CACHE at a folder that holds it.`,
  );
}

/** Problems of a fetched manifest: not YAML, no CRD, or an object that is not of the pinned release. */
export function manifestProblems(text: string, pinned: PinnedManifest, what: string): string[] {
  let objects: KubeObject[];
  try {
    objects = parseManifest(text, what);
  } catch (e) {
    return [(e as Error).message];
  }
  const problems: string[] = [];
  const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
  if (crds.length === 0) problems.push(`${what}: holds no CustomResourceDefinition`);
  for (const o of crds) {
    const meta = (o.metadata ?? {}) as { name?: string; annotations?: Record<string, string> };
    const group = (o.spec as { group?: string } | undefined)?.group;
    const version = meta.annotations?.[`${pinned.crdGroup}/bundle-version`];
    if (group !== pinned.crdGroup || version !== pinned.bundleVersion) {
      problems.push(`${what}: CRD ${meta.name ?? "?"} is of group ${String(group)} release ${String(version)}, not ${pinned.crdGroup} ${pinned.bundleVersion}`);
    }
  }
  return problems;
}

/**
 * Fetches a pinned manifest that the cache lacks into its first cache file (when the network allows),
 * the way missing charts are pulled: checked against the pinned release, written atomically. Returns
 * why it could not, or undefined when the file is now there.
 */
export async function fetchManifest(url: string, pinned: PinnedManifest, cacheDir: string, what: string, timeoutMs = 30_000): Promise<string | undefined> {
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    if (!res.ok) return `GET ${url}: HTTP ${res.status}`;
    text = await res.text();
  } catch (e) {
    return `GET ${url}: ${(e as Error).message}`;
  }
  const problems = manifestProblems(text, pinned, what);
  if (problems.length > 0) return `${url} is not the pinned manifest: ${problems.slice(0, 3).join("; ")}`;
  const dest = path.join(cacheDir, pinned.files[0]);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, dest);
  return undefined;
}

/**
 * Fetches every pinned manifest the plan's ConfigFiles need and the cache lacks. Returns why each one
 * that is still missing could not be fetched, by URL (offline, rendering then says how to fill the cache).
 */
export async function fetchMissingManifests(resources: RecordedResource[], cacheDir: string): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  for (const f of resources.filter(isManifestFile)) {
    const what = `${f.type} "${f.name}"`;
    const pinned = pinnedManifest(f.inputs.file, what);
    const url = String(f.inputs.file);
    if (failures.has(url) || pinned.files.some((n) => fs.existsSync(path.join(cacheDir, n)))) continue;
    const why = await fetchManifest(url, pinned, cacheDir, what);
    if (why) failures.set(url, why);
  }
  return failures;
}

/** The objects of every ConfigFile in `resources`, inserted right after it as its children. */
export function renderManifestFiles(resources: RecordedResource[], opts: { cacheDir: string; fetchFailures?: ReadonlyMap<string, string> }): RecordedResource[] {
  const files = resources.filter(isManifestFile);
  if (files.length === 0) return resources;
  const parsed = new Map<RecordedResource, KubeObject[]>();
  for (const f of files) {
    const what = `${f.type} "${f.name}"`;
    const p = cachedManifest(f.inputs.file, opts.cacheDir, what, opts.fetchFailures?.get(String(f.inputs.file)));
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
