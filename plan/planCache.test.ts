// The plan cache's own mechanics, on plans that fail at once (no stack config): locks left by dead or
// half-started holders are taken over, and a failed plan's error reaches the caller as it was thrown.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../config/load";
import { cachedPlan, lockAbandoned, planCacheDir, planKey } from "./planCache";

let dir: string;
let saved: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-plan-cache-"));
  saved = process.env.ODS_PLAN_CACHE;
  process.env.ODS_PLAN_CACHE = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.ODS_PLAN_CACHE;
  else process.env.ODS_PLAN_CACHE = saved;
  fs.rmSync(dir, { recursive: true, force: true });
});

const lockOf = (stack: string) => path.join(planCacheDir(), `${stack}-${planKey(stack)}.json.lock`);

test("a lock is abandoned when its process is gone, or when it names none for longer than a start takes", () => {
  const lock = path.join(dir, "x.lock");
  fs.writeFileSync(lock, String(process.pid));
  expect(lockAbandoned(lock)).toBe(false);
  fs.writeFileSync(lock, String(2 ** 22 + 7));
  expect(lockAbandoned(lock)).toBe(true);
  fs.writeFileSync(lock, "");
  expect(lockAbandoned(lock)).toBe(false);
  expect(lockAbandoned(lock, Date.now() + 11_000)).toBe(true);
  expect(lockAbandoned(path.join(dir, "gone.lock"))).toBe(false);
});

test("a dead holder's lock is taken over, and the child's error is the caller's, the lock released", async () => {
  fs.writeFileSync(lockOf("nope"), String(2 ** 22 + 7));
  await expect(cachedPlan("nope")).rejects.toThrow('no config for stack "nope"');
  expect(fs.existsSync(lockOf("nope"))).toBe(false);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith(".json"))).toEqual([]);
});

test("invalid config fails as a ConfigError with its problems, not as a child's exit code", async () => {
  const file = path.join(dir, "Pulumi.bad.yaml");
  fs.writeFileSync(file, "config:\n  ods:environment: t\n  ods:domain: t.example.com\n  ods:infra:\n    kind: gcp\n");
  const err = await cachedPlan("bad", { stackFile: file }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).problems.join("\n")).toContain('ods:infra.kind = "gcp"');
});
