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

function alive(pid: number): boolean {
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

/** The output folder of one plan run: created and locked by `open`, finished by `commit` or `fail`. */
export class PlanOutput {
  private constructor(
    readonly dir: string,
    private readonly record: PlanRecord,
    private readonly previous: PlanRecord | undefined,
    private readonly created: boolean,
  ) {}

  /**
   * Locks the folder and marks it "writing" (so the previous plan's files read as not current from
   * now on). Fails, naming the other process, when another plan holds the lock; takes over the lock
   * of a writer that died.
   */
  static open(dir: string, info: { stack: string; stackFile?: string }): PlanOutput {
    const created = !fs.existsSync(dir);
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, LOCK_FILE);
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = fs.openSync(lock, "wx");
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
        fs.closeSync(fd);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw new OutputError(`cannot lock ${dir}: ${(e as Error).message}`);
        let holder: { pid?: number; since?: string } = {};
        try {
          holder = JSON.parse(fs.readFileSync(lock, "utf8")) as typeof holder;
        } catch {
          // A lock being written this instant: treat it as held.
          holder = { pid: -1 };
        }
        if (holder.pid !== undefined && holder.pid !== process.pid && (holder.pid === -1 || alive(holder.pid))) {
          throw new OutputError(`${dir} is being written by another plan (pid ${holder.pid}${holder.since ? `, since ${holder.since}` : ""}); wait for it to finish or choose another --out`);
        }
        fs.rmSync(lock, { force: true }); // its writer died; the record says "writing", so nothing trusts its files
      }
    }
    const previous = readRecord(dir);
    const record: PlanRecord = { status: "writing", pid: process.pid, stack: info.stack, ...(info.stackFile ? { stackFile: info.stackFile } : {}), startedAt: new Date().toISOString(), files: previous?.files ?? [] };
    const out = new PlanOutput(dir, record, previous, created);
    // A folder that holds plan files but no record is not ours to mark; it is checked in commit().
    if (previous || !OWNED_TOP.some((f) => fs.existsSync(path.join(dir, f)))) writeJsonAtomic(path.join(dir, RECORD_FILE), record);
    return out;
  }

  /**
   * Files in the plan's own paths that no plan wrote here (not in the previous record): the plan must
   * not overwrite or delete them.
   */
  private foreignFiles(): string[] {
    const known = new Set(this.previous?.files ?? []);
    return OWNED_TOP.flatMap((f) => filesUnder(this.dir, f)).filter((f) => !known.has(f));
  }

  /**
   * Writes the new files into a staging folder, then moves them into place and records them. Refuses
   * (before touching anything) when the folder holds files in the plan's paths that it did not write.
   * `hook` runs between the steps (tests use it to stop a plan midway).
   */
  commit(files: StagedFile[], info: { configHash: string; kit: KitVersion; invalidObjects: number }, hook: (phase: string) => void = () => undefined): void {
    const foreign = this.foreignFiles();
    if (foreign.length > 0) {
      throw new OutputError(
        `${this.dir} holds ${foreign.length} file(s) the plan did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}); the plan never overwrites or deletes them: move them, or choose another --out`,
      );
    }
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
    writeJsonAtomic(path.join(this.dir, RECORD_FILE), { ...this.record, ...info, status: "complete", finishedAt: new Date().toISOString(), files: newFiles });
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
    if (this.previous || fs.existsSync(path.join(this.dir, RECORD_FILE))) {
      writeJsonAtomic(path.join(this.dir, RECORD_FILE), { ...this.record, status: "failed", finishedAt: new Date().toISOString(), error });
    }
    this.unlock();
  }

  private unlock(): void {
    fs.rmSync(path.join(this.dir, LOCK_FILE), { force: true });
    // Leftovers of a writer that was killed (its own staging and retired folders, by name).
    for (const e of fs.readdirSync(this.dir)) {
      if (e.startsWith(STAGING_PREFIX) || e.startsWith(RETIRED_PREFIX)) fs.rmSync(path.join(this.dir, e), { recursive: true, force: true });
    }
  }
}

export interface Expected {
  stack?: string;
  configHash?: string;
  kit?: KitVersion;
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
  return record;
}
