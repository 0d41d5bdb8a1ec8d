// Real backends (MariaDB, Redis, an S3 server, an OpenID provider) started on 127.0.0.1 for the services' integration tests, and the helpers they share.
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

// The helpers are function declarations: the backend modules import them from here while this module
// re-exports theirs, and hoisting keeps them usable whichever module is loaded first.

/** The repository root (test/backends/ is two levels below it). */
export function repoRoot(): string {
  return path.resolve(__dirname, "..", "..");
}

/** A TCP port free on 127.0.0.1 right now: the OS picks it for a listener that is closed again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Whether a TCP connection to host:port is accepted (within timeoutMs). */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** A random secret of URL- and SQL-literal-safe characters ([A-Za-z0-9_-]). */
export function secret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/** A fresh private (0700) temporary folder for one backend. */
export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ods-${name}-`));
}

/** The last `lines` lines of a log file, every secret replaced by "[redacted]"; "" when it cannot be read. */
export function logTail(file: string, secrets: readonly string[] = [], lines = 25): string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
  for (const s of secrets) if (s) text = text.split(s).join("[redacted]");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Loads an ES-module-only package (jose, oidc-provider) from CommonJS code, Jest included. Jest's module
 * system can neither import() nor require() ES modules on Node 22 without --experimental-vm-modules, so
 * the module is loaded by Node's own require() (require(esm): Node 22.12 or newer), reached through the
 * main context rather than Jest's sandbox. Objects it hands back belong to that context: see inMainRealm.
 */
export function requireEsm<T>(specifier: string): T {
  const load = vm.runInThisContext("(from, specifier) => process.getBuiltinModule('node:module').createRequire(from)(specifier)") as (from: string, specifier: string) => T;
  try {
    return load(path.join(repoRoot(), "package.json"), specifier);
  } catch (err) {
    throw new Error(`cannot load the ES module ${specifier} (needs Node 22.12 or newer, ${process.version} here): ${(err as Error).message}`);
  }
}

/**
 * A deep copy of JSON data made by the main context's JSON: a module loaded by requireEsm that checks
 * `value.constructor === Object` (oidc-provider does) rejects plain objects made in Jest's sandbox.
 */
export function inMainRealm<T>(value: T): T {
  const mainJson = vm.runInThisContext("JSON") as JSON;
  return mainJson.parse(JSON.stringify(value)) as T;
}

/** A backend process: its temporary folder is removed when it stops, or when this process exits. */
interface Tracked {
  proc: ChildProcess;
  dir: string;
  guard?: ChildProcess;
}

const running = new Set<Tracked>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // Synchronous only: this runs as the test process exits, backends not stopped by their test included.
  process.on("exit", () => {
    for (const t of running) {
      try {
        t.proc.kill("SIGKILL");
      } catch {
        // already gone
      }
      fs.rmSync(t.dir, { recursive: true, force: true });
    }
    running.clear();
  });
}

/**
 * A watchdog for a process killed without running its exit handlers (SIGKILL, as Jest does to a worker
 * that will not stop): a shell in its own process group reads its stdin, a pipe from this process, until
 * it closes, which happens when this process dies whatever way; then it kills the backend and removes its folder.
 */
function startGuard(pid: number, dir: string): ChildProcess | undefined {
  try {
    const guard = spawn("sh", ["-c", 'cat >/dev/null; kill -KILL "$1" 2>/dev/null; rm -rf -- "$2"', "backend-guard", String(pid), dir], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    guard.on("error", () => undefined);
    guard.unref();
    (guard.stdin as unknown as net.Socket).unref();
    return guard;
  } catch {
    return undefined;
  }
}

function stopGuard(guard: ChildProcess | undefined): void {
  if (!guard) return;
  // The shell dies first, so the `cat` it leaves reads end-of-file and exits without killing anything.
  guard.kill("SIGKILL");
  guard.stdin?.destroy();
}

export interface LaunchOptions {
  /** For messages and the temporary folder's name. */
  name: string;
  /** The backend's temporary folder (tempDir); removed on stop. */
  dir: string;
  command: string;
  /** The command's arguments for a given port. */
  args(port: number): string[];
  env?: NodeJS.ProcessEnv;
  /** Resolves once the backend serves on `port`; rejects (or throws) while it does not yet. */
  ready(port: number): Promise<void>;
  /** The log file: the process's stdout and stderr go there, and errors quote its last lines. */
  log: string;
  /** Never shown in errors. */
  secrets: readonly string[];
  timeoutMs?: number;
  /** How long (ms) a stop waits for a clean shutdown before SIGKILL; 15 s unless given. */
  stopGraceMs?: number;
}

export interface Launched {
  port: number;
  pid: number;
  /** Stops the process (SIGTERM, SIGKILL after the grace period) and removes its temporary folder. */
  stop(): Promise<void>;
}

function waitForExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    proc.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|Can't start server: Bind on TCP\/IP port/i;

/**
 * Starts a backend on a free 127.0.0.1 port and waits until `ready` passes. A port taken between
 * freePort() and the bind is retried on another one. Errors quote the last lines of the log.
 */
export async function launch(o: LaunchOptions): Promise<Launched> {
  installExitHandler();
  const timeoutMs = o.timeoutMs ?? 30000;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFd = fs.openSync(o.log, "a", 0o600);
    let proc: ChildProcess;
    try {
      proc = spawn(o.command, o.args(port), { cwd: o.dir, env: o.env ?? process.env, stdio: ["ignore", logFd, logFd] });
    } finally {
      fs.closeSync(logFd);
    }
    const spawnError = new Promise<Error>((resolve) => proc.once("error", resolve));
    const exited = new Promise<string>((resolve) => proc.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)));
    const pid = await Promise.race([new Promise<number>((resolve) => proc.once("spawn", () => resolve(proc.pid as number))), spawnError]);
    if (pid instanceof Error) {
      throw new Error(`${o.name}: cannot start ${o.command} (${pid.message}); run tools/setup.sh (npm run setup) to install it`);
    }
    proc.unref();
    const tracked: Tracked = { proc, dir: o.dir, guard: startGuard(pid, o.dir) };
    running.add(tracked);

    let stopped = false;
    const stop = async (removeDir = true): Promise<void> => {
      if (!stopped) {
        stopped = true;
        proc.kill("SIGTERM");
        if (!(await waitForExit(proc, o.stopGraceMs ?? 15000))) {
          proc.kill("SIGKILL");
          await waitForExit(proc, 5000);
        }
        stopGuard(tracked.guard);
        running.delete(tracked);
      }
      if (removeDir) fs.rmSync(o.dir, { recursive: true, force: true });
    };

    const started = Date.now();
    let lastError = "";
    let exit: string | undefined;
    void exited.then((how) => (exit = how));
    while (exit === undefined && Date.now() - started < timeoutMs) {
      try {
        await o.ready(port);
        return { port, pid, stop: () => stop(true) };
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const exitedEarly = exit;
    const tail = logTail(o.log, o.secrets);
    await stop(false);
    if (exitedEarly !== undefined && attempt < 3 && ADDRESS_IN_USE.test(tail)) continue;
    fs.rmSync(o.dir, { recursive: true, force: true });
    const why = exitedEarly !== undefined ? `exited (${exitedEarly}) before it was ready` : `was not ready within ${timeoutMs} ms (last check: ${lastError || "none"})`;
    throw new Error(`${o.name} on 127.0.0.1:${port} ${why}; last lines of ${o.log}:\n${tail || "(empty)"}`);
  }
}

export { startMariadb, createDatabaseUser } from "./mariadb";
export type { MariadbBackend, DatabaseUser } from "./mariadb";
export { startRedis, redisCommands } from "./redis";
export type { RedisBackend, RespValue } from "./redis";
export { startS3, versitygwPath } from "./s3";
export type { S3Backend } from "./s3";
export { startOidc } from "./oidc";
export type { ClientCredentials, OidcBackend, TokenRequest } from "./oidc";
