// Runs loadtests/llm.js on the real k6 against the local target with known latencies and checks
// that what k6 measures matches what the target did.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { runK6 } from "../runner/k6";
import { buildK6Options, scriptEnv } from "../runner/options";
import { parseSummaryExport } from "../runner/summary";
import { startTarget, Target } from "../fixtures/llm-target/server";
import { requireK6, tempDir, writeJson } from "./helpers";

const TTFT_MS = 300;
const TPOT_MS = 20;
const MAX_TOKENS = 16;

describe("llm.js against a target with TTFT 300 ms / TPOT 20 ms", () => {
  let target: Target;
  let summary: ReturnType<typeof parseSummaryExport>;
  let code: number;
  let output: string;

  beforeAll(async () => {
    const k6 = requireK6();
    target = await startTarget({ ttftMs: TTFT_MS, tpotMs: TPOT_MS });
    const dir = tempDir("accuracy");
    // No warm-up here, so every request the target served is one k6 measured.
    const options = buildK6Options("llm", {
      measure: { rate: 4, duration: "4s", preAllocatedVUs: 4, maxVUs: 16 },
      workload: { maxTokens: MAX_TOKENS },
      thresholds: { llm_ttft_ms: ["p(95)<1000"] },
    });
    const env = {
      ...scriptEnv({ llm: { baseUrl: target.url, model: target.config.model } }, { maxTokens: MAX_TOKENS, inputWords: 16 }),
      GATE_OPTIONS: writeJson(dir, "options.json", options),
    };
    const summaryFile = path.join(dir, "summary.json");
    const run = await runK6(k6, ["--summary-export", summaryFile, path.join(REPO_ROOT, "loadtests", "llm.js")], env, undefined, 60);
    code = run.code;
    output = run.output;
    summary = parseSummaryExport(JSON.parse(readFileSync(summaryFile, "utf8")));
  });

  afterAll(async () => {
    await target?.close();
  });

  const m = (name: string) => summary.metrics[`${name}{scenario:measure}`] ?? summary.metrics[name];

  it("passes its thresholds (k6 exit 0)", () => {
    expect({ code, tail: code === 0 ? "" : output.slice(-2000) }).toEqual({ code: 0, tail: "" });
  });

  it("measures TTFT within 10% of the configured 300 ms", () => {
    const med = m("llm_ttft_ms").med;
    expect(med).toBeGreaterThanOrEqual(TTFT_MS * 0.9);
    expect(med).toBeLessThanOrEqual(TTFT_MS * 1.1);
  });

  it("measures TPOT within 10% of the configured 20 ms", () => {
    const med = m("llm_tpot_ms").med;
    expect(med).toBeGreaterThanOrEqual(TPOT_MS * 0.9);
    expect(med).toBeLessThanOrEqual(TPOT_MS * 1.1);
  });

  it("counts exactly the tokens the target sent", () => {
    const requests = m("llm_requests").count;
    expect(requests).toBeGreaterThanOrEqual(14); // 4/s for 4 s
    expect(m("llm_output_tokens").count).toBe(requests * MAX_TOKENS);
    expect(m("llm_output_tokens").count).toBe(target.stats().tokensSent);
    expect(target.stats().chatRequests).toBe(requests);
  });

  it("reports E2E as TTFT + (tokens - 1) x TPOT", () => {
    const expected = TTFT_MS + (MAX_TOKENS - 1) * TPOT_MS;
    expect(m("llm_e2e_ms").med).toBeGreaterThanOrEqual(expected * 0.95);
    expect(m("llm_e2e_ms").med).toBeLessThanOrEqual(expected * 1.1);
  });
});
