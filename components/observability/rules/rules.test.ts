// The generated rule files: current (not stale), valid for promtool, and passing their promtool unit
// tests (a firing and a silent case per alert, thresholds from each stack's own SLO and profile).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { promtool } from "./promtool";
import { ruleFiles, stackAlertInputs } from "./files";
import { alertCases, durationMinutes, RATE_WINDOW_MINUTES } from "./promtoolTests";

interface TestGroup {
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[];
}
interface TestFile { tests: TestGroup[] }
const minutes = (d: string) => durationMinutes(d);

const DIR = __dirname;
const STACKS = ["local", "dev", "staging", "prod"];

describe.each(STACKS)("stack %s", (stack) => {
  const files = ruleFiles(stack);

  it("has committed rule and test files identical to what `npm run rules` generates", () => {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(DIR, name);
      expect(fs.existsSync(file)).toBe(true);
      // A stale file (SLO changed in the stack file, rules edited by hand) fails here: regenerate with npm run rules.
      expect({ file: name, current: fs.readFileSync(file, "utf8") === text }).toEqual({ file: name, current: true });
    }
  });

  it("passes promtool check rules", () => {
    const r = promtool(["check", "rules", `${stack}.rules.yaml`], DIR);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("passes promtool test rules: every alert fires on its bad series, stays silent on the good ones and before its `for`", () => {
    const doc = YAML.parse(files[`${stack}.test.yaml`]) as TestFile;
    const rules = (YAML.parse(files[`${stack}.rules.yaml`]) as { groups: { rules: { alert: string; for: string }[] }[] }).groups.flatMap((g) => g.rules);
    const cases = alertCases(stackAlertInputs(stack));
    for (const r of rules) {
      const due = durationMinutes(r.for) + RATE_WINDOW_MINUTES;
      const c = cases[r.alert];
      // Same series with the same values (the sample count depends on the group).
      const same = (x: { series: string; values: string }, y: { series: string; values: string }) => x.series === y.series && x.values.replace(/x\d+$/, "") === y.values.replace(/x\d+$/, "");
      const has = (t: TestGroup, series: { series: string; values: string }[]) => series.every((x) => t.input_series.some((y) => same(x, y)));
      const late = (t: TestGroup) => t.alert_rule_test.filter((a) => a.alertname === r.alert && minutes(a.eval_time) >= due);
      const fireGroups = doc.tests.filter((t) => has(t, c.fire) && late(t).some((a) => a.exp_alerts.length > 0));
      const silentGroups = doc.tests.filter((t) => has(t, c.silent) && late(t).length > 0);
      // Fires with exactly the case's labels (promtool compares the whole set of firing alerts at eval_time)...
      expect({ alert: r.alert, firing: fireGroups.map((t) => late(t).map((a) => a.exp_alerts.map((e) => e.exp_labels))) }).toEqual({ alert: r.alert, firing: [[[expect.objectContaining(c.labels)]]] });
      // ...and the silent series are evaluated where only that is expected (or nothing, for a case of its own).
      expect({ alert: r.alert, silentGroups: silentGroups.length }).toEqual({ alert: r.alert, silentGroups: 1 });
      if (c.separate) {
        expect(silentGroups[0]).not.toBe(fireGroups[0]);
        expect(late(silentGroups[0]).map((a) => a.exp_alerts)).toEqual([[]]);
      } else {
        expect(silentGroups[0]).toBe(fireGroups[0]);
      }
      const fireGroup = fireGroups[0];
      // Not firing while its `for` has not elapsed.
      if (durationMinutes(r.for) >= 2) {
        const early = fireGroup.alert_rule_test.filter((a) => a.alertname === r.alert && minutes(a.eval_time) < durationMinutes(r.for));
        expect({ alert: r.alert, early: early.map((a) => a.exp_alerts) }).toEqual({ alert: r.alert, early: [[]] });
      }
    }
    const r = promtool(["test", "rules", `${stack}.test.yaml`], DIR);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

describe("promtool really evaluates the rules (bad cases)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ods-rules-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const files = ruleFiles("prod");

  const run = (rulesText: string, test: TestFile) => {
    fs.writeFileSync(path.join(tmp, "prod.rules.yaml"), rulesText);
    fs.writeFileSync(path.join(tmp, "t.test.yaml"), YAML.stringify(test));
    return promtool(["test", "rules", "t.test.yaml"], tmp);
  };
  const testDoc = () => YAML.parse(files["prod.test.yaml"]) as TestFile;

  it("passes the unchanged files in the scratch folder (so the failures below are the mutations')", () => {
    expect(run(files["prod.rules.yaml"], testDoc()).status).toBe(0);
  });

  it("fails when a silent case fires: a threshold moved onto the silent case's value", () => {
    // The silent KV-cache case sits exactly at the threshold; a rule with a lower one fires on it.
    const text = files["prod.rules.yaml"].replace("(vllm:kv_cache_usage_perc{namespace=\"ods-model\",model_name!=\"\"}) > 0.95", "(vllm:kv_cache_usage_perc{namespace=\"ods-model\",model_name!=\"\"}) > 0.9");
    expect(text).not.toBe(files["prod.rules.yaml"]);
    const r = run(text, testDoc());
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
    expect(r.output).toContain("VllmKvCacheNearFull");
  });

  it("fails when an alert ignores its `for` (the early assertion)", () => {
    const groups = YAML.parse(files["prod.rules.yaml"]) as { groups: { rules: { alert: string; for: string }[] }[] };
    groups.groups.flatMap((g) => g.rules).find((x) => x.alert === "MysqlClusterUnhealthy")!.for = "0m";
    const r = run(YAML.stringify(groups), testDoc());
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("MysqlClusterUnhealthy");
  });

  it("fails when a firing case is expected silent, and when a separate silent case is expected to fire", () => {
    const doc = testDoc();
    const fire = doc.tests.flatMap((t) => t.alert_rule_test).find((a) => a.alertname === "GpuTooHot" && a.exp_alerts.length > 0)!;
    fire.exp_alerts = [];
    expect(run(files["prod.rules.yaml"], doc).status).not.toBe(0);
    const doc2 = testDoc();
    const asserts = doc2.tests.flatMap((t) => t.alert_rule_test).filter((a) => a.alertname === "RedisNoMaster" && minutes(a.eval_time) >= 2);
    const silent = asserts.find((a) => a.exp_alerts.length === 0)!;
    silent.exp_alerts = asserts.find((a) => a.exp_alerts.length > 0)!.exp_alerts;
    const r = run(files["prod.rules.yaml"], doc2);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });

  it("fails a rule file with an expression that does not parse", () => {
    fs.writeFileSync(path.join(tmp, "bad.rules.yaml"), YAML.stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "sum by (x (up)" }] }] }));
    const r = promtool(["check", "rules", "bad.rules.yaml"], tmp);
    expect(r.status).not.toBe(0);
  });

  it("tells how to install promtool when it is missing", () => {
    const saved = process.env.PROMTOOL;
    process.env.PROMTOOL = path.join(tmp, "no-such-promtool");
    try {
      expect(() => promtool(["--version"])).toThrow("run `npm run setup`");
    } finally {
      if (saved === undefined) delete process.env.PROMTOOL;
      else process.env.PROMTOOL = saved;
    }
  });
});
