// The generated rule files: current (not stale), valid for promtool, and passing their promtool unit
// tests (a firing and a silent case per alert, thresholds from each stack's own SLO and profile).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { promtool } from "./promtool";
import { ruleFiles } from "./files";

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

  it("passes promtool test rules: every alert fires on its bad series and stays silent on the good ones", () => {
    const tests = YAML.parse(files[`${stack}.test.yaml`]) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] };
    const rules = YAML.parse(files[`${stack}.rules.yaml`]) as { groups: { rules: { alert: string }[] }[] };
    for (const alert of rules.groups.flatMap((g) => g.rules.map((x) => x.alert))) {
      const cases = tests.tests.flatMap((t) => t.alert_rule_test).filter((t) => t.alertname === alert);
      expect({ alert, firing: cases.filter((c) => c.exp_alerts.length > 0).length, silent: cases.filter((c) => c.exp_alerts.length === 0).length }).toEqual({ alert, firing: 1, silent: 1 });
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

  it("fails a test that expects a silent case to fire", () => {
    fs.writeFileSync(path.join(tmp, "prod.rules.yaml"), files["prod.rules.yaml"]);
    const doc = YAML.parse(files["prod.test.yaml"]) as { tests: { alert_rule_test: { exp_alerts: unknown[] }[] }[] };
    // tests come in pairs (fire, silent): make the first silent case expect the firing case's alert.
    doc.tests[1].alert_rule_test[0].exp_alerts = doc.tests[0].alert_rule_test[0].exp_alerts;
    fs.writeFileSync(path.join(tmp, "wrong.test.yaml"), YAML.stringify(doc));
    const r = promtool(["test", "rules", "wrong.test.yaml"], tmp);
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
