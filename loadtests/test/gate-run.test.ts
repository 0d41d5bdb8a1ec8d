// The runner's bookkeeping around k6, with a stand-in k6 (a shell script) so each case is exact:
// files left by an earlier run in the same --out folder are never read as this run's, a broken run
// shows no numbers, and required services that were not tested fail the gate.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runGate } from "../runner/gate";
import { GateProfile } from "../runner/profile";
import { headline, verdictTable } from "../runner/report";
import { TEST_SLO, tempDir, writeJson } from "./helpers";

/** An export k6 could have written for a passing llm run. */
const PASSING_EXPORT = {
  metrics: {
    "llm_ttft_ms{scenario:measure}": { avg: 301, min: 299, med: 300, max: 320, "p(90)": 305, "p(95)": 310, "p(99)": 318, count: 12, thresholds: { "p(95)<450": false } },
    "llm_ttft_ms_samples{scenario:measure}": { count: 12, rate: 3, thresholds: { "count>=9": false } },
  },
};

/**
 * A k6 stand-in: `version` lists k6/x/sse; `run` prints a line, copies `summary` (if given) to the
 * --summary-export path and exits with `code`.
 */
function fakeK6(dir: string, code: number, summary?: string): string {
  const bin = path.join(dir, "k6");
  writeFileSync(
    bin,
    [
      "#!/usr/bin/env bash",
      'if [ "$1" = version ]; then echo "k6 v1.8.1 (stand-in)"; echo "  k6/x/sse"; exit 0; fi',
      'out=""; while [ $# -gt 0 ]; do if [ "$1" = --summary-export ]; then out="$2"; fi; shift; done',
      `echo "stand-in k6 exiting ${code}"`,
      summary ? `cp ${JSON.stringify(summary)} "$out"` : "",
      `exit ${code}`,
      "",
    ].join("\n"),
  );
  chmodSync(bin, 0o755);
  return bin;
}

const llmOnly: GateProfile = {
  required: ["llm"],
  services: { llm: { measure: { rate: 4, duration: "3s" }, workload: { maxTokens: 8 }, thresholds: {} } },
};
const endpoints = { llm: { baseUrl: "http://127.0.0.1:9", model: "m" } };

