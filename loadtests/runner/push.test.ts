// The gate's verdict for the Pushgateway: exact exposition text, the group URL, the PUT against a local
// HTTP server, and a failed push that is reported without changing the verdict's exit code.
import { spawnSync } from "node:child_process";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { parseGateArgs, publishVerdict } from "../../tools/gate";
import { escapeLabelValue, gateMetricsText, pushGateMetrics, pushUrl } from "./push";
import { GateReport } from "./report";

const AT = new Date("2026-11-20T10:00:00.500Z");

function report(passed: boolean): GateReport {
  return {
    stack: "prod",
    startedAt: "2026-11-20T09:50:00.000Z",
    passed,
    required: ["llm", "data-api"],
    services: [
      {
        service: "llm",
        status: passed ? "passed" : "failed",
        thresholds: [
          { metric: "llm_ttft_ms{scenario:measure}", expression: "p(99)<500", ok: true, actual: 420 },
          { metric: "llm_tpot_ms{scenario:measure}", expression: "p(99)<30", ok: passed, actual: passed ? 25 : 41 },
        ],
        metrics: {},
      },
      { service: "data-api", status: "passed", thresholds: [{ metric: "data_api_ms", expression: "p(95)<500", ok: true, actual: 120 }], metrics: {} },
      { service: "vector", status: "skipped", reason: "no endpoint", thresholds: [], metrics: {} },
    ],
  };
}

const EXPECTED_FAILED = `# HELP ods_gate_passed 1 when the stack's last performance gate passed, 0 when it failed.
# TYPE ods_gate_passed gauge
ods_gate_passed 0
# HELP ods_gate_last_run_timestamp_seconds When the stack's last performance gate reached its verdict (Unix time).
# TYPE ods_gate_last_run_timestamp_seconds gauge
ods_gate_last_run_timestamp_seconds 1795168800
# HELP ods_gate_threshold_passed 1 when the threshold held in the stack's last gate run, 0 when it failed.
# TYPE ods_gate_threshold_passed gauge
ods_gate_threshold_passed{service="llm",threshold="llm_ttft_ms{scenario:measure} p(99)<500"} 1
ods_gate_threshold_passed{service="llm",threshold="llm_tpot_ms{scenario:measure} p(99)<30"} 0
ods_gate_threshold_passed{service="data-api",threshold="data_api_ms p(95)<500"} 1
`;

describe("exposition text", () => {
  it("states the verdict, the run's time and every threshold, exactly", () => {
    expect(gateMetricsText(report(false), AT)).toBe(EXPECTED_FAILED);
    expect(gateMetricsText(report(true), AT)).toContain("\nods_gate_passed 1\n");
    expect(gateMetricsText(report(true), AT)).toContain('threshold="llm_tpot_ms{scenario:measure} p(99)<30"} 1\n');
  });

  it("escapes backslashes, quotes and line feeds in label values", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const r = report(true);
    r.services[0].thresholds = [{ metric: 'm{tag:"x\\y"}', expression: "p(95)<1\n", ok: true }];
    expect(gateMetricsText(r, AT)).toContain('ods_gate_threshold_passed{service="llm",threshold="m{tag:\\"x\\\\y\\"} p(95)<1\\n"} 1\n');
  });

  it("parses and lints clean with Prometheus' own parser (promtool check metrics); an unescaped quote does not", () => {
    const r = report(false);
    r.services[0].thresholds.push({ metric: 'm{tag:"x\\y"}', expression: "p(95)<1\n", ok: true });
    const check = (text: string) => spawnSync(process.env.PROMTOOL ?? "promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    const good = check(gateMetricsText(r, AT));
    expect({ status: good.status, output: `${good.stdout}${good.stderr}` }).toEqual({ status: 0, output: "" });
    const bad = check('ods_gate_threshold_passed{service="llm",threshold="m{tag:"x"}"} 1\n');
    expect(bad.status).not.toBe(0);
  });

  it("writes a threshold listed twice once, failed if either failed (a duplicate series would be refused)", () => {
    const r = report(true);
    r.services[2] = { service: "vector", status: "failed", thresholds: [{ metric: "v", expression: "p(95)<100", ok: true }, { metric: "v", expression: "p(95)<100", ok: false }], metrics: {} };
    const lines = gateMetricsText(r, AT).split("\n").filter((l) => l.startsWith('ods_gate_threshold_passed{service="vector"'));
    expect(lines).toEqual(['ods_gate_threshold_passed{service="vector",threshold="v p(95)<100"} 0']);
  });
});

