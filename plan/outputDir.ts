// The plan's output folder: never half-written, never stale without saying so, never shared by two
// writers, and never losing a file the plan did not write.
//
// The folder holds the plan's files (resources.json, outputs.json, manifests/) and plan.json, the
// record of the last plan: its status ("writing", "complete", "failed"), stack, config hash, kit
// version, time, and the list of files it wrote. A writer holds .plan.lock (its pid) from before the
// plan runs until the record is final; it builds the new files in a staging folder beside them, then
// moves them into place; plan.json says "complete" only after the last move. Readers (readPlanRecord,
// `npm run plan -- --verify DIR`) accept a folder only when its record is complete and matches the
// stack, config and kit they expect.
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT, repoPath } from "../lib/repo";

export const RECORD_FILE = "plan.json";
const LOCK_FILE = ".plan.lock";
const STAGING_PREFIX = ".plan-staging-";
const RETIRED_PREFIX = ".plan-retired-";
/** Files and folders of the plan's own; everything else in the folder belongs to someone else. */
const OWNED_TOP = ["resources.json", "outputs.json", "manifests"];

export interface KitVersion {
  version: string;
  /** git commit of the kit, with "-dirty" when it has uncommitted changes; "unknown" outside git. */
  commit: string;
}

export interface PlanRecord {
  status: "writing" | "complete" | "failed";
  pid: number;
  stack?: string;
  stackFile?: string;
  /** sha256 of the planned config (secure values are offline placeholders, so it reveals nothing). */
  configHash?: string;
  kit?: KitVersion;
  /** Objects that fail their schema (the plan exits 1; readers refuse the folder). */
  invalidObjects?: number;
  startedAt: string;
  finishedAt?: string;
  /** Paths (relative to the folder) of every file a plan wrote here. */
  files: string[];
  /** Complete plans: each file's sha256, so a reader notices an edited or missing file. */
  sha256?: Record<string, string>;
  /** Whether the plan rendered its Helm charts (false for --no-charts). */
  charts?: boolean;
  error?: string;
}

/** out/<stack>, or for a config file tried out under a stack's name a folder of its own, so out/<stack> stays that stack's. */
export function defaultOut(stack: string, stackFile?: string): string {
  if (!stackFile) return repoPath("out", stack);
  const base = path.basename(stackFile).replace(/\.ya?ml$/i, "").replace(/[^A-Za-z0-9_.-]+/g, "-");
  const hash = createHash("sha256").update(path.resolve(stackFile)).digest("hex").slice(0, 8);
  return repoPath("out", `${stack}--${base}-${hash}`);
}

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputError";
  }
}

let kitCache: KitVersion | undefined;

/** The kit's package version and git commit, for the record and for stale checks. */
export function kitVersion(root = REPO_ROOT): KitVersion {
  if (kitCache) return kitCache;
  const version = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (dirty) commit += "-dirty";
  } catch {
    // Not a git checkout (a release tarball): the version alone identifies the kit.
  }
  kitCache = { version, commit };
  return kitCache;
}

