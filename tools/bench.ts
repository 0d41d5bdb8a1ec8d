// `npm run bench`: times the offline plan of every stack (median of N runs after a warm-up, peak memory),
// with Helm charts rendered (from the render cache, and every chart by Helm) and with --no-charts, then
// `npm test` as CI runs it after setup, and says whether each meets its target.
import * as os from "os";
import { runCli, UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { benchPlans, benchSuite, CHART_VARIANTS, chartRatios, formatRow } from "../plan/bench";
import { listStacks } from "../config/stackFile";
import { benchDataApi } from "../services/data-api/test/bench";

const CLI = {
  command: "npm run bench --",
  summary:
    "Plans every stack N times in fresh processes (charts rendered from the render cache, every chart rendered by Helm, and --no-charts) and prints median/min/max wall time, in-process time, peak memory and the cost of rendering; then times `npm test` as CI runs it after setup, then the data API at 200 requests/s on real backends. Targets: the prod plan under 10 s, `npm test` under 90 s, the data API's p95 under 50 ms with no errors.",
  flags: {
    runs: { value: true, placeholder: "N", default: "5", help: "timed runs per stack and variant (after one warm-up)" },
    stack: { value: true, placeholder: "NAME", help: "time this stack only (default: every stack)" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache passed to the plan (default: env ODS_CHART_CACHE, else .cache/charts)" },
    "no-suite": { help: "time the plans only, not `npm test`" },
    "no-services": { help: "skip the data API at 200 requests/s on real backends" },
  },
} as const;

const PLAN_TARGET_S = 10;
const SUITE_TARGET_S = 90;
/** The data API: register, get and list at this rate, p95 under this many ms, no errors. */
const DATA_API_RATE = 200;
const DATA_API_P95_MS = 50;

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
  if (!switches["no-services"]) {
    const r = await benchDataApi(DATA_API_RATE, 20);
    const ok = r.all.p95 < DATA_API_P95_MS && r.errorRate === 0 && r.droppedIterations === 0;
    met &&= ok;
    console.log(
      `data API (built as its image, on MariaDB, versitygw and an OpenID provider here): ${r.rate} requests/s for ${r.seconds} s, a third each register, get and list: ${r.requests} requests, p50 ${r.all.p50.toFixed(1)} / p95 ${r.all.p95.toFixed(1)} / p99 ${r.all.p99.toFixed(1)} / max ${r.all.max.toFixed(0)} ms (p95 register ${r.p95.register.toFixed(1)}, get ${r.p95.get.toFixed(1)}, list ${r.p95.list.toFixed(1)}), errors ${(r.errorRate * 100).toFixed(2)}%, dropped ${r.droppedIterations}`,
    );
    console.log(`target: data API p95 under ${DATA_API_P95_MS} ms at ${DATA_API_RATE} requests/s with no errors (the original system's gate: p95 < 500 ms at 100 users): ${ok ? "met" : "NOT met"}`);
  }
  return met ? 0 : 1;
});
