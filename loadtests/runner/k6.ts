// Locating and running the k6 binary.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";

import { REPO_ROOT } from "../../lib/repo";

/** .tools/bin/k6 (built by loadtests/k6/install.sh), or K6_BIN. Throws with the fix when missing. */
export function resolveK6(env: NodeJS.ProcessEnv = process.env): string {
  const bin = env.K6_BIN ? path.resolve(env.K6_BIN) : path.join(REPO_ROOT, ".tools", "bin", "k6");
  if (!existsSync(bin)) {
    throw new Error(`k6 not found at ${bin}: run \`npm run setup\` (builds k6 with the SSE extension via loadtests/k6/install.sh) or set K6_BIN`);
  }
  return bin;
}

/** Whether this k6 has the SSE extension compiled in (without it TTFT cannot be measured). */
export function hasSse(bin: string): boolean {
  try {
    return execFileSync(bin, ["version"], { encoding: "utf8" }).includes("k6/x/sse");
  } catch {
    return false;
  }
}

/**
 * Settings for every k6 run: no usage report and no extension auto-resolution (both would phone
 * home from CI), no REST API port (parallel runs would clash).
 */
export const K6_QUIET_ENV: Record<string, string> = {
  K6_NO_USAGE_REPORT: "true",
  K6_AUTO_EXTENSION_RESOLUTION: "false",
};

export interface K6Run {
  code: number;
  output: string;
}

/** Runs k6, mirroring its output to `echo` (if given) and keeping the last 64 KiB for the report. */
export function runK6(bin: string, args: string[], env: Record<string, string>, echo?: (s: string) => void, timeoutS = 3600): Promise<K6Run> {
  return new Promise((resolve) => {
    const child = spawn(bin, ["run", "--address", "", ...args], {
      env: { ...process.env, ...K6_QUIET_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (b: Buffer) => {
      const s = b.toString("utf8");
      output = (output + s).slice(-65536);
      echo?.(s);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    // Bounded: a run that hangs past its budget is stopped (k6 then exits non-zero on its own).
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutS * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}\n${err.message}` });
    });
  });
}
