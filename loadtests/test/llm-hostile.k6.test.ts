// Servers that lie or misbehave, through the real k6 and the gate CLI: token counts and TPOT come
// from the stream, not from the server's usage figure; a stream with no decode time fails; an SSE
// line that never ends fails the request at maxEventBytes with k6's memory bounded.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { buildK6Options, scriptEnv } from "../runner/options";
import { parseSummaryExport } from "../runner/summary";
import { startTarget, TargetConfig } from "../fixtures/llm-target/server";
import { gateAgainst, llmTestProfile, requireK6, runK6Measured, tempDir, writeJson } from "./helpers";

beforeAll(() => {
  requireK6();
});

const ERRORS_FAILED = "FAILED threshold [llm] llm_errors{scenario:measure}: rate<0.05 (was 1)";

describe("llm.js against hostile servers (gate CLI, real k6)", () => {
  // Independent targets and runs, all expected to fail: side by side to save time.
  it("fails every request whose stream does not back up its usage or shows no decode time", async () => {
    const profile = llmTestProfile(); // 8 tokens per request, TTFT 300 ms / TPOT 20 ms on the target
    const run = (config: Partial<TargetConfig>, p = profile) => gateAgainst({ ttftMs: 300, tpotMs: 20, ...config }, p, ["--only", "llm"]);
    const [oneChunk, inflated, burst, tinyCap, noUsage, early] = await Promise.all([
      // Every token's text in one chunk; usage truthfully says 8. Before: TPOT ~0 ms and a pass.
      run({ stream: "one-chunk" }),
      // Paced tokens, but usage claims 64. Before: 64 tokens counted and TPOT 8x too small.
      run({ usageTokens: 64 }),
      // One chunk per token, all in one write (a buffering proxy or a replay).
      run({ stream: "burst" }),
      // A normal stream, but the profile caps SSE lines below a chunk's size.
      run({}, llmTestProfile({ workload: { maxEventBytes: 64 } })),
      // Paced tokens, but no usage although the request asked for it: the count cannot be checked.
      run({ omitUsage: true }),
      // Paced tokens with a truthful usage, but 4 of the 8 asked for with ignore_eos.
      run({ maxOutputTokens: 4 }),
    ]);

    for (const r of [oneChunk, inflated, burst, tinyCap, noUsage, early]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(ERRORS_FAILED);
    }
    expect(oneChunk.log("llm")).toContain("token count mismatch: the stream carried 1 token chunks, usage.completion_tokens says 8 (allowed difference 1, tokenTolerance 0.1)");
    expect(inflated.log("llm")).toContain("token count mismatch: the stream carried 8 token chunks, usage.completion_tokens says 64 (allowed difference 6, tokenTolerance 0.1)");
    expect(burst.log("llm")).toMatch(/no decode time: 8 tokens arrived within 0\.\d{3} ms \(TPOT 0\.\d{4} ms < minTpotMs 0\.1\); the stream was buffered or replayed, not generated/);
    expect(tinyCap.log("llm")).toContain("sse: line longer than 64 bytes (maxEventBytes); stream abandoned");
    expect(noUsage.log("llm")).toContain("the stream carried no usage although stream_options.include_usage asked for it");
    expect(early.log("llm")).toContain("short answer: asked for exactly 8 tokens (ignore_eos), the stream carried 4 token chunks (allowed difference 1)");
    // Failed requests add no latency or token samples: nothing reads "TPOT 0 ms".
    for (const r of [oneChunk, inflated, burst]) {
      const llm = r.report!.services.find((s) => s.service === "llm")!;
      expect(llm.metrics["llm_output_tokens{scenario:measure}"].count).toBe(0);
      expect(llm.thresholds.find((t) => t.metric === "llm_tpot_ms{scenario:measure}")).toMatchObject({ ok: false, noData: true });
    }
  });

  it("accepts a usage figure within the tolerance, and still counts and times what was streamed", async () => {
    // usage says 9 for 8 streamed tokens: a tokenizer merging two chunks looks like this.
    const r = await gateAgainst({ ttftMs: 300, tpotMs: 20, usageTokens: 9 }, llmTestProfile(), ["--only", "llm"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const m = r.report!.services.find((s) => s.service === "llm")!.metrics;
    const requests = m["llm_requests{scenario:measure}"].count;
    expect(m["llm_output_tokens{scenario:measure}"].count).toBe(8 * requests); // not 9 x requests
    // TPOT over the 7 observed gaps of 20 ms, not over 8 claimed ones (which would read 17.5 ms).
    expect(m["llm_tpot_ms{scenario:measure}"].med).toBeGreaterThanOrEqual(20 * 0.95);
    expect(m["llm_tpot_ms{scenario:measure}"].med).toBeLessThanOrEqual(20 * 1.1);
  });
});

describe("an SSE line that never ends (k6 run, real k6)", () => {
  it("fails each request at maxEventBytes, stops reading, and keeps k6's memory near a normal run's", async () => {
    const k6 = requireK6();
    const MiB = 1024 * 1024;
    // Each endless response would send 64 MiB: the k6 before the cap held all of it (a 424 MiB
    // peak for this run; 1.8 GB with 256 MiB lines).
    const [normal, endless] = await Promise.all([startTarget({ ttftMs: 100, tpotMs: 10 }), startTarget({ stream: "endless-line", endlessLineMib: 64 })]);
    try {
      const run = (url: string) => {
        const dir = tempDir("endless");
        const options = buildK6Options("llm", { measure: { rate: 2, duration: "2s", preAllocatedVUs: 2, maxVUs: 4 }, thresholds: { iteration_duration: ["max<60000"] } });
        const env = { ...scriptEnv({ llm: { baseUrl: url, model: "sim-model" } }, { maxTokens: 8, inputWords: 8 }), GATE_OPTIONS: writeJson(dir, "options.json", options) };
        const file = path.join(dir, "summary.json");
        return runK6Measured(k6, ["--summary-export", file, path.join(REPO_ROOT, "loadtests", "llm.js")], env).then((r) => ({ ...r, summary: parseSummaryExport(JSON.parse(readFileSync(file, "utf8"))) }));
      };
      const [base, hostile] = await Promise.all([run(normal.url), run(endless.url)]);
      expect(base.code).toBe(0);
      expect(hostile.code).toBe(99);
      expect(hostile.output).toContain("sse: line longer than 1048576 bytes (maxEventBytes); stream abandoned");

      const m = (name: string) => hostile.summary.metrics[`${name}{scenario:measure}`];
      const requests = m("llm_requests").count;
      expect(requests).toBeGreaterThanOrEqual(4);
      expect(m("llm_errors").passes).toBe(requests); // every request failed
      // Fails fast: a request ends once 1 MiB has arrived, not when the server stops.
      expect(m("iteration_duration").max).toBeLessThan(250);
      // Stops reading: what the target got into the socket is the cap plus socket buffers (about
      // 3-4 MiB measured), far from the 64 MiB each response would send.
      expect(endless.stats().endlessLineBytes / requests).toBeLessThan(8 * MiB);
      // Bounded: within 32 MiB of the same run against an honest server (measured: +4.5 MiB; the
      // slack is Go's GC headroom over a few 1 MiB buffers per VU).
      expect(hostile.peakRssKiB - base.peakRssKiB).toBeLessThan(32 * 1024);
    } finally {
      await Promise.all([normal.close(), endless.close()]);
    }
  });
});
