// The local chart cache: chart folders and `<name>-<version>.tgz` archives, matched by chart name and
// version; a chart that is missing is pulled into it with `helm pull` when the network allows.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { repoPath } from "../../lib/repo";
import { ChartError, ChartRequest } from "./adapters";
import { runHelm } from "./helm";

/** `--chart-cache DIR`, else env ODS_CHART_CACHE, else <repo>/.cache/charts. */
export function chartCacheDir(flag?: string): string {
  return path.resolve(flag || process.env.ODS_CHART_CACHE || repoPath(".cache", "charts"));
}

export interface CachedChart {
  name: string;
  version: string;
  /** A chart folder (holding Chart.yaml) or a .tgz archive. */
  path: string;
}

/** Versions match with or without a leading "v" (gpu-operator publishes "v26.7.0"). */
export function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, "") === b.replace(/^v/, "");
}

/** The chart name of a reference: "gpu-operator", "oci://registry.k8s.io/x/charts/inferencepool", "repo/name". */
export function chartName(ref: string): string {
  const last = ref.replace(/\/+$/, "").split("/").pop() ?? ref;
  return ref.startsWith("oci://") ? last.replace(/:[^:]*$/, "") : last;
}

/** A chart given as a path (absolute, ./ or ../, or a .tgz file) rather than by name. */
export function isLocalChart(ref: string): boolean {
  return ref.startsWith("/") || ref.startsWith("./") || ref.startsWith("../") || ref.endsWith(".tgz");
}

function chartYaml(dir: string): CachedChart | undefined {
  const file = path.join(dir, "Chart.yaml");
  if (!fs.existsSync(file)) return undefined;
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { name?: unknown; version?: unknown } | null;
  if (typeof doc?.name !== "string" || doc.version === undefined) return undefined;
  return { name: doc.name, version: String(doc.version), path: dir };
}

const ARCHIVE = /^(.+)-(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$/;

/**
 * Every chart in the cache: folders holding a Chart.yaml, one level down (folder names need not be
 * chart names) or two (`helm pull --untar --untardir X` puts the chart in X/<name>/), and archives.
 */
export function indexCache(dir: string): CachedChart[] {
  if (!fs.existsSync(dir)) return [];
  const found: CachedChart[] = [];
  const scan = (folder: string, depth: number) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isFile()) {
        const m = ARCHIVE.exec(entry.name);
        if (m) found.push({ name: m[1], version: m[2], path: full });
      } else if (entry.isDirectory() || entry.isSymbolicLink()) {
        if (!fs.statSync(full).isDirectory()) continue;
        const chart = chartYaml(full);
        if (chart) found.push(chart);
        else if (depth < 2) scan(full, depth + 1);
      }
    }
  };
  scan(dir, 1);
  return found;
}

export function findCached(index: CachedChart[], name: string, version: string): CachedChart | undefined {
  // Folders before archives: a folder is what someone put there on purpose.
  const hits = index.filter((c) => c.name === name && sameVersion(c.version, version));
  return hits.find((c) => !c.path.endsWith(".tgz")) ?? hits[0];
}

interface ChartDependency {
  name: string;
  alias?: string;
  version?: string;
  condition?: string;
}

