// Shared plumbing between the gate runner (loadtests/runner) and the k6 scripts: options, workload, env.
import { Counter, Trend } from "k6/metrics";

/**
 * The runner writes scenarios + thresholds (built and unit-tested in loadtests/runner/options.ts) to a
 * JSON file and passes its path as GATE_OPTIONS; a script run by hand falls back to `fallback`.
 */
export function gateOptions(fallback) {
  if (__ENV.GATE_OPTIONS) return JSON.parse(open(__ENV.GATE_OPTIONS));
  return fallback;
}

/** Workload knobs (max_tokens, vector sizes, ...) from the profile, over the script's defaults. */
export function workload(defaults) {
  const given = __ENV.GATE_WORKLOAD ? JSON.parse(__ENV.GATE_WORKLOAD) : {};
  for (const key of Object.keys(given)) {
    if (!(key in defaults)) throw new Error(`GATE_WORKLOAD: unknown key "${key}"; allowed: ${Object.keys(defaults).join(", ")}`);
  }
  return Object.assign({}, defaults, given);
}

export function requireEnv(name, hint) {
  const v = __ENV[name];
  if (!v) throw new Error(`${name} is not set: ${hint}`);
  return v.replace(/\/+$/, "");
}

/**
 * A latency Trend paired with a "<name>_samples" Counter. k6 passes a Trend threshold that got no
 * samples, so the runner puts `count>=N` on the counter to make an empty metric fail the gate.
 */
export function guardedTrend(name) {
  const trend = new Trend(name, true);
  const samples = new Counter(`${name}_samples`);
  return {
    add(value, tags) {
      trend.add(value, tags);
      samples.add(1, tags);
    },
  };
}

/** Fallback scenarios for a hand run: a short warm-up and a short measured phase. */
export function handRunOptions(rate, thresholds) {
  return {
    scenarios: {
      warmup: { executor: "constant-arrival-rate", rate: 1, timeUnit: "1s", duration: "3s", preAllocatedVUs: 2, maxVUs: 4 },
      measure: { executor: "constant-arrival-rate", rate, timeUnit: "1s", duration: "20s", startTime: "3s", preAllocatedVUs: 4, maxVUs: 32 },
    },
    thresholds,
  };
}
