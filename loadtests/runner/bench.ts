// Capacity of the load generator: how many streamed chat requests per second k6 sustains on this
// machine against the local target while its measured TTFT stays within 5% of the configured one.
// Steps the arrival rate up (bounded), stops at the first step that misses, prints a table.
// The CLI is tools/bench-gate.ts (`npm run bench:gate`).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { startTarget } from "../fixtures/llm-target/server";
import { resolveK6, runK6 } from "./k6";
import { buildK6Options, scriptEnv } from "./options";
import { fmt } from "./report";
import { parseSummaryExport } from "./summary";

export interface BenchStep {
  rate: number;
  requests: number;
  ttftP50: number;
  ttftP95: number;
  tpotP50: number;
  dropped: number;
  ok: boolean;
}

/**
 * A step holds when k6 started every iteration on time, nothing failed, and both median and p95
 * TTFT are within `tolerance` of the configured value (p95 drifts first when the generator saturates).
 */
export function stepHolds(ttftP50: number, ttftP95: number, configured: number, dropped: number, errors: number, tolerance = 0.05): boolean {
  const near = (v: number) => Math.abs(v - configured) <= configured * tolerance;
  return dropped === 0 && errors === 0 && near(ttftP50) && near(ttftP95);
}

export interface BenchOptions {
  ttftMs: number;
  tpotMs: number;
  tokens: number;
  stepS: number;
  rates: number[];
}

/** Steps the arrival rate up against the local target and prints one line per step, then a table. */
export async function benchGenerator({ ttftMs, tpotMs, tokens, stepS, rates }: BenchOptions): Promise<BenchStep[]> {
  const k6 = resolveK6();
  const target = await startTarget({ ttftMs, tpotMs });
  const dir = mkdtempSync(path.join(tmpdir(), "gate-bench-"));
  const e2eS = (ttftMs + (tokens - 1) * tpotMs) / 1000;
  const steps: BenchStep[] = [];
  console.log(`target ${target.url}: TTFT ${ttftMs} ms, TPOT ${tpotMs} ms, ${tokens} tokens/request (E2E ${fmt(e2eS * 1000)} ms); ${stepS} s per step`);
  try {
    for (const rate of rates) {
      // In flight at once = rate x E2E; give k6 headroom so VU shortage is not what limits it.
      const inflight = Math.ceil(rate * e2eS);
      const options = buildK6Options("llm", {
        warmup: { rate: Math.max(1, Math.floor(rate / 2)), duration: "1s", preAllocatedVUs: inflight, maxVUs: inflight * 3 },
        measure: { rate, duration: `${stepS}s`, preAllocatedVUs: inflight * 2, maxVUs: inflight * 4 },
        // Loose thresholds only so k6 exports the measure-scenario sub-metrics; the verdict is stepHolds().
        thresholds: { llm_ttft_ms: ["p(95)<600000"], llm_tpot_ms: ["p(95)<600000"] },
      });
      const file = path.join(dir, `rate-${rate}.json`);
      const optFile = path.join(dir, `options-${rate}.json`);
      writeFileSync(optFile, JSON.stringify(options));
      const env = { ...scriptEnv({ llm: { baseUrl: target.url, model: target.config.model } }, { maxTokens: tokens, inputWords: 16 }), GATE_OPTIONS: optFile };
      await runK6(k6, ["--summary-export", file, path.join(REPO_ROOT, "loadtests", "llm.js")], env, undefined, stepS + 120);
      const s = parseSummaryExport(JSON.parse(readFileSync(file, "utf8")));
      const get = (m: string, k: string) => s.metrics[`${m}{scenario:measure}`]?.[k] ?? NaN;
      const dropped = get("dropped_iterations", "count") || 0;
      const errors = (get("llm_errors", "value") || 0) * get("llm_requests", "count");
      const step: BenchStep = {
        rate,
        requests: get("llm_requests", "count"),
        ttftP50: get("llm_ttft_ms", "med"),
        ttftP95: get("llm_ttft_ms", "p(95)"),
        tpotP50: get("llm_tpot_ms", "med"),
        dropped,
        ok: stepHolds(get("llm_ttft_ms", "med"), get("llm_ttft_ms", "p(95)"), ttftMs, dropped, errors),
      };
      steps.push(step);
      console.log(`rate ${rate}/s: TTFT p50 ${fmt(step.ttftP50)} ms, p95 ${fmt(step.ttftP95)} ms, dropped ${dropped} -> ${step.ok ? "holds" : "MISSES"}`);
      if (!step.ok) break;
    }
  } finally {
    await target.close();
  }
  const best = [...steps].reverse().find((s) => s.ok);
  console.log("\n| arrival rate (req/s) | concurrent streams | requests | TTFT p50 ms | TTFT p95 ms | TPOT p50 ms | dropped | within 5% |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const s of steps) {
    console.log(`| ${s.rate} | ~${Math.ceil(s.rate * e2eS)} | ${fmt(s.requests)} | ${fmt(s.ttftP50)} | ${fmt(s.ttftP95)} | ${fmt(s.tpotP50)} | ${s.dropped} | ${s.ok ? "yes" : "no"} |`);
  }
  console.log(`\nsustained: ${best ? `${best.rate} req/s (~${Math.ceil(best.rate * e2eS)} concurrent streams, ${best.rate * tokens} tokens/s)` : "none"}`);
  return steps;
}