/** A stable hash of the raw config a plan ran with. */
export function configHash(config: Record<string, string>): string {
  const sorted = Object.keys(config)
    .sort()
    .map((k) => [k, config[k]]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

function readRecord(dir: string): PlanRecord | undefined {
  const file = path.join(dir, RECORD_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as PlanRecord;
    return Array.isArray(r.files) && typeof r.status === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid runs on this host (one we may not signal counts as running). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Every file under `rel` inside `dir`, as paths relative to `dir`. */
function filesUnder(dir: string, rel: string): string[] {
  const abs = path.join(dir, rel);
  if (!fs.existsSync(abs)) return [];
  if (!fs.statSync(abs).isDirectory()) return [rel];
  return fs.readdirSync(abs).flatMap((e) => filesUnder(dir, path.join(rel, e)));
}

export interface StagedFile {
  /** Path relative to the output folder, e.g. "manifests/namespace.ods-data.yaml". */
  rel: string;
  content: string;
}

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

/** Creates `file` exclusively with `content`; false when it exists already. */
function createExclusive(file: string, content: string): boolean {
  try {
    const fd = fs.openSync(file, "wx");
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

function readLock(file: string): { info?: LockInfo; text: string; ageMs: number } | undefined {
  try {
    const text = fs.readFileSync(file, "utf8");
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    try {
      const info = JSON.parse(text) as LockInfo;
      return { info: typeof info.pid === "number" ? info : undefined, text, ageMs };
    } catch {
      return { text, ageMs };
    }
  } catch {
    return undefined;
  }
}

/** A lock whose holder might still be writing: unreadable and young, on another host (cannot be checked), this process, or a live pid here. */
function lockHeld(l: { info?: LockInfo; ageMs: number }): boolean {
  if (!l.info) return l.ageMs < 10_000;
  if (l.info.host !== os.hostname()) return true;
  return l.info.pid === process.pid || alive(l.info.pid);
}

/**
 * Takes the folder's lock. A dead holder's lock is taken over under a second, exclusive takeover file,
 * and only if it is still the same lock: two plans that both find it stale cannot both win.
 */
function lockFolder(dir: string): void {
  const lock = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() } satisfies LockInfo);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(lock, mine)) return;
    const held = readLock(lock);
    if (!held) continue; // released just now: try again
    if (lockHeld(held)) {
      const who = held.info ? `pid ${held.info.pid} on ${held.info.host}, since ${held.info.since}` : "a plan starting now";
      throw new OutputError(`${dir} is being written by another plan (${who}); wait for it to finish or choose another --out (if no plan runs there, remove ${lock})`);
    }
    const takeover = `${lock}.takeover`;
    if (!createExclusive(takeover, mine)) {
      const t = readLock(takeover);
      if (t && t.ageMs < 30_000) throw new OutputError(`${dir}: another plan is taking over its stale lock; try again`);
      fs.rmSync(takeover, { force: true });
      continue;
    }
    try {
      if (readLock(lock)?.text === held.text) fs.rmSync(lock, { force: true });
      if (createExclusive(lock, mine)) return;
    } finally {
      fs.rmSync(takeover, { force: true });
    }
  }
  throw new OutputError(`cannot lock ${dir}: the lock keeps changing hands; try again`);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The output folder of one plan run: created and locked by `open`, finished by `commit` or `fail`. */
export class PlanOutput {
  private constructor(
    readonly dir: string,
    private readonly record: PlanRecord,
    private readonly previous: PlanRecord | undefined,
    private readonly created: boolean,
  ) {}

  /**
   * Locks the folder, refuses it (unlocked and untouched) when it holds files in the plan's paths that
   * no plan wrote, and marks it "writing" (so the previous plan's files read as not current from now
   * on). Fails, naming the other process, when another plan holds the lock; takes over the lock of a
   * writer that died.
   */
  static open(dir: string, info: { stack: string; stackFile?: string }): PlanOutput {
    const created = !fs.existsSync(dir);
    fs.mkdirSync(dir, { recursive: true });
    lockFolder(dir);
    const previous = readRecord(dir);
    const known = new Set(previous?.files ?? []);
    const foreign = [...(previous === undefined && fs.existsSync(path.join(dir, RECORD_FILE)) ? [RECORD_FILE] : []), ...OWNED_TOP.flatMap((f) => filesUnder(dir, f)).filter((f) => !known.has(f))];
    if (foreign.length > 0) {
      fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
      throw new OutputError(
        `${dir} holds ${foreign.length} file(s) the plan did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); the plan never overwrites or deletes them: move them, or choose another --out`,
      );
    }
    const record: PlanRecord = { status: "writing", pid: process.pid, stack: info.stack, ...(info.stackFile ? { stackFile: info.stackFile } : {}), startedAt: new Date().toISOString(), files: previous?.files ?? [] };
    writeJsonAtomic(path.join(dir, RECORD_FILE), record);
    return new PlanOutput(dir, record, previous, created);
  }

  /**
   * Writes the new files into a staging folder, then moves them into place and records them with
   * their digests. `hook` runs between the steps (tests use it to stop a plan midway).
   */
  commit(
    files: StagedFile[],
    info: { configHash: string; kit: KitVersion; invalidObjects: number; charts: boolean },
    hook: (phase: string) => void = () => undefined,
  ): void {
    const staging = path.join(this.dir, `${STAGING_PREFIX}${process.pid}`);
    const retired = path.join(this.dir, `${RETIRED_PREFIX}${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    for (const f of files) {
      const abs = path.join(staging, f.rel);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, f.content);
    }
    hook("staged");
    const newFiles = files.map((f) => f.rel).sort();
    // From here the folder may hold a mix: the record lists every file of either plan, and says "writing".
    writeJsonAtomic(path.join(this.dir, RECORD_FILE), { ...this.record, files: [...new Set([...(this.previous?.files ?? []), ...newFiles])].sort() });
    fs.mkdirSync(retired, { recursive: true });
    for (const top of OWNED_TOP) {
      const current = path.join(this.dir, top);
      if (fs.existsSync(current)) fs.renameSync(current, path.join(retired, top));
      hook(`moved-out:${top}`);
      const next = path.join(staging, top);
      if (fs.existsSync(next)) fs.renameSync(next, current);
    }
    hook("moved-in");
    fs.rmSync(retired, { recursive: true, force: true });
    fs.rmSync(staging, { recursive: true, force: true });
    const sha = Object.fromEntries(files.map((f) => [f.rel, sha256(f.content)]));
    writeJsonAtomic(path.join(this.dir, RECORD_FILE), { ...this.record, ...info, status: "complete", finishedAt: new Date().toISOString(), files: newFiles, sha256: sha });
    this.unlock();
  }

  /** Records a failed plan (the files in place are the previous plan's, and the record says so) and unlocks. */
  fail(error: string): void {
    if (this.created && !this.previous) {
      // Nothing of ours was here before: leave nothing behind.
      fs.rmSync(path.join(this.dir, RECORD_FILE), { force: true });
      this.unlock();
      if (fs.readdirSync(this.dir).length === 0) fs.rmdirSync(this.dir);
      return;
    }
    writeJsonAtomic(path.join(this.dir, RECORD_FILE), { ...this.record, status: "failed", finishedAt: new Date().toISOString(), error });
    this.unlock();
  }

  private unlock(): void {
    // The staging and retired folders of this writer and of the one before it (killed midway), by name: nobody else's.
    for (const pid of new Set([process.pid, ...(this.previous ? [this.previous.pid] : [])])) {
      for (const prefix of [STAGING_PREFIX, RETIRED_PREFIX]) fs.rmSync(path.join(this.dir, `${prefix}${pid}`), { recursive: true, force: true });
    }
    fs.rmSync(path.join(this.dir, LOCK_FILE), { force: true });
  }
}

export interface Expected {
  stack?: string;
  configHash?: string;
  kit?: KitVersion;
  /** Check that every recorded file is there with its recorded content, and that charts were rendered. */
  contents?: boolean;
}

/**
 * The record of a folder a reader may trust: complete, for the expected stack, config and kit. Throws
 * with the reason otherwise (no record, still writing or killed, failed, another stack, stale config
 * or kit).
 */
export function readPlanRecord(dir: string, expected: Expected = {}): PlanRecord {
  const record = readRecord(dir);
  if (!record) throw new OutputError(`${dir} has no ${RECORD_FILE}: it does not hold a completed plan`);
  if (record.status === "writing") {
    const lock = path.join(dir, LOCK_FILE);
    const writer = fs.existsSync(lock) && alive(record.pid) ? `a plan (pid ${record.pid}) is writing it now` : `the plan that wrote it (pid ${record.pid}) stopped before finishing`;
    throw new OutputError(`${dir} is not a completed plan: ${writer}`);
  }
  if (record.status === "failed") throw new OutputError(`${dir} holds the files of an earlier plan: the last plan of it failed (${record.error ?? "no reason recorded"})`);
  if (record.invalidObjects) throw new OutputError(`${dir} holds ${record.invalidObjects} object(s) that fail their schema (the plan exited 1)`);
  if (expected.stack && record.stack !== expected.stack) throw new OutputError(`${dir} is a plan of stack ${record.stack}, not ${expected.stack}`);
  if (expected.configHash && record.configHash !== expected.configHash) throw new OutputError(`${dir} is stale: the stack's config changed since it was planned (${record.finishedAt})`);
  if (expected.kit && (record.kit?.version !== expected.kit.version || record.kit?.commit !== expected.kit.commit)) {
    throw new OutputError(`${dir} is stale: planned by kit ${record.kit?.version} (${record.kit?.commit}), this is ${expected.kit.version} (${expected.kit.commit})`);
  }
  if (expected.contents) {
    if (record.charts === false) throw new OutputError(`${dir} was planned with --no-charts: what the Helm charts deploy is not in it`);
    for (const f of record.files) {
      const abs = path.join(dir, f);
      if (!fs.existsSync(abs)) throw new OutputError(`${dir}: ${f} is missing since the plan wrote it`);
      if (record.sha256?.[f] !== sha256(fs.readFileSync(abs, "utf8"))) throw new OutputError(`${dir}: ${f} was changed since the plan wrote it`);
    }
  }
  return record;
}
