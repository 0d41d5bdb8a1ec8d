// `npm run bench`: times the offline plan of every stack (median of N runs after a warm-up, peak memory),
// with Helm charts rendered (from the render cache, and every chart by Helm) and with --no-charts, then
// `npm test` as CI runs it after setup, and says whether each meets its target.
import * as os from "os";
import { runCli, UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { benchPlans, benchSuite, CHART_VARIANTS, chartRatios, formatRow } from "../plan/bench";
import { listStacks } from "../config/stackFile";

const CLI = {
  command: "npm run bench --",
  summary:
    "Plans every stack N times in fresh processes (charts rendered from the render cache, every chart rendered by Helm, and --no-charts) and prints median/min/max wall time, in-process time, peak memory and the cost of rendering; then times `npm test` as CI runs it after setup. Targets: the prod plan under 10 s, `npm test` under 90 s.",
  flags: {
    runs: { value: true, placeholder: "N", default: "5", help: "timed runs per stack and variant (after one warm-up)" },
    stack: { value: true, placeholder: "NAME", help: "time this stack only (default: every stack)" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache passed to the plan (default: env ODS_CHART_CACHE, else .cache/charts)" },
    "no-suite": { help: "time the plans only, not `npm test`" },
  },
} as const;

const PLAN_TARGET_S = 10;
const SUITE_TARGET_S = 90;

runCli(CLI, async ({ values, switches }) => {
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
  let met = true;
  for (const r of rows.filter((x) => x.stack === "prod" && !x.variant.startsWith("--"))) {
    const ok = r.medianWall < PLAN_TARGET_S;
    met &&= ok;
    console.log(`target: prod plan${r.variant ? ` ${r.variant}` : ""} under ${PLAN_TARGET_S} s: ${r.medianWall.toFixed(2)} s median, ${ok ? "met" : "NOT met"}`);
  }
  if (!switches["no-suite"]) {
    const suite = benchSuite();
    const ok = suite.failed === 0 && suite.seconds < SUITE_TARGET_S;
    met &&= ok;
    console.log(`target: npm test under ${SUITE_TARGET_S} s (after setup's plan of local, empty caches otherwise): ${suite.seconds.toFixed(1)} s, ${suite.passed} passed, ${suite.failed} failed, ${suite.assertions} assertions, ${ok ? "met" : "NOT met"}`);
    if (suite.failed > 0) console.log(suite.tail);
  }
  return met ? 0 : 1;
});
