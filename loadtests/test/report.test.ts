import { parseEndpoints } from "../runner/endpoints";
import { parseGateArgs as parseArgs } from "../../tools/gate";
import { resolveK6 } from "../runner/k6";
import { gatePassed, GateReport, headline, ServiceVerdict, statusFrom, toJUnit, toMarkdown, verdictTable, xmlEscape } from "../runner/report";
import { aggregationOf, parseSummaryExport, sampleCount } from "../runner/summary";

const exported = {
  metrics: {
    "llm_ttft_ms{scenario:measure}": { avg: 610, med: 600, "p(95)": 640, thresholds: { "p(95)<450": true } },
    "llm_ttft_ms_samples{scenario:measure}": { count: 12, rate: 3, thresholds: { "count>=9": false } },
    "llm_errors{scenario:measure}": { passes: 0, fails: 12, value: 0, thresholds: { "rate<0.05": false } },
    iterations: { count: 12, rate: 3 },
  },
};

// What k6 v1.8.1 exports for metrics that got no samples, and says about their thresholds.
const empty = {
  metrics: {
    "llm_ttft_ms{scenario:measure}": { avg: 0, min: 0, med: 0, max: 0, "p(95)": 0, count: 0, thresholds: { "p(95)<450": false } },
    "llm_errors{scenario:measure}": { passes: 0, fails: 0, value: 0, thresholds: { "rate<0.05": false } },
    "dropped_iterations{scenario:measure}": { count: 0, rate: 0, thresholds: { "count<=0": false } },
    "llm_output_tokens{scenario:measure}": { count: 0, rate: 0, thresholds: { "count>=9": true } },
  },
};

describe("summary export", () => {
  it("reads threshold verdicts (true = crossed) with the value tested", () => {
    const s = parseSummaryExport(exported);
    expect(s.thresholds).toEqual([
      { metric: "llm_errors{scenario:measure}", expression: "rate<0.05", ok: true, actual: 0 },
      { metric: "llm_ttft_ms_samples{scenario:measure}", expression: "count>=9", ok: true, actual: 12 },
      { metric: "llm_ttft_ms{scenario:measure}", expression: "p(95)<450", ok: false, actual: 640 },
    ]);
    expect(s.metrics.iterations.count).toBe(12);
    expect(() => parseSummaryExport({})).toThrow(/missing "metrics"/);
  });

  it("fails a Trend or Rate threshold whose metric got no samples, which k6 lets pass", () => {
    const t = parseSummaryExport(empty).thresholds;
    expect(t.find((x) => x.metric.startsWith("llm_ttft_ms"))).toEqual({ metric: "llm_ttft_ms{scenario:measure}", expression: "p(95)<450", ok: false, noData: true });
    expect(t.find((x) => x.metric.startsWith("llm_errors"))).toEqual({ metric: "llm_errors{scenario:measure}", expression: "rate<0.05", ok: false, noData: true });
    // A Counter's 0 is a measurement: no dropped iterations passes, no tokens fails on its own.
    expect(t.find((x) => x.metric.startsWith("dropped_iterations"))).toEqual({ metric: "dropped_iterations{scenario:measure}", expression: "count<=0", ok: true, actual: 0 });
    expect(t.find((x) => x.metric.startsWith("llm_output_tokens"))?.ok).toBe(false);
  });

  it("counts samples of Trends and Rates only", () => {
    expect(sampleCount({ avg: 5, "p(95)": 9, count: 3 })).toBe(3);
    expect(sampleCount({ passes: 2, fails: 1, value: 0.66 })).toBe(3);
    expect(sampleCount({ count: 0, rate: 0 })).toBeUndefined();
  });

  it("knows which aggregate an expression tests", () => {
    expect(aggregationOf("p(99.9)<200")).toBe("p(99.9)");
    expect(aggregationOf("count>=10")).toBe("count");
    expect(aggregationOf("rate==0")).toBe("rate");
  });
});

function verdict(partial: Partial<ServiceVerdict> & Pick<ServiceVerdict, "service" | "status">): ServiceVerdict {
  return { thresholds: [], metrics: {}, ...partial };
}

