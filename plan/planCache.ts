// Plans shared between test files: each distinct plan (stack, config file, options, kit sources,
// chart and manifest caches, Helm) is computed once, in a child process, and kept as JSON in
// `.cache/plans` (ODS_PLAN_CACHE names another folder). Concurrent callers wait on one lock per plan
// instead of planning it twice; a lock whose process is gone is taken over.
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";
import { REPO_ROOT, repoPath } from "../lib/repo";
import { chartCacheDir } from "./charts/cache";
import { helmBinary } from "./charts/helm";
import { fileFingerprint } from "./charts/renderCache";
import { manifestCacheDir } from "./manifestFiles";
import { alive } from "./outputDir";
import { FullPlanResult, layerResolver, PlanOptions, runPlan } from "./run";

/** What the cache keeps of a plan: everything but the functions. */
type StoredPlan = Omit<FullPlanResult, "layerOf">;

/** Inputs of the program that are not its stack file: every file under these, tests excluded. */
// The services' contract modules are part of the program (the layers read their ports and variables).
const PROGRAM_SOURCES = ["index.ts", "Pulumi.yaml", "package-lock.json", "config", "layers", "components", "lib", "plan", "stacks", "services/data-api/src/contract.ts", "services/data-api/package.json"];

export function planCacheDir(): string {
  return path.resolve(process.env.ODS_PLAN_CACHE || repoPath(".cache", "plans"));
}

let sourcesDigest: string | undefined;

/** sha256 of the program's own files (contents, not times: a fresh clone gets the same key). */
function programDigest(): string {
  if (sourcesDigest) return sourcesDigest;
  const hash = crypto.createHash("sha256");
  const walk = (rel: string) => {
    const full = path.join(REPO_ROOT, rel);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const e of fs.readdirSync(full).sort()) if (e !== "testdata") walk(path.join(rel, e));
    } else if (!rel.endsWith(".test.ts")) {
      hash.update(`${rel}\0`).update(fs.readFileSync(full)).update("\0");
    }
  };
  for (const s of PROGRAM_SOURCES) walk(s);
  sourcesDigest = hash.digest("hex");
  return sourcesDigest;
}

