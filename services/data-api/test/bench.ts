// `npm run bench`'s data API part: the service as its image runs it, on real backends, under a
// constant arrival rate of register, get and list requests; p95 against the target.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveK6, runK6 } from "../../../loadtests/runner/k6";
import { parseSummaryExport } from "../../../loadtests/runner/summary";
import { buildService, startBackends, startService } from "./stack";

export interface DataApiBench {
  rate: number;
  seconds: number;
  /** Timed requests (the setup's registrations not counted). */
  requests: number;
  errorRate: number;
  droppedIterations: number;
  /** Milliseconds: p50, p95, p99 and max of every request, and p95 per operation. */
  all: { p50: number; p95: number; p99: number; max: number };
  p95: { register: number; get: number; list: number };
}

/** Datasets registered before the clock starts (what the gets read). */
const SEED = 50;

export async function benchDataApi(rate = 200, seconds = 20): Promise<DataApiBench> {
  buildService();
  const backends = await startBackends();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bench-data-api-"));
  try {
    // The pool as deployed (10 connections); logs at warn, as a busy service would run.
    const service = await startService(backends.env, { LOG_LEVEL: "warn" });
    try {
      const token = await backends.oidc.token({ roles: ["ml-engineer"], expiresIn: 3600 });
      const summary = path.join(dir, "summary.json");
      const script = path.join(__dirname, "k6", "load.js");
      const run = await runK6(resolveK6(), ["--quiet", "--summary-export", summary, script], {
        DATA_API_BASE_URL: service.base,
        ODS_API_TOKEN: token,
        BUCKET: `s3://${backends.bucket}`,
        RATE: String(rate),
        SEED: String(SEED),
        DURATION: `${seconds}s`,
      });
      if (!fs.existsSync(summary)) throw new Error(`k6 exited with ${run.code} and no summary:\n${run.output.slice(-2000)}`);
      const m = parseSummaryExport(JSON.parse(fs.readFileSync(summary, "utf8"))).metrics;
      const trend = (name: string) => m[name] ?? {};
      return {
        rate,
        seconds,
        requests: (trend("http_reqs").count ?? SEED) - SEED,
        errorRate: trend("request_errors").value ?? trend("request_errors").rate ?? 1,
        droppedIterations: trend("dropped_iterations").count ?? 0,
        all: { p50: trend("request_ms")["p(50)"] ?? NaN, p95: trend("request_ms")["p(95)"] ?? NaN, p99: trend("request_ms")["p(99)"] ?? NaN, max: trend("request_ms").max ?? NaN },
        p95: { register: trend("register_ms")["p(95)"] ?? NaN, get: trend("get_ms")["p(95)"] ?? NaN, list: trend("list_ms")["p(95)"] ?? NaN },
      };
    } finally {
      if (process.env.ODS_BENCH_DEBUG) console.error(service.log().split("\n").filter((l) => /"level":(50|60)/.test(l)).slice(0, 5).join("\n"));
      await service.stop();
    }
  } finally {
    await backends.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