describe("verdicts", () => {
  it("maps k6 exit codes: 0 passed, 99 thresholds failed, anything else an error", () => {
    const ok = [{ metric: "m", expression: "count>=1", ok: true }];
    expect(statusFrom(0, ok)).toBe("passed");
    expect(statusFrom(99, [{ ...ok[0], ok: false }])).toBe("failed");
    expect(statusFrom(107, [])).toBe("error");
  });

  it("never passes on skipped services alone, nor with a required service missing", () => {
    expect(gatePassed([verdict({ service: "llm", status: "skipped" })])).toBe(false);
    expect(gatePassed([verdict({ service: "llm", status: "passed" }), verdict({ service: "vector", status: "missing" })])).toBe(false);
    expect(gatePassed([verdict({ service: "llm", status: "passed" }), verdict({ service: "vector", status: "skipped" })])).toBe(true);
    expect(gatePassed([verdict({ service: "llm", status: "passed" }), verdict({ service: "auth", status: "error" })])).toBe(false);
  });

  const report: GateReport = {
    stack: "dev",
    startedAt: "2026-11-01T00:00:00Z",
    passed: false,
    required: ["llm", "auth"],
    services: [
      verdict({ service: "llm", status: "failed", ...parseSummaryExport(exported), durationS: 12 }),
      verdict({ service: "vector", status: "skipped", reason: "no endpoint: milvus" }),
      verdict({ service: "auth", status: "missing", reason: "required, but no endpoint: keycloak" }),
    ],
  };

  it("shows no data, not 0 ms, for a metric nothing was measured for", () => {
    const v = verdict({ service: "llm", status: "failed", ...parseSummaryExport(empty) });
    expect(headline(v)).toBe("TTFT no data; TPOT no data");
    expect(headline(verdict({ service: "llm", status: "failed", ...parseSummaryExport(exported) }))).toBe("TTFT p50 600 / p95 640 ms; TPOT no data");
    const md = toMarkdown({ ...report, services: [v] });
    expect(md).toContain("| `llm_ttft_ms{scenario:measure}` | `p(95)<450` | no data | **no** |");
    expect(md).not.toMatch(/p50 0 /);
  });

  it("shows no numbers for a run that did not reach a verdict", () => {
    // Even if metrics were attached, an error, skip or missing service has nothing to show.
    const stale = parseSummaryExport(exported);
    for (const status of ["error", "skipped", "missing"] as const) expect(headline(verdict({ service: "llm", status, ...stale }))).toBe("-");
  });

  it("prints one table naming the failed threshold and the skipped reason", () => {
    const t = verdictTable(report);
    expect(t.split("\n")[0]).toMatch(/^gate dev: FAILED/);
    expect(t).toMatch(/llm\s+\| FAILED\s+\| TTFT p50 600 \/ p95 640 ms; TPOT no data\s+\| failed: llm_ttft_ms\{scenario:measure\}: p\(95\)<450 \(was 640\)/);
    expect(t).toMatch(/vector\s+\| SKIPPED .*no endpoint: milvus/);
  });

  it("names required services that were not tested in the verdict line and the table", () => {
    const t = verdictTable(report);
    expect(t.split("\n")[0]).toBe("gate dev: FAILED (required but not tested: auth)");
    expect(t).toMatch(/auth\s+\| MISSING\s+\| -\s+\| required, but no endpoint: keycloak/);
    expect(toMarkdown(report)).toContain("Required services: llm, auth.");
    expect(toJUnit(report)).toContain('<testsuite name="gate.auth" tests="1" failures="1" errors="0" skipped="0" time="0.0">');
  });

  it("writes JUnit with one case per threshold, failures and skips marked", () => {
    const x = toJUnit(report);
    expect(x).toContain('<testsuite name="gate.llm" tests="3" failures="1" errors="0" skipped="0" time="12.0">');
    expect(x).toContain('name="llm_ttft_ms{scenario:measure} p(95)&lt;450"><failure message="p(95)&lt;450 not met: 640"/>');
    expect(x).toContain('<skipped message="no endpoint: milvus"/>');
    expect(xmlEscape(`a<b & "c"`)).toBe("a&lt;b &amp; &quot;c&quot;");
  });

  it("writes a Markdown report with the verdict and per-threshold rows", () => {
    const md = toMarkdown(report);
    expect(md).toContain("# Performance gate: dev — FAILED");
    expect(md).toContain("| `llm_ttft_ms{scenario:measure}` | `p(95)<450` | 640 | **no** |");
  });
});

describe("CLI arguments and inputs", () => {
  it("parses flags and defaults the profile and output dir from the stack", () => {
    const a = parseArgs(["--stack", "dev", "--only", "llm,vector", "--no-dashboard"]);
    expect(a.only).toEqual(["llm", "vector"]);
    expect(a.profile).toMatch(/loadtests[/\\]profiles[/\\]dev\.json$/);
    expect(a.out).toMatch(/out[/\\]gate[/\\]dev$/);
    expect(a.dashboard).toBe(false);
    expect(() => parseArgs([])).toThrow(/--stack is required/);
    expect(() => parseArgs(["--stack", "dev", "--only", "gpu"])).toThrow(/unknown service gpu/);
    expect(() => parseArgs(["--stack", "dev", "--bogus"])).toThrow(/unknown flag --bogus/);
  });

  it("accepts the bare endpoints object and pulumi's { endpoints } output", () => {
    const e = { llm: { baseUrl: "http://x:8000/", model: "m" } };
    expect(parseEndpoints(e, "f").endpoints).toEqual({ llm: { baseUrl: "http://x:8000", model: "m" } });
    expect(parseEndpoints({ endpoints: e, other: 1 }, "f").endpoints.llm?.model).toBe("m");
    expect(parseEndpoints({ gpu: {} }, "f").warnings[0]).toMatch(/unknown service "gpu"/);
    expect(() => parseEndpoints({ llm: { baseUrl: "x", model: "m" } }, "f")).toThrow(/endpoints.llm.baseUrl must be an http\(s\) URL/);
    expect(() => parseEndpoints({ keycloak: { tokenUrl: "http://k" } }, "f")).toThrow(/endpoints.keycloak.clientId must be a non-empty string/);
  });

  it("tells the user to run npm run setup when k6 is missing", () => {
    expect(() => resolveK6({ K6_BIN: "/nonexistent/k6" })).toThrow(/k6 not found at \/nonexistent\/k6: run `npm run setup`/);
  });
});