describe("group URL", () => {
  it("is <base>/metrics/job/ods-gate/stack/<stack>, with or without a trailing slash or a path prefix", () => {
    expect(pushUrl("http://localhost:9091", "prod")).toBe("http://localhost:9091/metrics/job/ods-gate/stack/prod");
    expect(pushUrl("http://localhost:9091/", "prod")).toBe("http://localhost:9091/metrics/job/ods-gate/stack/prod");
    expect(pushUrl("https://pgw.example.com/push/", "my.stack")).toBe("https://pgw.example.com/push/metrics/job/ods-gate/stack/my.stack");
  });

  it("refuses what is not an http(s) URL, or one with credentials, naming where it came from", () => {
    expect(() => pushUrl("localhost:9091", "prod")).toThrow(/--pushgateway "localhost:9091": allowed schemes http and https/);
    expect(() => pushUrl("not a url", "prod", "ODS_PUSHGATEWAY_URL")).toThrow(/ODS_PUSHGATEWAY_URL "not a url": not a URL/);
    expect(() => pushUrl("http://user:pw@host:9091", "prod")).toThrow(/credentials in the URL are not allowed/);
    expect(() => pushUrl("http://host:9091/?x=1", "prod")).toThrow(/no query or fragment/);
  });

  it("comes from --pushgateway, else ODS_PUSHGATEWAY_URL; none when neither is set", () => {
    const argv = ["--stack", "prod"];
    expect(parseGateArgs(argv, {}).pushUrl).toBeUndefined();
    expect(parseGateArgs(argv, { ODS_PUSHGATEWAY_URL: "" }).pushUrl).toBeUndefined();
    expect(parseGateArgs(argv, { ODS_PUSHGATEWAY_URL: "http://env:9091" }).pushUrl).toBe("http://env:9091/metrics/job/ods-gate/stack/prod");
    expect(parseGateArgs([...argv, "--pushgateway", "http://flag:9091"], { ODS_PUSHGATEWAY_URL: "http://env:9091" }).pushUrl).toBe("http://flag:9091/metrics/job/ods-gate/stack/prod");
    expect(() => parseGateArgs([...argv, "--pushgateway", "ftp://x"], {})).toThrow(/--pushgateway "ftp:\/\/x": allowed schemes/);
  });
});

describe("the push, against a local HTTP server", () => {
  let server: http.Server;
  let base: string;
  let answer = 200;
  const seen: { method?: string; url?: string; type?: string; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, type: req.headers["content-type"], body });
        res.writeHead(answer, { "Content-Type": "text/plain" });
        res.end(answer === 200 ? "" : "pushed metrics are invalid or inconsistent with existing metrics");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
    answer = 200;
  });

  it("PUTs the exposition text to the stack's group", async () => {
    const r = await pushGateMetrics(pushUrl(base, "prod"), report(false), AT);
    expect(r).toEqual({ ok: true, url: `${base}/metrics/job/ods-gate/stack/prod`, status: 200 });
    expect(seen).toEqual([{ method: "PUT", url: "/metrics/job/ods-gate/stack/prod", type: "text/plain; version=0.0.4; charset=utf-8", body: EXPECTED_FAILED }]);
  });

  it("reports a non-2xx answer with its status and text", async () => {
    answer = 400;
    const r = await pushGateMetrics(pushUrl(base, "prod"), report(true), AT);
    expect(r).toEqual({ ok: false, url: `${base}/metrics/job/ods-gate/stack/prod`, status: 400, error: "HTTP 400: pushed metrics are invalid or inconsistent with existing metrics" });
  });

  it("reports an unreachable Pushgateway without throwing", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await pushGateMetrics(pushUrl(`http://127.0.0.1:${port}`, "prod"), report(true), AT, 2000);
    expect(r.ok).toBe(false);
    expect(r.error).toBe("ECONNREFUSED");
  });

  it("a failed push is an ERROR line and leaves the exit code to the verdict (0 passed, 1 failed)", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const log = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    answer = 500;
    expect(await publishVerdict(report(true), pushUrl(base, "prod"), AT, log)).toBe(0);
    expect(await publishVerdict(report(false), pushUrl(base, "prod"), AT, log)).toBe(1);
    expect(err).toEqual([
      `ERROR pushing the verdict to ${base}/metrics/job/ods-gate/stack/prod: HTTP 500: pushed metrics are invalid or inconsistent with existing metrics; the exit code is the verdict's`,
      `ERROR pushing the verdict to ${base}/metrics/job/ods-gate/stack/prod: HTTP 500: pushed metrics are invalid or inconsistent with existing metrics; the exit code is the verdict's`,
    ]);
    answer = 200;
    expect(await publishVerdict(report(false), pushUrl(base, "prod"), AT, log)).toBe(1);
    expect(out).toEqual([`verdict pushed to ${base}/metrics/job/ods-gate/stack/prod (HTTP 200)`]);
    // Without a Pushgateway nothing is sent.
    seen.length = 0;
    expect(await publishVerdict(report(true), undefined, AT, log)).toBe(0);
    expect(seen).toEqual([]);
  });
});