/** A value at a dotted path ("grafana.enabled") of a values tree, or undefined. */
function valueAt(values: unknown, dotted: string): unknown {
  let v: unknown = values;
  for (const key of dotted.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Whether Helm would leave a dependency out for these values: its condition (a comma-separated list of
 * value paths; the first that resolves to a boolean decides, as in Helm) is false in the request's
 * values or, where they do not set it, in the chart's own values.yaml.
 */
export function dependencyDisabled(dep: ChartDependency, values: unknown, defaults: unknown): boolean {
  if (!dep.condition) return false;
  for (const p of dep.condition.split(",").map((c) => c.trim()).filter(Boolean)) {
    const given = valueAt(values, p);
    const v = typeof given === "boolean" ? given : valueAt(defaults, p);
    if (typeof v === "boolean") return !v;
  }
  return false;
}

/** Dependencies declared in a chart folder's Chart.yaml that its charts/ folder does not hold. */
export function missingDependencies(chartDir: string): ChartDependency[] {
  const doc = YAML.parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")) as { dependencies?: ChartDependency[] } | null;
  const deps = doc?.dependencies ?? [];
  const sub = path.join(chartDir, "charts");
  const present = fs.existsSync(sub) ? fs.readdirSync(sub) : [];
  const held = (d: ChartDependency) => present.some((e) => e === d.name || (e.startsWith(`${d.name}-`) && e.endsWith(".tgz")));
  return deps.filter((d) => !held(d));
}

/**
 * A chart folder `helm template` can render with these values. A cache may hold a chart without
 * subcharts that these values disable (Helm refuses to render a chart with any declared dependency
 * missing, enabled or not); such a chart is rendered from a copy whose Chart.yaml leaves them out,
 * which renders exactly what the published chart renders with them disabled. A missing subchart the
 * values enable is an error: its objects would be missing from the plan.
 */
export function renderableChartDir(chartDir: string, values: unknown, what: string): string {
  const missing = missingDependencies(chartDir);
  if (missing.length === 0) return chartDir;
  const defaultsFile = path.join(chartDir, "values.yaml");
  const defaults = fs.existsSync(defaultsFile) ? YAML.parse(fs.readFileSync(defaultsFile, "utf8")) : {};
  const enabled = missing.filter((d) => !dependencyDisabled(d, values, defaults));
  if (enabled.length > 0) {
    throw new ChartError(
      `${what}: the cached chart ${chartDir} lacks the subchart(s) ${enabled.map((d) => `${d.name} ${d.version ?? ""}`.trim()).join(", ")}, ` +
        `which these values enable (${enabled.map((d) => d.condition ?? "no condition").join(", ")}). ` +
        "Fix: put the complete chart (with its charts/ folder) in the cache, e.g. `helm pull` it on a machine with network, or disable the subchart.",
    );
  }
  const skip = new Set(missing.map((d) => d.name));
  const chartYamlText = fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8");
  const doc = YAML.parse(chartYamlText) as { dependencies?: ChartDependency[] };
  doc.dependencies = (doc.dependencies ?? []).filter((d) => !skip.has(d.name));
  const key = crypto.createHash("sha256").update(chartDir).update(chartYamlText).update([...skip].sort().join(",")).digest("hex").slice(0, 16);
  const dir = path.join(os.tmpdir(), `ods-chart-${path.basename(chartDir)}-${key}`);
  if (!fs.existsSync(path.join(dir, "Chart.yaml"))) {
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    for (const entry of fs.readdirSync(chartDir)) {
      if (entry !== "Chart.yaml" && entry !== "Chart.lock") fs.cpSync(path.join(chartDir, entry), path.join(tmp, entry), { recursive: true });
    }
    fs.writeFileSync(path.join(tmp, "Chart.yaml"), YAML.stringify(doc));
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // Another process made the same copy first.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return dir;
}

/** Resolves chart requests to local chart paths, pulling missing ones once each. */
export class ChartCache {
  private index: CachedChart[] | undefined;
  private readonly pulls = new Map<string, Promise<string>>();

  constructor(
    readonly dir: string,
    private readonly helm: string,
    private readonly pullTimeoutMs = 120_000,
  ) {}

  private cached(): CachedChart[] {
    this.index ??= indexCache(this.dir);
    return this.index;
  }

  /** The local path `helm template` gets for this request. */
  resolve(req: ChartRequest, root: string): Promise<string> {
    if (isLocalChart(req.chart)) {
      const p = path.resolve(root, req.chart);
      if (!fs.existsSync(p)) return Promise.reject(new ChartError(`${req.source.type} "${req.source.name}": chart path ${req.chart} does not exist (resolved to ${p})`));
      return Promise.resolve(p);
    }
    const name = chartName(req.chart);
    const hit = findCached(this.cached(), name, req.version);
    if (hit) return Promise.resolve(hit.path);
    const key = `${req.chart}@${req.version}@${req.repo ?? ""}`;
    let pending = this.pulls.get(key);
    if (!pending) {
      pending = this.pull(req, name);
      this.pulls.set(key, pending);
    }
    return pending;
  }

  private async pull(req: ChartRequest, name: string): Promise<string> {
    fs.mkdirSync(this.dir, { recursive: true });
    const args = req.chart.startsWith("oci://") ? ["pull", req.chart] : ["pull", req.chart, ...(req.repo ? ["--repo", req.repo] : [])];
    args.push("--version", req.version, "--destination", this.dir);
    const res = await runHelm(this.helm, args, { timeoutMs: this.pullTimeoutMs });
    this.index = undefined;
    const hit = res.code === 0 ? findCached(this.cached(), name, req.version) : undefined;
    if (hit) return hit.path;
    const why = (res.stderr.trim().split("\n").pop() ?? "").trim() || `helm exited with ${res.code}`;
    const where = req.chart.startsWith("oci://") ? req.chart : `${req.chart} from ${req.repo ?? "(no repositoryOpts.repo)"}`;
    const fetch = req.chart.startsWith("oci://")
      ? `helm pull ${req.chart} --version ${req.version} --destination ${this.dir}`
      : `helm pull ${req.chart}${req.repo ? ` --repo ${req.repo}` : ""} --version ${req.version} --destination ${this.dir}`;
    throw new ChartError(
      `chart ${name} ${req.version} (repository ${req.repo ?? (req.chart.startsWith("oci://") ? req.chart : "none given")}, for ${req.source.type} "${req.source.name}") ` +
        `is not in the chart cache ${this.dir}, and pulling ${where} failed: ${why}. ` +
        `Fix: on a machine with network run \`${fetch}\` (or copy the chart folder there), or point --chart-cache / ODS_CHART_CACHE at a folder that holds it.`,
    );
  }
}
