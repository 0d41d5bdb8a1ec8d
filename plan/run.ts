// Runs the real program under the Pulumi mock runtime for one stack and returns what it declared.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../lib/repo";
import { chartCacheDir } from "./charts/cache";
import { fetchMissingManifests, manifestCacheDir, renderManifestFiles } from "./manifestFiles";
import { renderCharts, RenderedChart } from "./charts/render";
import { planMocks, unmockedInvokes } from "./mocks";
import { configHash } from "./outputDir";
import { applyPatches } from "./patches";
import { attachRecorder, REDACTED } from "./recorder";
import { readStackConfig, validateStackConfig } from "../config/stackFile";
import { PlanResult, RecordedResource } from "./types";

/** Waits for every outstanding registration; part of the runtime, but not of its typings. */
export const waitForRPCs = (): Promise<void> => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

export interface FullPlanResult extends PlanResult {
  /** sha256 of the raw config planned (secure values are placeholders offline). */
  configHash: string;
  /** Stack outputs, secrets replaced by "[secret]". */
  outputs: Record<string, unknown>;
  /** Charts rendered into child resources; null when rendering was switched off (`charts: false`). */
  charts: RenderedChart[] | null;
  /** Layer of each resource (the layer token of its outermost ods component, or "program"). */
  layerOf(r: RecordedResource): string;
}

export interface PlanOptions {
  root?: string;
  stackFile?: string;
  /** Render Helm charts into their objects (default true); false records each chart as one resource. */
  charts?: boolean;
  /** Chart cache folder; default ODS_CHART_CACHE or <repo>/.cache/charts. */
  chartCache?: string;
  /** Manifest cache folder (pinned YAML manifests); default ODS_MANIFEST_CACHE or `manifests` beside the chart cache. */
  manifestCache?: string;
  /** What each `secure:` value stands for, by config path; default the offline placeholder (tests plant sentinels). */
  secureValue?: (configPath: string) => string;
}

/** The layer of a resource: its outermost ods component's layer token, following the records' parent links. */
export function layerResolver(resources: RecordedResource[]): (r: RecordedResource) => string {
  const byKey = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
  return (r) => {
    let outer: RecordedResource | undefined;
    const seen = new Set<RecordedResource>();
    for (let cur: RecordedResource | undefined = r; cur && !seen.has(cur); cur = cur.parent ? byKey.get(`${cur.parentType}::${cur.parent}`) : undefined) {
      seen.add(cur);
      if (cur.type.startsWith("ods:")) outer = cur;
    }
    return outer ? outer.type.split(":")[1] : "program";
  };
}

async function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const out = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(out)) return REDACTED;
    return resolveOutput(await new Promise((resolve) => out.apply((v) => resolve(v))));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Sets the mocks, records everything `declare` registers, waits for every registration and fails on
 * invokes that had no mock. Shared by the plan and the component tests.
 */
export async function underMocks<T>(
  opts: { project: string; stack: string; region?: string },
  declare: () => T | Promise<T>,
): Promise<{ value: T; resources: RecordedResource[] }> {
  await pulumi.runtime.setMocks(planMocks(opts.region), opts.project, opts.stack, false);
  unmockedInvokes.length = 0;
  const recorder = attachRecorder();
  const restore = cheapStackCaptures();
  try {
    const value = await declare();
    await waitForRPCs();
    if (unmockedInvokes.length > 0) throw new Error(`invokes the offline plan has no mock for: ${[...new Set(unmockedInvokes)].join(", ")}`);
    return { value, resources: recorder.resources() };
  } finally {
    restore();
  }
}

/**
 * The SDK reads `new Error().stack` (an unbounded one) for every resource it registers (the source
 * position it sends the engine) and every promise it tracks (leak reports). Under the mocks nothing
 * reads those, and formatting them, through the source-map support ts-node installs, was an eighth
 * of a plan's time. While the program runs, an Error without a message (those captures: a real error
 * has one) gets an empty stack; every other error keeps its stack as usual. Returns the undo.
 */
function cheapStackCaptures(): () => void {
  const ErrorCtor = Error as ErrorConstructor & { prepareStackTrace?: (err: Error, frames: NodeJS.CallSite[]) => unknown };
  const previous = ErrorCtor.prepareStackTrace;
  ErrorCtor.prepareStackTrace = (err, frames) => {
    if (err instanceof Error && err.message === "" && err.name === "Error") return "";
    if (previous) return previous(err, frames);
    return `${err.name}: ${err.message}${frames.map((f) => `\n    at ${String(f)}`).join("")}`;
  };
  return () => {
    ErrorCtor.prepareStackTrace = previous;
  };
}

/**
 * Plans one stack in this process: runs the program under the mocks, then renders its Helm charts
 * (see plan/charts/render.ts). The mock runtime is process-global: plan one stack per process (jest
 * gives every test file its own module registry, which is enough).
 */
export async function runPlan(stack: string, opts: PlanOptions = {}): Promise<FullPlanResult> {
  const root = opts.root ?? REPO_ROOT;
  const sc = readStackConfig(root, stack, opts.stackFile, opts.secureValue);
  // Checked here with the exact paths of the file's secure values, which the program sees only when the
  // file is the stack's own (config/index.ts).
  validateStackConfig(sc);
  pulumi.runtime.setAllConfig(sc.config, sc.secretKeys);
  const { value: outputs, resources: declared } = await underMocks({ project: sc.project, stack }, async () => {
    const program = (await import(path.join(root, "index"))) as Record<string, unknown>;
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
      if (key === "__esModule" || key === "default") continue;
      resolved[key] = await resolveOutput(value);
    }
    return resolved;
  });
  let resources = declared;
  let charts: RenderedChart[] | null = null;
  if (opts.charts !== false) {
    // Manifests first: charts then see the CRDs they define (their API versions).
    const manifestCache = manifestCacheDir(opts.manifestCache, opts.chartCache);
    const fetchFailures = await fetchMissingManifests(declared, manifestCache);
    resources = renderManifestFiles(declared, { cacheDir: manifestCache, fetchFailures });
    ({ resources, charts } = await renderCharts(resources, { kubeVersion: outputs.kubernetesVersion, cacheDir: chartCacheDir(opts.chartCache), root }));
    // A patch's target may be a rendered object, so patches apply only to a rendered plan.
    resources = applyPatches(resources);
  }
  return { stack, configHash: configHash(sc.config), resources, outputs, charts, layerOf: layerResolver(resources) };
}