/** The key of a plan: everything that decides its result. */
export function planKey(stack: string, opts: PlanOptions = {}): string {
  // Its values are not part of the key (a function), and a plan with planted secrets is not for sharing.
  if (opts.secureValue) throw new Error("a plan with given secure values is never cached");
  const charts = opts.charts !== false;
  const root = opts.root ?? REPO_ROOT;
  // The config's content, not its file's path: tests write variants to fresh temporary folders, and a
  // copy of the stack's own file is the same plan.
  const stackFile = opts.stackFile ?? path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  const parts: unknown[] = [programDigest(), stack, root, charts, process.version, fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : null];
  if (charts) {
    const chartDir = chartCacheDir(opts.chartCache);
    const manifestDir = manifestCacheDir(opts.manifestCache, opts.chartCache);
    const helm = helmBinary();
    for (const p of [chartDir, manifestDir, helm]) parts.push(p, fs.existsSync(p) ? fileFingerprint(p) : "missing");
  }
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

function revive(stored: StoredPlan): FullPlanResult {
  return { ...stored, layerOf: layerResolver(stored.resources) };
}

function readStored(file: string): FullPlanResult | undefined {
  try {
    return revive(JSON.parse(fs.readFileSync(file, "utf8")) as StoredPlan);
  } catch {
    return undefined;
  }
}

/** How the child reports a plan that failed: the error as the caller would have seen it in-process. */
interface ChildFailure {
  name: string;
  message: string;
  problems?: string[];
}

function rethrown(f: ChildFailure): Error {
  if (f.name === "ConfigError" && Array.isArray(f.problems)) return new ConfigError(f.problems);
  const e = new Error(f.message);
  e.name = f.name;
  return e;
}

/**
 * A lock nobody will release: its process is gone, or it names no process and is older than a
 * process needs to write its pid (a holder killed between creating the file and writing it).
 */
export function lockAbandoned(lock: string, now = Date.now()): boolean {
  let text: string;
  let age: number;
  try {
    text = fs.readFileSync(lock, "utf8");
    age = now - fs.statSync(lock).mtimeMs;
  } catch {
    return false; // released just now: try to take it
  }
  const holder = Number(text);
  if (text.trim() !== "" && Number.isInteger(holder) && holder > 0) return !alive(holder);
  return age > 10_000;
}

/**
 * Plans in a child process (the mock runtime is process-wide) and waits for it to store the result;
 * a plan that fails throws the child's error (a ConfigError stays one), and is not cached.
 */
function planInChild(stack: string, opts: PlanOptions, file: string): Promise<void> {
  const tsNode = path.join(REPO_ROOT, "node_modules", "ts-node", "dist", "bin.js");
  const failure = `${file}.${process.pid}.error`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsNode, __filename, JSON.stringify({ stack, opts, file, failure })], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve();
      let reported: ChildFailure | undefined;
      try {
        reported = JSON.parse(fs.readFileSync(failure, "utf8")) as ChildFailure;
        fs.rmSync(failure, { force: true });
      } catch {
        // the child died before it could say why: its stderr says it
      }
      reject(reported ? rethrown(reported) : new Error(`planning stack ${stack} failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}

/**
 * The plan of `stack` with `opts`, from the cache or planned once. Callers get their own copy.
 * Options are the ones runPlan takes.
 */
export async function cachedPlan(stack: string, opts: PlanOptions = {}): Promise<FullPlanResult> {
  const dir = planCacheDir();
  const file = path.join(dir, `${stack}-${planKey(stack, opts)}.json`);
  const hit = readStored(file);
  if (hit) return hit;
  fs.mkdirSync(dir, { recursive: true });
  const lock = `${file}.lock`;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const done = readStored(file);
      if (done) return done;
      if (lockAbandoned(lock)) fs.rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const done = readStored(file);
    if (done) return done;
    await planInChild(stack, opts, file);
    const planned = readStored(file);
    if (!planned) throw new Error(`planning stack ${stack} stored no readable plan at ${file}`);
    return planned;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Writes a plan under its key, atomically, and keeps the cache small. */
function writeStored(file: string, planned: FullPlanResult): void {
  const { layerOf: _layerOf, ...stored } = planned;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(stored));
  fs.renameSync(tmp, file);
  prune(path.dirname(file));
}

/**
 * Keeps a plan made elsewhere (`npm run plan` stores each plan it makes), so that tests of the same
 * kit, config and caches need not plan it again. Never fails the caller: a cache it cannot write only
 * costs a later plan.
 */
export function storePlan(stack: string, opts: PlanOptions, planned: FullPlanResult): void {
  try {
    writeStored(path.join(planCacheDir(), `${stack}-${planKey(stack, opts)}.json`), planned);
  } catch {
    // read-only checkout or full disk
  }
}

/** Child mode: plan and store atomically. */
async function childMain(arg: string): Promise<void> {
  const { stack, opts, file, failure } = JSON.parse(arg) as { stack: string; opts: PlanOptions; file: string; failure: string };
  let planned: FullPlanResult;
  try {
    planned = await runPlan(stack, opts);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const report: ChildFailure = { name: err.name, message: err.message, ...(err instanceof ConfigError ? { problems: err.problems } : {}) };
    fs.writeFileSync(failure, JSON.stringify(report));
    throw e;
  }
  writeStored(file, planned);
}

/** Keeps the newest plans only: every change to the kit's sources makes new keys. */
function prune(dir: string, keep = 16): void {
  const plans = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of plans.slice(keep)) fs.rmSync(path.join(dir, f), { force: true });
}

if (require.main === module) {
  childMain(process.argv[2]).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
}
