// `npm run bench`: times the offline plan of every stack (median of N runs after a warm-up, peak memory),
// with Helm charts rendered (as users run it) and with --no-charts, and prints the ratio.
import * as os from "os";
import { runCli, UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { benchPlans, CHART_VARIANTS, chartRatios, formatRow } from "../plan/bench";
import { listStacks } from "../plan/stackConfig";

const CLI = {
  command: "npm run bench --",
  summary: "Plans every stack N times in fresh processes, with charts rendered and with --no-charts, and prints median/min/max wall time, in-process time, peak memory and the cost of rendering.",
  flags: {
    runs: { value: true, placeholder: "N", default: "5", help: "timed runs per stack and variant (after one warm-up)" },
    stack: { value: true, placeholder: "NAME", help: "time this stack only (default: every stack)" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache passed to the plan (default: env ODS_CHART_CACHE, else .cache/charts)" },
  },
} as const;

runCli(CLI, async ({ values }) => {
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: allowed: a whole number >= 1`);
  const stacks = listStacks(REPO_ROOT);
  if (values.stack && !stacks.includes(values.stack)) throw new UsageError(`--stack ${values.stack}: allowed: one of ${stacks.join(", ")}`);
  const cache = values["chart-cache"] ? ["--chart-cache", values["chart-cache"]] : [];
  const variants = CHART_VARIANTS.map((v) => ({ ...v, args: [...v.args, ...cache] }));
  const rows = benchPlans(runs, variants, values.stack ? [values.stack] : stacks);
  console.log(`Offline plan, ${runs} runs per stack and variant after one warm-up, on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`);
  console.log("| stack | resources | median wall s | min s | max s | median in-process s | peak RSS MiB |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(formatRow(r));
  console.log("");
  for (const { stack, ratio } of chartRatios(rows)) console.log(`${stack}: rendering charts takes ${ratio.toFixed(2)}x the wall time of --no-charts`);
  return 0;
});
