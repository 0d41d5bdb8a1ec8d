// Times the offline plan of every stack as a user runs it (a fresh process per run), with peak memory.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../lib/repo";
import { listStacks } from "./stackConfig";

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

/** One `npm run plan` equivalent in a child process; extra args are passed to the plan CLI. */
export function planOnce(stack: string, dir: string, extraArgs: string[] = []): BenchRun {
  const stats = path.join(dir, `${stack}.stats.json`);
  const started = process.hrtime.bigint();
  const res = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"), ["tools/plan.ts", "--stack", stack, "--out", path.join(dir, stack), ...extraArgs], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ODS_PLAN_STATS: stats },
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

/** The plan as users run it (Helm charts rendered), and with --no-charts for comparison. */
export const CHART_VARIANTS: BenchVariant[] = [
  { label: "", args: [] },
  { label: "--no-charts", args: ["--no-charts"] },
];

/** Median/min/max over `runs` runs per stack and variant, each after one warm-up run. */
export function benchPlans(runs: number, variants: BenchVariant[] = [{ label: "", args: [] }], stacks: string[] = listStacks(REPO_ROOT)): BenchRow[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-"));
  const rows: BenchRow[] = [];
  try {
    for (const stack of stacks) {
      for (const v of variants) {
        planOnce(stack, dir, v.args); // warm the file cache and ts-node's compile cache
        const results = Array.from({ length: runs }, () => planOnce(stack, dir, v.args));
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

/** Per stack: median wall time with charts rendered over the median with --no-charts. */
export function chartRatios(rows: BenchRow[]): { stack: string; ratio: number }[] {
  const out: { stack: string; ratio: number }[] = [];
  for (const r of rows.filter((x) => x.variant === "")) {
    const off = rows.find((x) => x.stack === r.stack && x.variant === "--no-charts");
    if (off) out.push({ stack: r.stack, ratio: r.medianWall / off.medianWall });
  }
  return out;
}
