// The runner end to end: `npm run gate -- --stack test --endpoints <file> --profile <file>` on the
// real k6 against the local target, passing when the target meets the profile and failing, with
// the threshold named, when latency, errors or an empty metric break it.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Endpoints } from "../runner/endpoints";
import { GateProfile } from "../runner/profile";
import { GateReport } from "../runner/report";
import { startTarget, Target, TargetConfig } from "../fixtures/llm-target/server";
import { llmTestProfile, requireK6, runGateCli, tempDir, writeJson } from "./helpers";

function endpointsFor(t: Target): { endpoints: Endpoints } {
  return {
    endpoints: {
      llm: { baseUrl: t.url, model: t.config.model, metricsUrl: `${t.url}/metrics` },
      dataApi: { baseUrl: t.url },
      agentApi: { baseUrl: t.url },
      milvus: { baseUrl: t.url },
      keycloak: { tokenUrl: `${t.url}/realms/ods/protocol/openid-connect/token`, clientId: t.config.clientId },
    },
  };
}

/** Every service, briefly: the whole pipeline of scripts, thresholds and reports in one pass. */
function allServicesProfile(): GateProfile {
  const quick = { warmup: { rate: 2, duration: "1s" }, measure: { rate: 10, duration: "2s", preAllocatedVUs: 4, maxVUs: 20 } };
  return {
    services: {
      smoke: { measure: {}, thresholds: {} },
      llm: llmTestProfile({ duration: "2s" }).services.llm!,
      "data-api": { ...quick, thresholds: { data_api_ms: ["p(95)<500"] } },
      "agent-api": { ...quick, thresholds: { agent_rag_ms: ["p(95)<2000"], agent_sql_ms: ["p(95)<2000"] } },
      vector: { ...quick, workload: { dim: 16, rows: 300, queries: 20 }, thresholds: { vector_search_ms: ["p(95)<100", "p(99)<200"], vector_recall_at_10: ["avg>=0.9"] } },
      auth: { ...quick, thresholds: { auth_token_ms: ["p(95)<500"] } },
    },
  };
}

async function gateAgainst(config: Partial<TargetConfig>, profile: GateProfile, extraArgs: string[] = []) {
  const target = await startTarget(config);
  try {
    const dir = tempDir("cli");
    const out = path.join(dir, "out");
    const res = await runGateCli(
      ["--stack", "test", "--endpoints", writeJson(dir, "endpoints.json", endpointsFor(target)), "--profile", writeJson(dir, "profile.json", profile), "--out", out, "--no-dashboard", ...extraArgs],
      // ODS_API_TOKEN blanked so a developer's own token cannot change what the target sees.
      { KEYCLOAK_CLIENT_SECRET: target.config.clientSecret, ODS_API_TOKEN: "" },
    );
    const reportFile = path.join(out, "summary.json");
    const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, "utf8")) as GateReport) : null;
    return { ...res, out, report };
  } finally {
    await target.close();
  }
}

beforeAll(() => {
  requireK6();
});

describe("gate CLI", () => {
  it("passes every service when the target meets the profile, and writes the reports", async () => {
    const r = await gateAgainst({ ttftMs: 300, tpotMs: 20 }, allServicesProfile());
    expect({ code: r.code, stderr: r.code === 0 ? "" : r.stderr + r.stdout.slice(-3000) }).toEqual({ code: 0, stderr: "" });
    expect(r.report?.services.map((s) => [s.service, s.status])).toEqual([
      ["smoke", "passed"], ["llm", "passed"], ["data-api", "passed"], ["agent-api", "passed"], ["vector", "passed"], ["auth", "passed"],
    ]);
    expect(r.stdout).toMatch(/gate test: PASSED/);
    const llm = r.report!.services.find((s) => s.service === "llm")!;
    // Server-side numbers from the target's vLLM-style histograms sit next to the client's.
    expect(llm.server?.requests).toBeGreaterThan(0);
    expect(llm.server?.ttftP50Ms).toBeGreaterThan(250);
    expect(llm.server?.ttftP50Ms).toBeLessThan(500);
    const recall = r.report!.services.find((s) => s.service === "vector")!.metrics["vector_recall_at_10{scenario:measure}"];
    expect(recall?.avg).toBe(1); // exact search on the target: recall must be perfect
    const junit = readFileSync(path.join(r.out, "junit.xml"), "utf8");
    expect(junit).toContain('<testsuite name="gate.llm"');
    expect(junit).not.toContain("<failure");
    expect(readFileSync(path.join(r.out, "report.md"), "utf8")).toContain("# Performance gate: test — PASSED");
  });

  // The failing cases are independent targets and runs, so they run side by side to save time.
  it("fails naming the threshold when TTFT, error rate or tokens break the profile", async () => {
    const profile = llmTestProfile();
    const [slow, erroring, empty] = await Promise.all([
      gateAgainst({ ttftMs: 600, tpotMs: 20 }, profile, ["--only", "llm"]),
      gateAgainst({ ttftMs: 300, tpotMs: 20, errorRate: 0.3 }, profile, ["--only", "llm"]),
      gateAgainst({ ttftMs: 300, tpotMs: 20, noTokens: true }, profile, ["--only", "llm"]),
    ]);

    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain("FAILED threshold [llm] llm_ttft_ms{scenario:measure}: p(95)<450");
    expect(slow.stderr).not.toContain("llm_tpot_ms{scenario:measure}: p(95)<40");

    expect(erroring.code).toBe(1);
    expect(erroring.stderr).toContain("FAILED threshold [llm] llm_errors{scenario:measure}: rate<0.05");

    // No tokens: the TTFT Trend alone would pass with zero samples; its count guard must not.
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("FAILED threshold [llm] llm_ttft_ms_samples{scenario:measure}: count>=");
    expect(empty.stderr).toContain("llm_output_tokens{scenario:measure}: count>=");
    const junit = readFileSync(path.join(empty.out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testcase classname="gate.llm" name="llm_ttft_ms_samples\{scenario:measure\} count&gt;=\d+"><failure/);
  });

  it("fails the data API on 401s even though they are fast", async () => {
    const profile: GateProfile = { services: { "data-api": { measure: { rate: 10, duration: "2s" }, thresholds: { data_api_ms: ["p(95)<500"] } } } };
    // The target wants a token and the gate sends none (ODS_API_TOKEN unset).
    const r = await gateAgainst({ apiToken: "expected-token" }, profile, ["--only", "data-api"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAILED threshold [data-api] data_api_errors{scenario:measure}: rate<0.05 (was 1)");
    expect(r.stderr).toContain("data_api_ms_samples{scenario:measure}: count>=16");
  });

  it("reports services without endpoints as skipped and fails when nothing ran", async () => {
    const dir = tempDir("skip");
    const r = await runGateCli(["--stack", "test", "--endpoints", writeJson(dir, "e.json", {}), "--profile", writeJson(dir, "p.json", llmTestProfile()), "--out", dir, "--no-dashboard"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/llm\s+\|\s+SKIPPED\s+\|.*no endpoint: llm/);
    expect(r.stderr).toContain("nothing was tested");
  });
});
