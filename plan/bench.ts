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

/** Median/min/max over `runs` runs per stack after one warm-up, as markdown table rows. */
export function benchPlans(runs: number, variants: { label: string; args: string[] }[] = [{ label: "", args: [] }]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-"));
  const rows: string[] = [];
  try {
    for (const stack of listStacks(REPO_ROOT)) {
      for (const v of variants) {
        planOnce(stack, dir, v.args); // warm the file cache and ts-node's compile cache
        const results = Array.from({ length: runs }, () => planOnce(stack, dir, v.args));
        const wall = results.map((r) => r.wall);
        rows.push(
          `| ${stack}${v.label ? ` ${v.label}` : ""} | ${results[0].resources} | ${median(wall).toFixed(2)} | ${Math.min(...wall).toFixed(2)} | ${Math.max(...wall).toFixed(2)} | ${median(results.map((r) => r.inProcess)).toFixed(2)} | ${(Math.max(...results.map((r) => r.maxRssKiB)) / 1024).toFixed(0)} |`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
