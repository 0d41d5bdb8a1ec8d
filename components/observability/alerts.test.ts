// The alert rules as pure functions: thresholds from each stack's SLO and gate profile, the groups a
// stack gets, metric names from the repository's list, and every input check with its bad value.
import * as YAML from "yaml";
import { AlertInputs, alertInputProblems, alertRuleGroups, apiSloFromProfile, renderRuleFile } from "./alerts";
import { KNOWN_METRICS, metricNames, unknownMetricNames } from "./metrics";
import { stackAlertInputs } from "./rules/files";

const BASE: AlertInputs = {
  stack: "t",
  slo: { percentile: 95, ttftMs: 750, tpotMs: 40, goodput: 0.9 },
  api: { percentile: 95, latencyMs: 500, errorRatio: 0.01 },
  namespaces: { data: "x-data", model: "x-model", apps: "x-apps", edge: "x-edge", identity: "x-identity", observability: "x-observability" },
  gpus: true,
  mysqlReplicas: 3,
  waitingPerReplica: 4,
};
const rules = (i: AlertInputs = BASE) => alertRuleGroups(i).flatMap((g) => g.rules);
const ruleOf = (name: string, i: AlertInputs = BASE) => {
  const r = rules(i).find((x) => x.alert === name);
  if (!r) throw new Error(`no rule ${name}`);
  return r;
};