describe("runGate with a stand-in k6", () => {
  it("never reads an earlier run's files: a crash without a summary is an error with no numbers", async () => {
    const dir = tempDir("stale");
    // Left by an earlier, passing run in the same folder, plus a file of the user's own.
    writeJson(dir, "llm.summary.json", PASSING_EXPORT);
    writeJson(dir, "vector.summary.json", PASSING_EXPORT);
    writeFileSync(path.join(dir, "report.md"), "# Performance gate: test — PASSED\n");
    writeJson(dir, "endpoints.json", { endpoints });

    const report = await runGate({ stack: "test", profile: llmOnly, endpoints, k6: fakeK6(tempDir("bin"), 3), outDir: dir, slo: TEST_SLO });
    const llm = report.services.find((s) => s.service === "llm")!;
    expect(llm).toMatchObject({ service: "llm", status: "error", thresholds: [], metrics: {}, k6ExitCode: 3 });
    expect(llm.reason).toBe("k6 exited 3 without a summary: stand-in k6 exiting 3");
    expect(headline(llm)).toBe("-");
    expect(verdictTable(report)).not.toMatch(/p50|thresholds ok/);
    expect(report.passed).toBe(false);
    expect(existsSync(path.join(dir, "llm.summary.json"))).toBe(false);
    expect(existsSync(path.join(dir, "vector.summary.json"))).toBe(false);
    expect(readFileSync(path.join(dir, "report.md"), "utf8")).toContain("# Performance gate: test — FAILED");
    expect(existsSync(path.join(dir, "endpoints.json"))).toBe(true); // not a gate file: left alone
  });

  it("shows no numbers for a run that broke after writing a summary (exit 107)", async () => {
    const dir = tempDir("broken");
    const summary = writeJson(tempDir("src"), "export.json", PASSING_EXPORT);
    const report = await runGate({ stack: "test", profile: llmOnly, endpoints, k6: fakeK6(tempDir("bin"), 107, summary), outDir: dir, slo: TEST_SLO });
    expect(report.services.find((s) => s.service === "llm")).toMatchObject({ status: "error", reason: "k6 exited 107: stand-in k6 exiting 107", thresholds: [], metrics: {} });
    // The partial summary stays on disk for diagnosis; it is this run's, not an earlier one's.
    expect(existsSync(path.join(dir, "llm.summary.json"))).toBe(true);
  });

  it("passes a clean run, and fails when a required service has no profile entry", async () => {
    const summary = writeJson(tempDir("src"), "export.json", PASSING_EXPORT);
    const k6 = fakeK6(tempDir("bin"), 0, summary);
    const ok = await runGate({ stack: "test", profile: llmOnly, endpoints, k6, outDir: tempDir("ok"), slo: TEST_SLO });
    expect(Object.fromEntries(ok.services.map((s) => [s.service, s.status]))).toEqual({ smoke: "skipped", llm: "passed", "data-api": "skipped", "agent-api": "skipped", vector: "skipped", auth: "skipped" });
    expect(ok.passed).toBe(true);

    // parseProfile rejects this shape; a profile built in code still cannot slip past the gate.
    const noEntry: GateProfile = { ...llmOnly, required: ["llm", "auth"] };
    const bad = await runGate({ stack: "test", profile: noEntry, endpoints, k6, outDir: tempDir("noentry"), slo: TEST_SLO });
    expect(bad.services.find((s) => s.service === "auth")).toMatchObject({ status: "missing", reason: 'required, but no "auth" entry in the gate profile' });
    expect(bad.passed).toBe(false);
  });

  it("runs the llm service with the SLO's thresholds, and never without an SLO", async () => {
    const summary = writeJson(tempDir("src"), "export.json", PASSING_EXPORT);
    const k6 = fakeK6(tempDir("bin"), 0, summary);
    const dir = tempDir("slo");
    await runGate({ stack: "test", profile: llmOnly, endpoints, k6, outDir: dir, slo: TEST_SLO });
    const options = JSON.parse(readFileSync(path.join(dir, "llm.options.json"), "utf8"));
    expect(options.thresholds["llm_ttft_ms{scenario:measure}"]).toEqual(["p(95)<450"]);
    expect(options.thresholds["llm_tpot_ms{scenario:measure}"]).toEqual(["p(95)<40"]);
    expect(options.thresholds["llm_e2e_ms{scenario:measure}"]).toEqual(["p(95)<730"]);
    expect(options.thresholds["llm_slo_ok{scenario:measure}"]).toEqual(["rate>=0.9"]);

    const none = await runGate({ stack: "test", profile: llmOnly, endpoints, k6, outDir: tempDir("noslo") });
    expect(none.services.find((s) => s.service === "llm")).toMatchObject({ status: "error", reason: "no LLM SLO given (the stack's ods:model.slo, or --slo)" });
    expect(none.passed).toBe(false);

    // A profile built in code that carries its own SLO numbers is refused too, not merged.
    const own: GateProfile = { ...llmOnly, services: { llm: { ...llmOnly.services.llm!, thresholds: { llm_ttft_ms: ["p(95)<9999"] } } } };
    const refused = await runGate({ stack: "test", profile: own, endpoints, k6, outDir: tempDir("own"), slo: TEST_SLO });
    expect(refused.services.find((s) => s.service === "llm")?.reason).toMatch(/^services\.llm\.thresholds\["llm_ttft_ms"\]: a gate profile must not set it; the LLM SLO lives in stacks\/Pulumi\.<stack>\.yaml under ods:model\.slo/);
    expect(refused.passed).toBe(false);
  });
});
