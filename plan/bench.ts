// Times the offline plan of every stack as a user runs it (a fresh process per run), with peak memory.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../lib/repo";
import { listStacks } from "../config/stackFile";

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error("median of nothing");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface BenchRun {
  wall: number;
  inProcess: number;
  maxRssKiB: number;
  resources: number;
}

/**
 * One `npm run plan` equivalent in a child process; extra args are passed to the plan CLI. The plans it
 * makes go to a plan cache of its own (under `dir`), not the repository's.
 */
export function planOnce(stack: string, dir: string, extraArgs: string[] = [], env: Record<string, string> = {}): BenchRun {
  const stats = path.join(dir, `${stack}.stats.json`);
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "ts-node", "dist", "bin.js"), "tools/plan.ts", "--stack", stack, "--out", path.join(dir, stack), ...extraArgs], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ODS_PLAN_CACHE: path.join(dir, "plans"), ...env, ODS_PLAN_STATS: stats },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`plan of ${stack} failed (exit ${res.status}):\n${res.stderr}`);
  const s = JSON.parse(fs.readFileSync(stats, "utf8")) as { seconds: number; maxRssKiB: number; resources: number };
  return { wall, inProcess: s.seconds, maxRssKiB: s.maxRssKiB, resources: s.resources };
}

export interface BenchVariant {
  /** Shown after the stack name; "" for the plain plan. */
  label: string;
  /** Extra plan CLI arguments, e.g. ["--no-charts"]. */
  args: string[];
  /** Renders every chart with Helm in every run (an empty render cache each time), as a first plan does. */
  coldRenders?: boolean;
}

export interface BenchRow {
  stack: string;
  variant: string;
  resources: number;
  medianWall: number;
  minWall: number;
  maxWall: number;
  medianInProcess: number;
  peakRssMiB: number;
}

/**
 * The plan as users run it again (Helm charts rendered, renders from the render cache), as a first plan
 * runs it (every chart rendered by Helm), and with --no-charts for comparison.
 */
export const CHART_VARIANTS: BenchVariant[] = [
  { label: "", args: [] },
  { label: "(cold renders)", args: [], coldRenders: true },
  { label: "--no-charts", args: ["--no-charts"] },
];

/** Median/min/max over `runs` runs per stack and variant, each after one warm-up run. */
export function benchPlans(runs: number, variants: BenchVariant[] = [{ label: "", args: [] }], stacks: string[] = listStacks(REPO_ROOT)): BenchRow[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-"));
  const rows: BenchRow[] = [];
  try {
    for (const stack of stacks) {
      for (const v of variants) {
        const env = (i: number): Record<string, string> => (v.coldRenders ? { ODS_RENDER_CACHE: path.join(dir, `renders-${stack}-${i}`) } : { ODS_RENDER_CACHE: path.join(dir, "renders") });
        planOnce(stack, dir, v.args, env(-1)); // warm the file cache and ts-node's compile cache (and the render cache)
        const results = Array.from({ length: runs }, (_, i) => planOnce(stack, dir, v.args, env(i)));
        const wall = results.map((r) => r.wall);
        rows.push({
          stack,
          variant: v.label,
          resources: results[0].resources,
          medianWall: median(wall),
          minWall: Math.min(...wall),
          maxWall: Math.max(...wall),
          medianInProcess: median(results.map((r) => r.inProcess)),
          peakRssMiB: Math.max(...results.map((r) => r.maxRssKiB)) / 1024,
        });
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A markdown table row. */
export function formatRow(r: BenchRow): string {
  return `| ${r.stack}${r.variant ? ` ${r.variant}` : ""} | ${r.resources} | ${r.medianWall.toFixed(2)} | ${r.minWall.toFixed(2)} | ${r.maxWall.toFixed(2)} | ${r.medianInProcess.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} |`;
}

export interface SuiteRun {
  seconds: number;
  passed: number;
  failed: number;
  assertions: number;
  /** The last lines of the run's output, for a failure. */
  tail: string;
}

/**
 * `npm test` as CI meets it right after `npm run setup`: empty plan and render caches except for the
 * plan of `local` that setup makes (not timed), no type-check build info, an empty Jest cache.
 */
export function benchSuite(): SuiteRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-suite-"));
  try {
    const env = { ...process.env, ODS_PLAN_CACHE: path.join(dir, "plans"), ODS_RENDER_CACHE: path.join(dir, "renders"), TMPDIR: path.join(dir, "tmp") };
    fs.mkdirSync(env.TMPDIR, { recursive: true });
    fs.rmSync(path.join(REPO_ROOT, ".cache", "tsc"), { recursive: true, force: true });
    const setup = spawnSync("npm", ["run", "plan", "--", "--stack", "local", "--out", path.join(dir, "local")], { cwd: REPO_ROOT, encoding: "utf8", env });
    if (setup.status !== 0) throw new Error(`the setup plan of local failed:\n${setup.stderr}`);
    const started = process.hrtime.bigint();
    const res = spawnSync("npm", ["test"], { cwd: REPO_ROOT, encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, ...suiteCounts(`${res.stdout}\n${res.stderr}`), tail: `${res.stdout}\n${res.stderr}`.trim().split("\n").slice(-30).join("\n") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The counts test/summaryReporter.js prints; a run that printed none counts as failed. */
export function suiteCounts(output: string): { passed: number; failed: number; assertions: number } {
  const summary = /^(\d+) passed, (\d+) failed/m.exec(output);
  const asserted = /^assertions: (\d+) in /m.exec(output);
  if (!summary) return { passed: 0, failed: 1, assertions: 0 };
  return { passed: Number(summary[1]), failed: Number(summary[2]), assertions: asserted ? Number(asserted[1]) : 0 };
}

/** Per stack: median wall time with charts rendered over the median with --no-charts. */
export function chartRatios(rows: BenchRow[]): { stack: string; ratio: number }[] {
  const out: { stack: string; ratio: number }[] = [];
  for (const r of rows.filter((x) => x.variant === "")) {
    const off = rows.find((x) => x.stack === r.stack && x.variant === "--no-charts");
    if (off) out.push({ stack: r.stack, ratio: r.medianWall / off.medianWall });
  }
  return out;
}
