// Renders every chart in a recorded plan with the pinned Helm and records what it renders as the
// chart's children, mirroring pulumi-kubernetes' helm.v4.Chart (provider/pkg/provider/helm/v4):
// `helm template` with the release name and namespace, CRDs from crds/ unless skipCrds, no hooks
// (the provider registers only release.Manifest; a Release-style install runs its install hooks, so
// those are rendered for it, test hooks never), the cluster's Kubernetes version, and the API
// versions of every CRD the plan declares or renders.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { REPO_ROOT } from "../../lib/repo";
import type { KubeObject } from "../manifests";
import { REDACTED } from "../recorder";
import type { RecordedResource } from "../types";
import { ChartError, chartRequest, ChartRequest, isChart } from "./adapters";
import { ChartCache, renderableChartDir } from "./cache";
import { helmBinary, limiter, runHelm } from "./helm";
import { cachedRender, renderKey, storeRender } from "./renderCache";
import { childRecords, crdApiVersions, crdFacts, CrdFacts, parseManifest, ParseCache, scopeOracle } from "./objects";

export interface RenderOptions {
  /** The program's `kubernetesVersion` stack output, e.g. "1.35". */
  kubeVersion: unknown;
  /** Chart cache folder (see chartCacheDir). */
  cacheDir: string;
  /** Folder that relative chart paths are resolved against. Default: the repository root. */
  root?: string;
  /** Helm binary. Default: helmBinary(). */
  helm?: string;
  /** Charts rendered at once. Default: one per CPU. */
  concurrency?: number;
}

export interface RenderedChart {
  type: string;
  name: string;
  chart: string;
  version: string;
  /** Local chart folder or archive that was rendered. */
  path: string;
  objects: number;
  /** 2 when the chart was rendered again with the API versions of CRDs found in the first pass. */
  passes: number;
}

export interface RenderResult {
  /** The plan's resources with each chart's rendered objects right after the chart. */
  resources: RecordedResource[];
  charts: RenderedChart[];
}

const CAPABILITIES_API_VERSIONS = ".Capabilities.APIVersions";

/**
 * Which API versions a chart's templates ask about: "none", the literal arguments of every
 * `.Capabilities.APIVersions.Has "<version>"` (when that is the only way they look), or "any" (another
 * use, or a chart packed inside a packed chart, whose files are compressed twice). A chart whose checks name none of
 * the API versions a render added would render the same again.
 */
export function apiVersionChecks(chartPath: string): "none" | "any" | Set<string> {
  const found = new Set<string>();
  let other = false;
  const scan = (text: string) => {
    for (let at = text.indexOf(CAPABILITIES_API_VERSIONS); at >= 0; at = text.indexOf(CAPABILITIES_API_VERSIONS, at + 1)) {
      const m = /^\.Capabilities\.APIVersions\.Has\s+"([^"]+)"/.exec(text.slice(at, at + 300));
      if (m) found.add(m[1]);
      else other = true;
    }
  };
  // A packed chart: its tar holds the files as they are; a chart packed inside it is compressed again.
  const scanArchive = (buf: Buffer) => {
    const tar = zlib.gunzipSync(buf);
    if (tar.includes(".tgz\0")) other = true;
    scan(tar.toString("latin1"));
  };
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "crds") walk(full);
      } else if (e.name.endsWith(".tgz")) {
        scanArchive(fs.readFileSync(full));
      } else if (/\.(ya?ml|tpl|txt|json)$/.test(e.name)) {
        scan(fs.readFileSync(full, "utf8"));
      }
    }
  };
  if (fs.statSync(chartPath).isFile()) scanArchive(fs.readFileSync(chartPath));
  else walk(chartPath);
  if (other) return "any";
  return found.size > 0 ? found : "none";
}

/** Whether any template of a chart (folder or .tgz, subcharts included) looks at .Capabilities.APIVersions. */
export function usesApiVersions(chartPath: string): boolean {
  return apiVersionChecks(chartPath) !== "none";
}

function kubeVersionOf(value: unknown, charts: RecordedResource[]): string {
  const names = charts.map((c) => `${c.type} "${c.name}"`).join(", ");
  if (value === undefined || value === null || value === "") {
    throw new ChartError(
      `the plan has Helm charts (${names}) but the program exports no \`kubernetesVersion\` stack output; ` +
        "charts are rendered for the cluster's Kubernetes version, so export it (e.g. `export const kubernetesVersion = \"1.35\"`).",
    );
  }
  if (value === REDACTED || typeof value !== "string" || !/^v?\d+\.\d+(\.\d+)?$/.test(value)) {
    throw new ChartError(`the stack output kubernetesVersion must be a plain version such as "1.35", got ${JSON.stringify(value)}`);
  }
  // "1.35" -> "1.35.0": charts that match .Capabilities.KubeVersion against a full version see one.
  return /^v?\d+\.\d+$/.test(value) ? `${value}.0` : value;
}

