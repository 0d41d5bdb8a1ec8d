// `npm run bench [-- --runs N]`: times the offline plan of every stack (median of N runs, peak memory).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "./args";
import { REPO_ROOT } from "./plan/run";
import { listStacks } from "./plan/stackConfig";

export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error("median of nothing");
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Run {
  wall: number;
  inProcess: number;
  maxRssKiB: number;
  resources: number;
}

function runOnce(stack: string, dir: string): Run {
  const stats = path.join(dir, `${stack}.stats.json`);
  const started = process.hrtime.bigint();
  const res = spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"), ["tools/plan.ts", "--stack", stack, "--out", path.join(dir, stack)], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, ODS_PLAN_STATS: stats },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.status !== 0) throw new Error(`plan of ${stack} failed (exit ${res.status}):\n${res.stderr}`);
  const s = JSON.parse(fs.readFileSync(stats, "utf8")) as { seconds: number; maxRssKiB: number; resources: number };
  return { wall, inProcess: s.seconds, maxRssKiB: s.maxRssKiB, resources: s.resources };
}

function main() {
  const args = parseArgs(process.argv.slice(2), { runs: "5" }, ["runs"]);
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${args.runs}: allowed: a whole number >= 1`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-"));
  const rows: string[] = [];
  for (const stack of listStacks(REPO_ROOT)) {
    runOnce(stack, dir); // warm the file cache and ts-node's compile cache
    const results = Array.from({ length: runs }, () => runOnce(stack, dir));
    const wall = results.map((r) => r.wall);
    rows.push(
      `| ${stack} | ${results[0].resources} | ${median(wall).toFixed(2)} | ${Math.min(...wall).toFixed(2)} | ${Math.max(...wall).toFixed(2)} | ${median(results.map((r) => r.inProcess)).toFixed(2)} | ${(Math.max(...results.map((r) => r.maxRssKiB)) / 1024).toFixed(0)} |`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`Offline plan, ${runs} runs per stack after one warm-up, on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`);
  console.log("| stack | resources | median wall s | min s | max s | median in-process s | peak RSS MiB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
