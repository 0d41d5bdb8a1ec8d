// The dashboards: valid JSON with the shape Grafana's sidecar loads, every query parses (promtool, as
// recording rules with Grafana's variables substituted) and uses only metric names from the list.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { unknownMetricNames } from "../metrics";
import { promtool } from "../rules/promtool";
import { DASHBOARDS, dashboardQueries, loadDashboard, substituteVariables } from "./index";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ods-dash-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every query of the dashboards as a recording rule, for `promtool check rules`. */
function asRecordingRules(queries: { panel: string; expr: string }[]): string {
  return YAML.stringify({ groups: [{ name: "dashboards", rules: queries.map((q, n) => ({ record: `dashboard:query_${n}`, expr: substituteVariables(q.expr) })) }] });
}

it("lists exactly the JSON files in the folder", () => {
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith(".json")).sort();
  expect(DASHBOARDS.map((d) => d.file).sort()).toEqual(files);
  expect(() => loadDashboard("nope")).toThrow('no dashboard "nope"; known: gpu, vllm');
});

describe.each(DASHBOARDS.map((d) => d.name))("dashboard %s", (name) => {
  const d = loadDashboard(name);
  const queries = dashboardQueries(d);

  it("has a unique ods- uid, a title, panels with queries and a data-source variable", () => {
    expect(d.uid).toBe(`ods-${name}`);
    expect(String(d.title)).toMatch(/^ODS \/ /);
    expect(queries.length).toBeGreaterThan(0);
    expect(((d.templating as { list: { name: string }[] }).list).map((v) => v.name)).toContain("datasource");
  });

  it("uses only metric names from components/observability/metrics.ts", () => {
    for (const q of queries) expect({ panel: q.panel, unknown: unknownMetricNames(substituteVariables(q.expr)) }).toEqual({ panel: q.panel, unknown: [] });
  });

  it("has queries that promtool parses", () => {
    const file = path.join(tmp, `${name}.rules.yaml`);
    fs.writeFileSync(file, asRecordingRules(queries));
    const r = promtool(["check", "rules", file]);
    expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
    expect(r.status).toBe(0);
  });
});

describe("bad cases", () => {
  it("a dashboard query on an unknown metric is caught", () => {
    const bad = { panels: [{ title: "typo", targets: [{ expr: 'sum(rate(vllm:num_request_waiting{model_name=~"$model"}[$__rate_interval]))' }] }] };
    const [q] = dashboardQueries(bad);
    expect(unknownMetricNames(substituteVariables(q.expr))).toEqual(["vllm:num_request_waiting"]);
  });

  it("a dashboard query that does not parse fails promtool", () => {
    const file = path.join(tmp, "bad.rules.yaml");
    fs.writeFileSync(file, asRecordingRules([{ panel: "bad", expr: "sum(rate(up[$__rate_interval])" }]));
    expect(promtool(["check", "rules", file]).status).not.toBe(0);
  });

  it("substitutes Grafana variables so PromQL parses", () => {
    expect(substituteVariables('rate(x{a=~"$model",b="${node}"}[$__rate_interval])')).toBe('rate(x{a=~".*",b=".*"}[5m])');
  });
});