/** Like Promise.all, but waits for every task and reports every failure in one ChartError. */
async function all<T>(tasks: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected").map((s) => (s.reason instanceof Error ? s.reason.message : String(s.reason)));
  if (failed.length === 1) throw new ChartError(failed[0]);
  if (failed.length > 1) throw new ChartError(`${failed.length} charts cannot be rendered:\n${failed.map((m) => `  - ${m}`).join("\n")}`);
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

async function template(helm: string, req: ChartRequest, chartPath: string, kubeVersion: string, apiVersions: string[], cache: ParseCache): Promise<KubeObject[]> {
  const args = ["template", req.releaseName, chartPath, "--namespace", req.namespace, "--kube-version", kubeVersion, ...(req.includeHooks ? ["--skip-tests"] : ["--no-hooks"])];
  args.push(req.includeCrds ? "--include-crds" : "--skip-crds");
  for (const v of apiVersions) args.push("--api-versions", v);
  args.push("--values", "-");
  const key = renderKey({ helm, chartPath, args, values: req.values });
  const hit = cachedRender(key);
  if (hit) return hit;
  const res = await runHelm(helm, args, { input: JSON.stringify(req.values) });
  const what = `${req.source.type} "${req.source.name}" (chart ${req.chart} ${req.version})`;
  if (res.code !== 0) throw new ChartError(`helm template of ${what} failed: ${res.stderr.trim()}`);
  const objects = parseManifest(res.stdout, what, cache);
  storeRender(key, objects);
  return objects;
}

/**
 * Renders every chart among `resources` (types in CHART_ADAPTERS) and returns the resources with the
 * rendered objects inserted after their chart. Charts are rendered concurrently, at most twice: a
 * chart whose templates consult .Capabilities.APIVersions is rendered again when the first pass found
 * CRDs that were not known before.
 */
export async function renderCharts(resources: RecordedResource[], opts: RenderOptions): Promise<RenderResult> {
  const charts = resources.filter(isChart);
  if (charts.length === 0) return { resources, charts: [] };
  const kubeVersion = kubeVersionOf(opts.kubeVersion, charts);
  const requests = await all(charts.map(async (c) => chartRequest(c)));
  const helm = opts.helm ?? helmBinary();
  const cache = new ChartCache(opts.cacheDir, helm);
  const run = limiter(opts.concurrency);
  const root = opts.root ?? REPO_ROOT;

  const parsed: ParseCache = new Map();
  const paths = await all(requests.map((req) => run(() => cache.resolve(req, root))));
  // What helm renders: the cached folder, or a copy without subcharts these values disable (see renderableChartDir).
  const sources = await all(
    requests.map(async (req, i) => (fs.statSync(paths[i]).isDirectory() ? renderableChartDir(paths[i], req.values, `${req.source.type} "${req.source.name}" (chart ${req.chart} ${req.version})`) : paths[i])),
  );

  const declared = resources.map((r) => crdFacts(r.inputs)).filter((c): c is CrdFacts => c !== undefined);
  const firstApiVersions = crdApiVersions(declared);
  // A chart that never consults .Capabilities.APIVersions renders the same without them, and leaving
  // them out keeps its render-cache key stable when other charts add CRDs.
  const checks = sources.map((s) => apiVersionChecks(s));
  const consults = checks.map((c) => c !== "none");
  const rendered = await all(requests.map((req, i) => run(() => template(helm, req, sources[i], kubeVersion, consults[i] ? firstApiVersions : [], parsed))));
  const passes = requests.map(() => 1);

  const renderedCrds = () => rendered.flat().map(crdFacts).filter((c): c is CrdFacts => c !== undefined);
  const secondApiVersions = crdApiVersions([...declared, ...renderedCrds()]);
  if (secondApiVersions.length > firstApiVersions.length) {
    const known = new Set(firstApiVersions);
    const added = secondApiVersions.filter((v) => !known.has(v));
    // Only a chart that may ask about an added API version can render differently with them.
    const asks = (c: (typeof checks)[number]) => c === "any" || (c !== "none" && added.some((v) => c.has(v)));
    await all(
      requests.map((req, i) =>
        asks(checks[i])
          ? run(async () => {
              rendered[i] = await template(helm, req, sources[i], kubeVersion, secondApiVersions, parsed);
              passes[i] = 2;
            })
          : Promise.resolve(),
      ),
    );
  }

  const clusterScoped = scopeOracle([...declared, ...renderedCrds()]);
  const children = new Map<RecordedResource, RecordedResource[]>();
  charts.forEach((c, i) => children.set(c, childRecords(c, requests[i], rendered[i], clusterScoped)));

  return {
    resources: resources.flatMap((r) => [r, ...(children.get(r) ?? [])]),
    charts: charts.map((c, i) => ({ type: c.type, name: c.name, chart: requests[i].chart, version: requests[i].version, path: paths[i], objects: rendered[i].length, passes: passes[i] })),
  };
}
