// The pinned Helm binary, run as an async child process with a cap on how many run at once.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { repoPath } from "../../lib/repo";
import { ChartError } from "./adapters";

/** ODS_HELM_BIN, else the one `npm run setup` builds (plan/install-helm.sh). */
export function helmBinary(): string {
  const bin = process.env.ODS_HELM_BIN || repoPath(".tools", "bin", "helm");
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new ChartError(`Helm not found at ${bin}: run \`npm run setup\` (plan/install-helm.sh builds Helm v3.19.5 into .tools/bin) or set ODS_HELM_BIN to a Helm v3.19.5 binary`);
  }
  return bin;
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs Helm with `input` on stdin; a run past `timeoutMs` is killed and reported as code null. */
export function runHelm(bin: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(new ChartError(`could not run ${bin}: ${e.message}`));
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8") + (timedOut ? `\n(killed after ${opts.timeoutMs} ms)` : "");
      resolve({ code: timedOut ? null : code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
    child.stdin.on("error", () => undefined); // Helm may exit before reading stdin; its exit code tells.
    child.stdin.end(opts.input ?? "");
  });
}

/** Runs at most `limit` tasks at a time (default: one per CPU). */
export function limiter(limit = Math.max(1, os.cpus().length)): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= limit) return;
    const start = queue.shift();
    if (start) start();
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        active++;
        task()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}
