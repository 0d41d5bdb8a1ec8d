// The plan's output folder as users and CI meet it: concurrent runs, a plan killed midway, a failed
// plan over an old one, user files in the folder, stale config, and a separate folder for --stack-file.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLAN_CLI, planCommand } from "../plan/cli";
import { defaultOut, PlanOutput, PlanRecord, readPlanRecord } from "../plan/outputDir";
import { cachedPlan } from "../plan/planCache";
import { FullPlanResult, PlanOptions } from "../plan/run";
import { runInProcess } from "./cli";

const ROOT = path.resolve(__dirname, "..");
const LOCAL = path.join(ROOT, "stacks", "Pulumi.local.yaml");

/** The plan command in this process, planning through the shared plan cache (or `planner`). */
function plan(args: string[], planner: (stack: string, opts: PlanOptions) => Promise<FullPlanResult> = cachedPlan) {
  return runInProcess(PLAN_CLI, args, planCommand({ plan: planner, hook: () => undefined }));
}

const record = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as PlanRecord;
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ods-out-${prefix}-`));

test("a complete plan records stack, config hash, kit version, time and its files; --verify accepts it", async () => {
  const out = path.join(tmp("ok"), "out");
  expect((await plan(["--stack", "local", "--out", out])).status).toBe(0);
  const r = record(out);
  expect(r).toMatchObject({ status: "complete", stack: "local", kit: { version: "0.1.0" } });
  expect(r.configHash).toMatch(/^[0-9a-f]{64}$/);
  expect(r.files).toContain("resources.json");
  expect(r.files.filter((f) => f.startsWith("manifests")).length).toBe(fs.readdirSync(path.join(out, "manifests")).length);
  expect(fs.readdirSync(out).sort()).toEqual(["manifests", "outputs.json", "plan.json", "resources.json"]);
  const v = await plan(["--stack", "local", "--verify", out]);
  expect(v.stdout).toContain("complete plan of stack local");
  expect(v.status).toBe(0);
  expect((await plan(["--stack", "dev", "--verify", out])).stderr).toContain("is a plan of stack local, not dev");
});

test("two plans into one folder cannot interleave: the second is refused by name while the first holds it", async () => {
  const out = path.join(tmp("race"), "out");
  // The first plan holds the folder while it plans, until the test lets it go on.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let planning!: () => void;
  const started = new Promise<void>((r) => (planning = r));
  const first = plan(["--stack", "local", "--out", out], async (stack, opts) => {
    planning();
    await held;
    return cachedPlan(stack, opts);
  });
  await started;
  expect(fs.existsSync(path.join(out, ".plan.lock"))).toBe(true);
  const second = await plan(["--stack", "local", "--out", out]);
  expect(second.status).toBe(2);
  expect(second.stderr).toMatch(/is being written by another plan \(pid \d+ on \S+, since /);
  release();
  expect((await first).status).toBe(0);
  expect(record(out).status).toBe("complete");
  expect((await plan(["--stack", "local", "--verify", out])).status).toBe(0);
});

test("a plan killed midway (old files moved out, new not yet in) leaves a folder readers refuse; the next plan recovers it", async () => {
  const out = path.join(tmp("kill"), "out");
  expect((await plan(["--stack", "local", "--out", out])).status).toBe(0);
  // A real process killed with SIGKILL while it moves the files: no handler of its own runs.
  const killed = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "test/fixtures/killedWriter.ts", out, "moved-out:manifests"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  expect(killed.signal).toBe("SIGKILL");
  expect(fs.existsSync(path.join(out, "manifests"))).toBe(false);
  const v = await plan(["--stack", "local", "--verify", out]);
  expect(v.status).toBe(1);
  expect(v.stderr).toMatch(/stopped before finishing/);
  expect((await plan(["--stack", "local", "--out", out])).status).toBe(0);
  expect(readPlanRecord(out, { stack: "local" }).status).toBe("complete");
  expect(fs.readdirSync(out).filter((e) => e.startsWith("."))).toEqual([]);
});

test("a failed plan over an old one says so: the old files stay, marked as not current", async () => {
  const dir = tmp("fail");
  const out = path.join(dir, "out");
  expect((await plan(["--stack", "local", "--out", out])).status).toBe(0);
  const bad = path.join(dir, "bad.yaml");
  fs.writeFileSync(bad, "config:\n  ods:environment: local\n  ods:domain: x\n  ods:infra: { kind: existing }\n");
  const failed = await plan(["--stack", "local", "--stack-file", bad, "--out", out]);
  expect(failed.status).toBe(2);
  expect(record(out)).toMatchObject({ status: "failed", error: expect.stringContaining("invalid stack config") });
  expect(fs.existsSync(path.join(out, "resources.json"))).toBe(true);
  expect(() => readPlanRecord(out)).toThrow("the last plan of it failed (invalid stack config:");
});

test("a stack name that is not a plain name is refused before anything is written", async () => {
  for (const bad of ["..", ".", "a/b"]) {
    const res = await plan(["--stack", bad]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`stack name ${JSON.stringify(bad)} is not valid`);
  }
  expect(fs.existsSync(path.join(ROOT, "plan.json"))).toBe(false);
});

test("--stack-file plans go to a folder of their own, never over out/<stack>", async () => {
  expect(defaultOut("prod")).toBe(path.join(ROOT, "out", "prod"));
  const a = defaultOut("prod", "/tmp/x/my-config.yaml");
  expect(a).toMatch(/out[/\\]prod--my-config-[0-9a-f]{8}$/);
  expect(defaultOut("prod", "/tmp/y/my-config.yaml")).not.toBe(a);
  const dir = tmp("sf");
  const file = path.join(dir, "Pulumi.try.yaml");
  fs.copyFileSync(LOCAL, file);
  const res = await plan(["--stack", "local", "--stack-file", file]);
  expect(res.status).toBe(0);
  const expected = defaultOut("local", file);
  expect(res.stdout).toContain(path.join(expected, "resources.json"));
  expect(record(expected)).toMatchObject({ status: "complete", stack: "local", stackFile: file });
  // --verify re-reads the recorded config file: a change to it makes the folder stale.
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("ods:domain: ods.localtest.me", "ods:domain: other.localtest.me"));
  const v = await plan(["--stack", "local", "--verify", expected]);
  expect(v.status).toBe(1);
  expect(v.stderr).toContain("is stale: the stack's config changed since it was planned");
  fs.rmSync(file);
  const gone = await plan(["--stack", "local", "--verify", expected]);
  expect(gone.status).toBe(1);
  expect(gone.stderr).toContain("cannot be checked against its config");
  fs.rmSync(expected, { recursive: true, force: true });
});

describe("the output folder in process (PlanOutput and readPlanRecord)", () => {
  const files = (n: number) => [
    { rel: "resources.json", content: "[]\n" },
    { rel: "outputs.json", content: "{}\n" },
    ...Array.from({ length: n }, (_, i) => ({ rel: path.join("manifests", `m${i}.yaml`), content: `n: ${i}\n` })),
  ];
  const info = { configHash: "abc", kit: { version: "0.1.0", commit: "c1" }, invalidObjects: 0, charts: true };
  const write = (out: string, n: number) => PlanOutput.open(out, { stack: "local" }).commit(files(n), info);

  test("a later plan replaces exactly its own files and leaves the rest of the folder alone", () => {
    const out = tmp("own");
    fs.writeFileSync(path.join(out, "notes.txt"), "mine");
    write(out, 3);
    write(out, 1);
    expect(fs.readdirSync(path.join(out, "manifests"))).toEqual(["m0.yaml"]);
    expect(fs.readFileSync(path.join(out, "notes.txt"), "utf8")).toBe("mine");
    expect(readPlanRecord(out, { stack: "local", configHash: "abc", kit: info.kit }).files).toEqual(["manifests/m0.yaml", "outputs.json", "resources.json"]);
  });

  test("files in the plan's paths that no plan wrote stop it before it runs, and the previous plan stays current", () => {
    const out = tmp("user");
    write(out, 2);
    fs.writeFileSync(path.join(out, "manifests", "my-patch.yaml"), "kind: Mine\n");
    expect(() => PlanOutput.open(out, { stack: "local" })).toThrow("holds 1 file(s) the plan did not write (manifests/my-patch.yaml)");
    expect(fs.readdirSync(path.join(out, "manifests")).sort()).toEqual(["m0.yaml", "m1.yaml", "my-patch.yaml"]);
    expect(record(out).status).toBe("complete");
    expect(fs.existsSync(path.join(out, ".plan.lock"))).toBe(false);
  });

  test("a folder with plan-named files but no record, or a plan.json that is not a plan's, is not taken over", () => {
    const out = tmp("foreign");
    fs.writeFileSync(path.join(out, "resources.json"), "[]");
    expect(() => PlanOutput.open(out, { stack: "local" })).toThrow("(resources.json)");
    expect(fs.readdirSync(out)).toEqual(["resources.json"]);
    const other = tmp("foreign-record");
    fs.writeFileSync(path.join(other, "plan.json"), '{"format_version":"1.2","terraform_version":"1.9.0"}');
    expect(() => PlanOutput.open(other, { stack: "local" })).toThrow("(plan.json)");
    expect(fs.readFileSync(path.join(other, "plan.json"), "utf8")).toContain("terraform_version");
  });

  test("staging folders of another writer than the previous one are left alone", () => {
    const out = tmp("staging");
    write(out, 1);
    fs.mkdirSync(path.join(out, ".plan-staging-424242"));
    write(out, 1);
    expect(fs.existsSync(path.join(out, ".plan-staging-424242"))).toBe(true);
  });

  test("a lock is taken over only from a writer known to be dead", () => {
    const lockOf = (out: string, info: unknown) => fs.writeFileSync(path.join(out, ".plan.lock"), typeof info === "string" ? info : JSON.stringify(info));
    const dead = tmp("dead");
    lockOf(dead, { pid: 2 ** 22 + 7, host: os.hostname(), since: "earlier" });
    expect(() => write(dead, 1)).not.toThrow();
    const elsewhere = tmp("host");
    lockOf(elsewhere, { pid: 2 ** 22 + 7, host: "another-host", since: "earlier" });
    expect(() => PlanOutput.open(elsewhere, { stack: "local" })).toThrow(/being written by another plan \(pid \d+ on another-host, since earlier\).*remove .*\.plan\.lock/);
    const self = tmp("self");
    const writer = PlanOutput.open(self, { stack: "local" });
    expect(() => PlanOutput.open(self, { stack: "local" })).toThrow(`pid ${process.pid} on ${os.hostname()}`);
    writer.fail("done");
    const torn = tmp("torn");
    lockOf(torn, "{");
    expect(() => PlanOutput.open(torn, { stack: "local" })).toThrow("a plan starting now");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(torn, ".plan.lock"), old, old);
    expect(() => write(torn, 1)).not.toThrow();
  });

  test("readers notice an edited or deleted file and a plan made with --no-charts", () => {
    const out = tmp("contents");
    write(out, 2);
    expect(() => readPlanRecord(out, { contents: true })).not.toThrow();
    fs.appendFileSync(path.join(out, "manifests", "m1.yaml"), "edited: true\n");
    expect(() => readPlanRecord(out, { contents: true })).toThrow("manifests/m1.yaml was changed since the plan wrote it");
    fs.rmSync(path.join(out, "manifests", "m1.yaml"));
    expect(() => readPlanRecord(out, { contents: true })).toThrow("manifests/m1.yaml is missing since the plan wrote it");
    const nc = tmp("nocharts");
    PlanOutput.open(nc, { stack: "local" }).commit(files(1), { ...info, charts: false });
    expect(() => readPlanRecord(nc, { contents: true })).toThrow("was planned with --no-charts");
  });

  test("readers refuse a stale config, another kit, a folder being written and a failed plan", () => {
    const out = tmp("stale");
    write(out, 1);
    expect(() => readPlanRecord(out, { configHash: "other" })).toThrow("is stale: the stack's config changed since it was planned");
    expect(() => readPlanRecord(out, { kit: { version: "0.2.0", commit: "c2" } })).toThrow("is stale: planned by kit 0.1.0 (c1), this is 0.2.0 (c2)");
    const writer = PlanOutput.open(out, { stack: "local" });
    expect(() => readPlanRecord(out)).toThrow(`a plan (pid ${process.pid}) is writing it now`);
    writer.fail("stopped by the test");
    expect(() => readPlanRecord(out)).toThrow("the last plan of it failed (stopped by the test)");
  });

  test("a plan that fails in a folder it created leaves nothing behind", () => {
    const out = path.join(tmp("gone"), "out");
    PlanOutput.open(out, { stack: "local" }).fail("config error");
    expect(fs.existsSync(out)).toBe(false);
  });
});
