// The runner end to end: `npm run gate -- --stack test --endpoints <file> --profile <file>` on the
// real k6 against the local target, passing when the target meets the profile and failing, with
// the threshold named, when latency, errors or an empty metric break it.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { GateProfile, SERVICES } from "../runner/profile";
import { endpointsFor, gateAgainst, llmTestProfile, requireK6, runGateCli, TEST_SLO_FLAG, tempDir, writeJson } from "./helpers";

/** Every service, briefly: the whole pipeline of scripts, thresholds and reports in one pass. */
function allServicesProfile(): GateProfile {
  const quick = { warmup: { rate: 2, duration: "1s" }, measure: { rate: 10, duration: "2s", preAllocatedVUs: 4, maxVUs: 20 } };
  return {
    required: [...SERVICES],
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

    // No tokens: k6 passes the TTFT Trend with zero samples; the gate shows it as "no data" and
    // fails it, next to its count guard. Nothing reads "0 ms".
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("FAILED threshold [llm] llm_ttft_ms{scenario:measure}: p(95)<450 (no data: the metric got no samples)");
    expect(empty.stderr).toContain("FAILED threshold [llm] llm_tpot_ms{scenario:measure}: p(95)<40 (no data");
    expect(empty.stderr).toContain("FAILED threshold [llm] llm_ttft_ms_samples{scenario:measure}: count>=");
    expect(empty.stderr).toContain("llm_output_tokens{scenario:measure}: count>=");
    expect(empty.stdout).toMatch(/llm\s+\| FAILED\s+\| TTFT no data; TPOT no data\s+\|/);
    const ttftRow = empty.report!.services[0].thresholds.find((t) => t.metric === "llm_ttft_ms{scenario:measure}");
    expect(ttftRow).toEqual({ metric: "llm_ttft_ms{scenario:measure}", expression: "p(95)<450", ok: false, noData: true });
    expect(readFileSync(path.join(empty.out, "report.md"), "utf8")).toContain("| `llm_ttft_ms{scenario:measure}` | `p(95)<450` | no data | **no** |");
    const junit = readFileSync(path.join(empty.out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testcase classname="gate.llm" name="llm_ttft_ms_samples\{scenario:measure\} count&gt;=\d+"><failure/);
    expect(junit).toContain('name="llm_ttft_ms{scenario:measure} p(95)&lt;450"><failure message="p(95)&lt;450 not met: no data, the metric got no samples"/>');
  });

  it("fails the data API on 401s even though they are fast", async () => {
    const profile: GateProfile = { required: ["data-api"], services: { "data-api": { measure: { rate: 10, duration: "2s" }, thresholds: { data_api_ms: ["p(95)<500"] } } } };
    // The target wants a token and the gate sends none (ODS_API_TOKEN unset).
    const r = await gateAgainst({ apiToken: "expected-token" }, profile, ["--only", "data-api"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("FAILED threshold [data-api] data_api_errors{scenario:measure}: rate<0.05 (was 1)");
    expect(r.stderr).toContain("data_api_ms_samples{scenario:measure}: count>=16");
  });

  it("fails when a required service is not tested: no endpoint, or left out by --only", async () => {
    const dataApi = { measure: { rate: 10, duration: "2s" }, thresholds: { data_api_ms: ["p(95)<500"] } };
    const auth = { measure: { rate: 10, duration: "2s" }, thresholds: { auth_token_ms: ["p(95)<500"] } };
    const vector = { measure: { rate: 10, duration: "2s" }, workload: { dim: 8, rows: 50, queries: 5 }, thresholds: { vector_search_ms: ["p(95)<100"] } };
    const withoutMilvus = (t: Parameters<typeof endpointsFor>[0]) => ({ endpoints: { ...endpointsFor(t).endpoints, milvus: undefined } });
    const [noEndpoint, leftOut] = await Promise.all([
      gateAgainst({}, { required: ["data-api", "vector"], services: { "data-api": dataApi, vector } }, ["--only", "data-api,vector"], withoutMilvus),
      gateAgainst({}, { required: ["data-api", "auth"], services: { "data-api": dataApi, auth } }, ["--only", "data-api"]),
    ]);

    expect(noEndpoint.code).toBe(1);
    expect(noEndpoint.report?.services.map((s) => [s.service, s.status])).toEqual([["data-api", "passed"], ["vector", "missing"]]);
    expect(noEndpoint.stdout).toMatch(/gate test: FAILED \(required but not tested: vector\)/);
    expect(noEndpoint.stdout).toMatch(/vector\s+\| MISSING\s+\| -\s+\| required, but no endpoint: milvus/);
    expect(noEndpoint.stderr).toContain("MISSING [vector] required, but no endpoint: milvus");
    expect(readFileSync(path.join(noEndpoint.out, "junit.xml"), "utf8")).toContain('name="vector required"><failure message="required service not tested: required, but no endpoint: milvus"/>');

    // --only narrows the run, never the requirement: the run cannot vouch for what it left out.
    expect(leftOut.code).toBe(1);
    expect(leftOut.report?.services.map((s) => [s.service, s.status, s.reason])).toEqual([
      ["data-api", "passed", undefined],
      ["auth", "missing", "required, but left out by --only"],
    ]);
  });

  it("passes with an optional service skipped when every required one passed", async () => {
    const profile: GateProfile = {
      required: ["data-api"],
      services: {
        "data-api": { measure: { rate: 10, duration: "2s" }, thresholds: { data_api_ms: ["p(95)<500"] } },
        auth: { measure: { rate: 10, duration: "2s" }, thresholds: { auth_token_ms: ["p(95)<500"] } },
      },
    };
    const r = await gateAgainst({}, profile, ["--only", "data-api,auth"], (t) => ({ endpoints: { dataApi: { baseUrl: t.url } } }));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.report?.services.map((s) => [s.service, s.status])).toEqual([["data-api", "passed"], ["auth", "skipped"]]);
    expect(r.report?.required).toEqual(["data-api"]);
  });

  it("prints its options with --help", async () => {
    const r = await runGateCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run gate -- --stack NAME/);
    for (const flag of ["--stack NAME", "--only SERVICES", "--endpoints FILE", "--profile FILE", "--slo percentile=P,ttftMs=N,tpotMs=N,goodput=G", "--out DIR", "--no-dashboard", "--help"]) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain("--only narrows the run, never the requirement");
    expect(r.stderr).toBe("");
  });

  it("reports services without endpoints as skipped and fails when nothing ran", async () => {
    const dir = tempDir("skip");
    const r = await runGateCli(["--stack", "test", "--endpoints", writeJson(dir, "e.json", {}), "--profile", writeJson(dir, "p.json", { ...llmTestProfile(), required: [] }), "--out", dir, "--no-dashboard", "--slo", TEST_SLO_FLAG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/llm\s+\|\s+SKIPPED\s+\|.*no endpoint: llm/);
    expect(r.stderr).toContain("nothing was tested");
  });
});
