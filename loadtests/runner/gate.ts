// Runs the gate for one stack: each service's script with the profile's options, then the verdict.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Endpoints } from "./endpoints";
import { REPO_ROOT } from "../../lib/repo";
import { hasSse, runK6 } from "./k6";
import { buildK6Options, missingEndpoints, phaseSeconds, scriptEnv, smokeSteps, SPECS } from "./options";
import { GateProfile, Service, SERVICES } from "./profile";
import { serverLatency } from "./prom";
import { GateReport, gatePassed, ServiceVerdict, statusFrom, toJUnit, toMarkdown } from "./report";
import { parseSummaryExport } from "./summary";

export interface GateOptions {
  stack: string;
  profile: GateProfile;
  endpoints: Endpoints;
  k6: string;
  outDir: string;
  only?: Service[];
  /** Export k6's HTML dashboard per service (adds a few seconds per run). */
  dashboard?: boolean;
  /** Where k6's live output goes; undefined keeps it quiet (tests). */
  echo?: (s: string) => void;
}

async function scrape(url: string | undefined): Promise<string | null> {
  if (!url) return null;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : null;
  } catch {
    return null;
  }
}

async function runService(service: Service, o: GateOptions, sse: boolean): Promise<ServiceVerdict> {
  const sp = o.profile.services[service];
  if (!sp) return { service, status: "skipped", reason: `no "${service}" entry in the gate profile`, thresholds: [], metrics: {} };
  const missing = missingEndpoints(service, o.endpoints);
  if (missing.length) return { service, status: "skipped", reason: `no endpoint: ${missing.join(", ")}`, thresholds: [], metrics: {} };

  const options = buildK6Options(service, sp, { smokeSteps: smokeSteps(o.endpoints) });
  const files = {
    options: path.join(o.outDir, `${service}.options.json`),
    summary: path.join(o.outDir, `${service}.summary.json`),
    log: path.join(o.outDir, `${service}.log`),
    ...(o.dashboard ? { dashboard: path.join(o.outDir, `${service}.dashboard.html`) } : {}),
  };
  writeFileSync(files.options, JSON.stringify(options, null, 2));
  const env: Record<string, string> = { ...scriptEnv(o.endpoints, sp.workload), GATE_OPTIONS: files.options };
  if (!sse) env.LLM_NO_SSE = "true";
  const planned = (sp.warmup ? phaseSeconds(sp.warmup) : 0) + (service === "smoke" ? 0 : phaseSeconds(sp.measure));
  if (files.dashboard) {
    // Port -1: export only, no listener. The dashboard skips the export when it saw fewer than two
    // snapshots, so short runs need a shorter snapshot period than its 10 s default.
    const period = Math.min(10, Math.max(1, Math.floor(planned / 20)));
    Object.assign(env, { K6_WEB_DASHBOARD: "true", K6_WEB_DASHBOARD_PORT: "-1", K6_WEB_DASHBOARD_PERIOD: `${period}s`, K6_WEB_DASHBOARD_EXPORT: files.dashboard });
  }

  const metricsUrl = service === "llm" ? o.endpoints.llm?.metricsUrl : undefined;
  const before = await scrape(metricsUrl);
  const budget = planned + 300;
  const started = Date.now();
  o.echo?.(`\n=== ${service}: k6 run loadtests/${SPECS[service].script}\n`);
  const run = await runK6(o.k6, ["--summary-export", files.summary, path.join(REPO_ROOT, "loadtests", SPECS[service].script)], env, o.echo, budget);
  const durationS = (Date.now() - started) / 1000;
  writeFileSync(files.log, run.output);
  const after = await scrape(metricsUrl);

  let summary;
  try {
    summary = parseSummaryExport(JSON.parse(readFileSync(files.summary, "utf8")));
  } catch {
    const tail = run.output.trim().split("\n").slice(-3).join(" / ");
    return { service, status: "error", reason: `k6 exited ${run.code} without a summary: ${tail}`, thresholds: [], metrics: {}, k6ExitCode: run.code, durationS, files };
  }
  let server = null;
  if (before !== null && after !== null) {
    try {
      server = serverLatency(before, after);
    } catch (err) {
      o.echo?.(`vLLM metrics ignored: ${(err as Error).message}\n`);
    }
  }
  const status = statusFrom(run.code, summary.thresholds);
  return {
    service,
    status,
    ...(status === "error" ? { reason: `k6 exited ${run.code}: ${run.output.trim().split("\n").slice(-2).join(" / ")}` } : {}),
    thresholds: summary.thresholds,
    metrics: summary.metrics,
    k6ExitCode: run.code,
    durationS,
    server,
    files,
  };
}

/** Runs the selected services one after another (they would compete for the runner's CPU otherwise). */
export async function runGate(o: GateOptions): Promise<GateReport> {
  mkdirSync(o.outDir, { recursive: true });
  const sse = hasSse(o.k6);
  if (!sse) {
    o.echo?.(`\n!!! ${o.k6} has no k6/x/sse: TTFT/TPOT cannot be measured, the llm gate will fail. Run \`npm run setup\`.\n`);
  }
  const startedAt = new Date().toISOString();
  const services: ServiceVerdict[] = [];
  for (const service of SERVICES) {
    if (o.only && !o.only.includes(service)) continue;
    services.push(await runService(service, o, sse));
  }
  const report: GateReport = { stack: o.stack, startedAt, passed: gatePassed(services), services };
  writeFileSync(path.join(o.outDir, "summary.json"), JSON.stringify(report, null, 2));
  writeFileSync(path.join(o.outDir, "junit.xml"), toJUnit(report));
  writeFileSync(path.join(o.outDir, "report.md"), toMarkdown(report));
  return report;
}