describe("LLM alerts follow ods:model.slo", () => {
  it("uses the SLO's percentile and bounds in seconds", () => {
    expect(ruleOf("VllmTtftAboveSlo").expr).toBe('histogram_quantile(0.95, sum by (namespace, model_name, le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="x-model",model_name!=""}[5m]))) > 0.75');
    expect(ruleOf("VllmInterTokenLatencyAboveSlo").expr).toContain(") > 0.04");
    expect(ruleOf("VllmQueueAboveSlo").expr).toMatch(/request_queue_time_seconds_bucket.* > 0\.75$/);
    expect(ruleOf("VllmQueueBacklog").expr).toBe('avg by (namespace, model_name) (vllm:num_requests_waiting{namespace="x-model",model_name!=""}) > 4');
  });

  it("reads prod's SLO from its stack file (the gate's source): p99, 500 ms, 30 ms", () => {
    const prod = stackAlertInputs("prod");
    expect(prod.slo).toEqual({ percentile: 99, ttftMs: 500, tpotMs: 30, goodput: 0.95 });
    expect(ruleOf("VllmTtftAboveSlo", prod).expr).toMatch(/^histogram_quantile\(0\.99, .* > 0\.5$/);
    expect(ruleOf("VllmInterTokenLatencyAboveSlo", prod).expr).toMatch(/ > 0\.03$/);
    expect(ruleOf("ApiLatencyAboveSlo", prod).expr).toMatch(/^histogram_quantile\(0\.95, .* > 0\.5$/);
    expect(prod.namespaces.model).toBe("ods-model");
    expect(stackAlertInputs("local").slo.ttftMs).toBe(2000);
  });
});

describe("groups per stack", () => {
  it("has GPU alerts only where the stack has the DCGM exporter", () => {
    expect(alertRuleGroups(BASE).map((g) => g.name)).toEqual(["ods-llm", "ods-gpu", "ods-api", "ods-data", "ods-platform"]);
    expect(alertRuleGroups({ ...BASE, gpus: false }).map((g) => g.name)).not.toContain("ods-gpu");
    expect(stackAlertInputs("local").gpus).toBe(false);
    expect(stackAlertInputs("prod").gpus).toBe(true);
  });

  it("has replication alerts only where MySQL has replicas", () => {
    expect(rules().map((r) => r.alert)).toEqual(expect.arrayContaining(["MysqlReplicationBroken", "MysqlReplicationLagging"]));
    expect(rules({ ...BASE, mysqlReplicas: 1 }).map((r) => r.alert)).not.toContain("MysqlReplicationBroken");
  });

  it("gives every rule a severity, a summary, a description with a next step, and a runbook link when a base is set", () => {
    const all = rules({ ...BASE, runbookBase: "https://docs.example.com/alerts" });
    expect(new Set(all.map((r) => r.alert)).size).toBe(all.length);
    for (const r of all) {
      expect(["critical", "warning"]).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
      expect(r.annotations.description.length).toBeGreaterThan(80);
      expect(r.annotations.description).not.toContain("$value");
      expect(r.annotations.runbook_url).toBe(`https://docs.example.com/alerts#${r.alert.toLowerCase()}`);
    }
    expect(rules().every((r) => r.annotations.runbook_url === undefined)).toBe(true);
  });

  it("uses only metric names from the repository's list", () => {
    for (const r of rules()) expect({ alert: r.alert, unknown: unknownMetricNames(r.expr) }).toEqual({ alert: r.alert, unknown: [] });
  });

  it("renders a Prometheus rule file that reads back as the groups", () => {
    const groups = alertRuleGroups(BASE);
    const text = renderRuleFile(groups, "generated");
    expect(text.startsWith("# generated\n")).toBe(true);
    expect(YAML.parse(text)).toEqual({ groups });
  });
});

describe("input checks (each with its bad value)", () => {
  it.each([
    [{ api: { ...BASE.api, percentile: 100 } }, "api.percentile 100"],
    [{ api: { ...BASE.api, latencyMs: 0 } }, "api.latencyMs 0"],
    [{ api: { ...BASE.api, errorRatio: 1 } }, "api.errorRatio 1"],
    [{ waitingPerReplica: 0 }, "waitingPerReplica 0"],
    [{ mysqlReplicas: 0 }, "mysqlReplicas 0"],
    [{ namespaces: { ...BASE.namespaces, data: "Bad_NS" } }, 'namespaces.data "Bad_NS"'],
  ])("refuses %j", (patch, message) => {
    const bad = { ...BASE, ...patch } as AlertInputs;
    expect(alertInputProblems(bad).join("\n")).toContain(message);
    expect(() => alertRuleGroups(bad)).toThrow(message);
  });
  it("accepts the base inputs", () => expect(alertInputProblems(BASE)).toEqual([]));
});

describe("API objective from the gate profile", () => {
  const profile = (ms: string[], errors: string[]) => ({ services: { "data-api": { thresholds: { data_api_ms: ms, data_api_errors: errors } } } });
  it("reads p(NN)<MS and rate<X", () => {
    expect(apiSloFromProfile(profile(["p(95)<500"], ["rate<0.01"]), "p.json")).toEqual({ percentile: 95, latencyMs: 500, errorRatio: 0.01 });
  });
  it("names the file and key when a threshold is missing or malformed", () => {
    expect(() => apiSloFromProfile(profile(["avg<500"], ["rate<0.01"]), "p.json")).toThrow('p.json: services["data-api"].thresholds.data_api_ms needs a "p(NN)<MS" threshold');
    expect(() => apiSloFromProfile(profile(["p(95)<500"], []), "p.json")).toThrow("data_api_errors needs a \"rate<X\" threshold");
    expect(() => apiSloFromProfile({}, "p.json")).toThrow("p.json");
  });
});

describe("metric names in PromQL", () => {
  it("finds selectors and ignores functions, labels, strings, grouping and keywords", () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, job) (rate(x_bucket{a="b",c=~"d|e"}[5m]))) > 1e3 and on (job) y offset 5m unless label_replace(z, "m", "$1", "n", "(.*)")').sort()).toEqual(["x_bucket", "y", "z"]);
    expect(metricNames("vllm:num_requests_waiting{model_name!=\"\"} / ignoring(pod) group_left w")).toEqual(["vllm:num_requests_waiting", "w"]);
  });
  it("flags a name that is not in the list (a typo or a renamed series)", () => {
    expect(unknownMetricNames("rate(vllm:gpu_cache_usage_perc[5m]) + DCGM_FI_DEV_GPU_UTIL")).toEqual(["vllm:gpu_cache_usage_perc"]);
    expect(KNOWN_METRICS.has("vllm:time_to_first_token_seconds_bucket")).toBe(true);
    expect(KNOWN_METRICS.has("vllm:time_to_first_token_seconds")).toBe(false);
  });
});
