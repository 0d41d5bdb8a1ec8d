// `npm run bench`: times the offline plan of every stack (median of N runs after a warm-up, peak memory).
import * as os from "os";
import { runCli, UsageError } from "../lib/cli";
import { benchPlans } from "../plan/bench";

const CLI = {
  command: "npm run bench --",
  summary: "Plans every stack N times in fresh processes and prints median/min/max wall time, in-process time and peak memory.",
  flags: { runs: { value: true, placeholder: "N", default: "5", help: "timed runs per stack (after one warm-up)" } },
} as const;

runCli(CLI, async ({ values }) => {
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: allowed: a whole number >= 1`);
  const rows = benchPlans(runs);
  console.log(`Offline plan, ${runs} runs per stack after one warm-up, on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`);
  console.log("| stack | resources | median wall s | min s | max s | median in-process s | peak RSS MiB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
  return 0;
});
