// Shared by the k6-backed tests: the real k6 binary (never skipped), the CLI, temp profiles.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { GateProfile } from "../runner/profile";

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

/** A short llm profile the local target meets at TTFT 300 ms / TPOT 20 ms. */
export function llmTestProfile(overrides: { ttftP95?: number; rate?: number; duration?: string } = {}): GateProfile {
  return {
    services: {
      llm: {
        warmup: { rate: 2, duration: "1s", preAllocatedVUs: 2, maxVUs: 8 },
        measure: { rate: overrides.rate ?? 4, duration: overrides.duration ?? "3s", preAllocatedVUs: 4, maxVUs: 16 },
        workload: { maxTokens: 8, inputWords: 32, sloTtftMs: 450, sloTpotMs: 40 },
        thresholds: {
          llm_ttft_ms: [`p(95)<${overrides.ttftP95 ?? 450}`],
          llm_tpot_ms: ["p(95)<40"],
          llm_errors: ["rate<0.05"],
          llm_slo_ok: ["rate>=0.9"],
        },
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
