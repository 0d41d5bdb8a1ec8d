// Runs the gate for one stack: each service's script with the profile's options, then the verdict.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Endpoints } from "./endpoints";
import { REPO_ROOT } from "../../lib/repo";
import { hasSse, runK6 } from "./k6";
import { buildK6Options, missingEndpoints, phaseSeconds, scriptEnv, smokeSteps, SPECS } from "./options";
import { GateProfile, Service, SERVICES } from "./profile";
import { serverLatency } from "./prom";
import { GateReport, gatePassed, ServiceVerdict, statusFrom, toJUnit, toMarkdown } from "./report";
import { withSlo } from "./slo";
import { parseSummaryExport } from "./summary";
import type { Slo } from "../../config/schema/slo";

export interface GateOptions {
  stack: string;
  profile: GateProfile;
  endpoints: Endpoints;
  /**
   * The stack's LLM SLO (ods:model.slo, or --slo): the llm service's TTFT/TPOT/E2E/goodput
   * thresholds are computed from it. Without it the llm service is an error, never run unchecked.
   */
  slo?: Slo;
  k6: string;
  outDir: string;
  /**
   * Run only these services. It never waives a requirement: a required service left out is
   * reported missing and the gate fails, because the run cannot vouch for it.
   */
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

/** Every file a gate run writes into its --out folder (per service and overall). */
export function gateFiles(outDir: string): string[] {
  const perService = SERVICES.flatMap((s) => ["options.json", "summary.json", "log", "dashboard.html"].map((f) => path.join(outDir, `${s}.${f}`)));
  return [...perService, ...["summary.json", "junit.xml", "report.md"].map((f) => path.join(outDir, f))];
}

/**
 * Removes what an earlier run left in the folder, so no report, dashboard or k6 summary of that
 * run can be read as this run's (a crash that writes no summary must not inherit the last one).
 * Only the gate's own file names are touched; --out may be a folder with other files.
 */
export function clearGateFiles(outDir: string): void {
  for (const f of gateFiles(outDir)) rmSync(f, { force: true });
}

async function runService(service: Service, o: GateOptions, sse: boolean): Promise<ServiceVerdict> {
  const profiled = o.profile.services[service];
  if (!profiled) return { service, status: "skipped", reason: `no "${service}" entry in the gate profile`, thresholds: [], metrics: {} };
  const missing = missingEndpoints(service, o.endpoints);
  if (missing.length) return { service, status: "skipped", reason: `no endpoint: ${missing.join(", ")}`, thresholds: [], metrics: {} };
  let sp = profiled;
  if (service === "llm") {
    // The SLO thresholds come from the stack, so a profile built in code cannot run the llm service without them.
    if (!o.slo) return { service, status: "error", reason: "no LLM SLO given (the stack's ods:model.slo, or --slo)", thresholds: [], metrics: {} };
    try {
      sp = withSlo(profiled, o.slo);
    } catch (err) {
      return { service, status: "error", reason: (err as Error).message, thresholds: [], metrics: {} };
    }
  }

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

  const tail = (n: number) => run.output.trim().split("\n").slice(-n).join(" / ");
  let summary;
  try {
    // clearGateFiles removed any earlier one, so a summary here is this run's.
    if (!existsSync(files.summary)) throw new Error("no summary");
    summary = parseSummaryExport(JSON.parse(readFileSync(files.summary, "utf8")));
  } catch {
    return { service, status: "error", reason: `k6 exited ${run.code} without a summary: ${tail(3)}`, thresholds: [], metrics: {}, k6ExitCode: run.code, durationS, files };
  }
  const status = statusFrom(run.code, summary.thresholds);
  if (status === "error") {
    // A broken run (crash, timeout, script error) measured nothing that can be vouched for: its
    // partial numbers stay in the log and the summary file, not in the verdict.
    return { service, status, reason: `k6 exited ${run.code}: ${tail(2)}`, thresholds: [], metrics: {}, k6ExitCode: run.code, durationS, files };
  }
  let server = null;
  if (before !== null && after !== null) {
    try {
      server = serverLatency(before, after);
    } catch (err) {
      o.echo?.(`vLLM metrics ignored: ${(err as Error).message}\n`);
    }
  }
  return {
    service,
    status,
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
  clearGateFiles(o.outDir);
  const sse = hasSse(o.k6);
  if (!sse) {
    o.echo?.(`\n!!! ${o.k6} has no k6/x/sse: TTFT/TPOT cannot be measured, the llm gate will fail. Run \`npm run setup\`.\n`);
  }
  const startedAt = new Date().toISOString();
  const services: ServiceVerdict[] = [];
  const required = o.profile.required;
  for (const service of SERVICES) {
    let v: ServiceVerdict;
    if (o.only && !o.only.includes(service)) {
      if (!required.includes(service)) continue;
      v = { service, status: "skipped", reason: "left out by --only", thresholds: [], metrics: {} };
    } else {
      v = await runService(service, o, sse);
    }
    if (v.status === "skipped" && required.includes(service)) v = { ...v, status: "missing", reason: `required, but ${v.reason ?? "not tested"}` };
    services.push(v);
  }
  const report: GateReport = { stack: o.stack, startedAt, passed: gatePassed(services), required, services };
  writeFileSync(path.join(o.outDir, "summary.json"), JSON.stringify(report, null, 2));
  writeFileSync(path.join(o.outDir, "junit.xml"), toJUnit(report));
  writeFileSync(path.join(o.outDir, "report.md"), toMarkdown(report));
  return report;
}
