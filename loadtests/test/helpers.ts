// Shared by the k6-backed tests: the real k6 binary (never skipped), the CLI, temp profiles.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { startTarget, Target, TargetConfig } from "../fixtures/llm-target/server";
import { K6_QUIET_ENV } from "../runner/k6";
import { Endpoints } from "../runner/endpoints";
import { GateProfile } from "../runner/profile";
import { GateReport } from "../runner/report";

/** The tests exercise the real k6; a missing binary is a failure with the fix, not a skip. */
export function requireK6(): string {
  const bin = process.env.K6_BIN ?? path.join(REPO_ROOT, ".tools", "bin", "k6");
  if (!existsSync(bin)) {
    throw new Error(`k6 binary not found at ${bin}. Run \`npm run setup\` (loadtests/k6/install.sh builds k6 with k6/x/sse) before \`npm test\`.`);
  }
  return bin;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `gate-${prefix}-`));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

/**
 * The LLM SLO of the test runs (the gate's --slo, as the "test" stack has no stack file): the local
 * target meets it at TTFT 300 ms / TPOT 20 ms; the E2E bound is 450 + 40 x (8 - 1) = 730 ms.
 */
export const TEST_SLO = { percentile: 95, ttftMs: 450, tpotMs: 40, goodput: 0.9 } as const;
export const TEST_SLO_FLAG = Object.entries(TEST_SLO).map(([k, v]) => `${k}=${v}`).join(",");

/** A short llm profile: load and workload only; its SLO thresholds come from TEST_SLO. */
export function llmTestProfile(overrides: { rate?: number; duration?: string; workload?: Record<string, number> } = {}): GateProfile {
  return {
    required: ["llm"],
    services: {
      llm: {
        warmup: { rate: 2, duration: "1s", preAllocatedVUs: 2, maxVUs: 8 },
        measure: { rate: overrides.rate ?? 4, duration: overrides.duration ?? "3s", preAllocatedVUs: 4, maxVUs: 16 },
        workload: { maxTokens: 8, inputWords: 32, ...overrides.workload },
        thresholds: { llm_errors: ["rate<0.05"] },
      },
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run gate -- ...` the way a user does (ts-node on tools/gate.ts), bounded in time. */
export function runGateCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), path.join(REPO_ROOT, "tools", "gate.ts"), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Every endpoint of the stack output, all served by one local target. */
export function endpointsFor(t: Target): { endpoints: Endpoints } {
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

function sloArgs(profile: GateProfile, extraArgs: string[]): string[] {
  return profile.services.llm && !extraArgs.some((a) => a.startsWith("--slo")) ? ["--slo", TEST_SLO_FLAG] : [];
}

export interface GateRun extends CliResult {
  out: string;
  report: GateReport | null;
  target: Target;
  /** A service's k6 log from the run ("" when absent). */
  log(service: string): string;
}

/**
 * Starts a target with `config`, runs the gate CLI against it with `profile`, stops the target.
 * A profile with an llm service runs under TEST_SLO unless `extraArgs` has its own --slo.
 */
export async function gateAgainst(config: Partial<TargetConfig>, profile: GateProfile, extraArgs: string[] = [], endpoints?: (t: Target) => { endpoints: Endpoints }): Promise<GateRun> {
  const target = await startTarget(config);
  try {
    const dir = tempDir("cli");
    const out = path.join(dir, "out");
    const res = await runGateCli(
      ["--stack", "test", "--endpoints", writeJson(dir, "endpoints.json", (endpoints ?? endpointsFor)(target)), "--profile", writeJson(dir, "profile.json", profile), "--out", out, "--no-dashboard", ...sloArgs(profile, extraArgs), ...extraArgs],
      // ODS_API_TOKEN blanked so a developer's own token cannot change what the target sees.
      { KEYCLOAK_CLIENT_SECRET: target.config.clientSecret, ODS_API_TOKEN: "" },
    );
    const reportFile = path.join(out, "summary.json");
    const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, "utf8")) as GateReport) : null;
    const log = (service: string) => {
      const f = path.join(out, `${service}.log`);
      return existsSync(f) ? readFileSync(f, "utf8") : "";
    };
    return { ...res, out, report, target, log };
  } finally {
    await target.close();
  }
}

export interface MeasuredRun {
  code: number;
  output: string;
  wallMs: number;
  /** Peak resident memory of the k6 process (VmHWM), KiB. */
  peakRssKiB: number;
}

/** The peak RSS so far of a live process, from /proc (Linux, where the k6 tests run). */
function peakRss(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** `k6 run` with its wall time and peak memory, sampled every 20 ms while it runs. */
export function runK6Measured(bin: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(bin, ["run", "--address", "", ...args], { env: { ...process.env, ...K6_QUIET_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let peak: number | null = null;
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const poll = setInterval(() => {
      const v = child.pid ? peakRss(child.pid) : null;
      if (v !== null) peak = Math.max(peak ?? 0, v);
    }, 20);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (peak === null) return reject(new Error(`could not read /proc/${child.pid}/status: the memory bound needs Linux`));
      resolve({ code: code ?? -1, output, wallMs: Date.now() - started, peakRssKiB: peak });
    });
  });
}
