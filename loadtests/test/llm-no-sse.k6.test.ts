// A k6 without the SSE extension must not pass header time off as TTFT: it says so loudly, emits
// no TTFT/TPOT samples, and the count guard fails the run.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { runK6 } from "../runner/k6";
import { buildK6Options, scriptEnv } from "../runner/options";
import { parseSummaryExport } from "../runner/summary";
import { startTarget } from "../fixtures/llm-target/server";
import { requireK6, tempDir, writeJson } from "./helpers";

it("llm.js without k6/x/sse reports TTFT unavailable and fails its guards", async () => {
  const k6 = requireK6();
  const target = await startTarget({ ttftMs: 100, tpotMs: 10 });
  try {
    const dir = tempDir("nosse");
    const options = buildK6Options("llm", { measure: { rate: 4, duration: "2s", preAllocatedVUs: 4, maxVUs: 8 }, thresholds: { llm_ttft_ms: ["p(95)<1000"] } });
    const env = {
      ...scriptEnv({ llm: { baseUrl: target.url, model: target.config.model } }, { maxTokens: 8, inputWords: 8 }),
      GATE_OPTIONS: writeJson(dir, "options.json", options),
      // What the runner sets when `k6 version` lists no k6/x/sse; the fallback path is the same.
      LLM_NO_SSE: "true",
    };
    const file = path.join(dir, "summary.json");
    const run = await runK6(k6, ["--summary-export", file, path.join(REPO_ROOT, "loadtests", "llm.js")], env, undefined, 60);
    expect(run.code).toBe(99);
    expect(run.output).toContain("TTFT UNAVAILABLE");
    const raw = JSON.parse(readFileSync(file, "utf8"));
    const s = parseSummaryExport(raw);
    const failed = s.thresholds.filter((t) => !t.ok).map((t) => t.metric);
    expect(failed).toEqual(expect.arrayContaining(["llm_ttft_ms_samples{scenario:measure}", "llm_tpot_ms_samples{scenario:measure}"]));
    // k6 lets the empty TTFT Trend's threshold hold (false = not crossed): exactly why the guard
    // exists, and why the runner reads it as failed for want of data.
    expect(raw.metrics["llm_ttft_ms{scenario:measure}"].thresholds["p(95)<1000"]).toBe(false);
    expect(s.thresholds.find((t) => t.metric === "llm_ttft_ms{scenario:measure}")).toMatchObject({ ok: false, noData: true });
    // E2E and tokens are still real and recorded.
    expect(s.metrics["llm_e2e_ms_samples{scenario:measure}"].count).toBeGreaterThanOrEqual(6);
    expect(s.metrics["llm_output_tokens{scenario:measure}"].count).toBe(8 * s.metrics["llm_requests{scenario:measure}"].count);
  } finally {
    await target.close();
  }
});
