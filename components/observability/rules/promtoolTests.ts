// promtool unit tests for the rules of one stack (pure): for every alert a case that must fire and one
// that must stay silent, with the series values derived from the same inputs (SLO, API objective,
// thresholds) as the rules, so a stack with other numbers gets tests with other numbers.
//
// Speed: promtool evaluates EVERY rule of the file at every step of a test group, from 0 to the group's
// last eval_time. So the cases are packed into as few groups as possible (cases that share no metric
// name cannot disturb each other: each alert's own selectors and label sets keep them apart, and
// promtool compares the exact set of firing alerts, so a silent case that fires fails the test), and
// each group runs only until its slowest alert's `for` plus the 5m rate window has passed.
import { AlertInputs, AlertRule, alertRuleGroups, THRESHOLDS } from "../alerts";

type Labels = Record<string, string>;
interface Series { series: string; values: string }
/**
 * `labels`: the firing alert's labels (besides severity). The silent series carry other label values
 * than the firing ones, so both can be evaluated in one group; `separate` where they cannot (an alert
 * over a whole namespace or `absent()`): the silent case then goes into another group.
 */
interface Case { fire: Series[]; silent: Series[]; labels: Labels; separate?: boolean }

/** The rate windows of the rules: a case is evaluated once its `for` plus this has passed. */
export const RATE_WINDOW_MINUTES = 5;
/** promtool's evaluation step, minutes. */
const STEP_MINUTES = 1;

/** `10m`, `1h`, `0m`, `90s` as minutes. */
export function durationMinutes(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`duration ${JSON.stringify(d)}: allowed <n>s, <n>m or <n>h`);
  return Number(m[1]) * ({ s: 1 / 60, m: 1, h: 60 } as const)[m[2] as "s" | "m" | "h"];
}

/** When an alert's firing case is asserted: its `for`, the rate window and one step of margin. */
export function evalMinutes(forTime: string): number {
  return Math.ceil(durationMinutes(forTime)) + RATE_WINDOW_MINUTES + STEP_MINUTES;
}

// Series are written for `n` minutes (one sample a minute): enough for the group they end up in.
type Values = (n: number) => string;
interface SeriesSpec { name: string; labels: Labels; values: Values }

const s = (name: string, labels: Labels, values: Values): SeriesSpec => ({ name, labels, values });
const constant = (v: number): Values => (n) => `${v}x${n}`;
const counter = (perMinute: number): Values => (n) => `0+${perMinute}x${n}`;
const seriesText = (x: SeriesSpec) => `${x.name}{${Object.entries(x.labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;

/**
 * A histogram whose quantile is far above `boundSeconds` (fire) or below half of it (silent): buckets at
 * bound/2, 4 x bound and +Inf; the firing case puts every observation between bound/2 and 4 x bound.
 */
function histogram(name: string, labels: Labels, boundSeconds: number, fire: boolean): SeriesSpec[] {
  const low = Number((boundSeconds / 2).toFixed(6));
  const high = Number((boundSeconds * 4).toFixed(6));
  return [
    s(`${name}_bucket`, { ...labels, le: String(low) }, fire ? counter(0) : counter(10)),
    s(`${name}_bucket`, { ...labels, le: String(high) }, counter(10)),
    s(`${name}_bucket`, { ...labels, le: "+Inf" }, counter(10)),
    s(`${name}_count`, labels, counter(10)),
  ];
}

interface CaseSpec { fire: SeriesSpec[]; silent: SeriesSpec[]; labels: Labels; separate?: boolean }

/** The fire/silent inputs of every alert (series written for `n` minutes when rendered). */
function caseSpecs(i: AlertInputs): Record<string, CaseSpec> {
  const ns = i.namespaces;
  const model = { namespace: ns.model, model_name: "m1" };
  const calm = { namespace: ns.model, model_name: "m2" };
  const router = (m: string) => ({ namespace: ns.model, model: m, server: `http://${m}-engine:8000` });
  const gpu = { Hostname: "gpu-node-1", gpu: "0" };
  const coolGpu = { Hostname: "gpu-node-2", gpu: "0" };
  const app = { namespace: ns.data, job: "data-api" };
  const calmApp = { namespace: ns.apps, job: "agent-api" };
  const mysql = { namespace: ns.data, pod: "moco-db-1" };
  const okMysql = { namespace: ns.data, pod: "moco-db-2" };
  const redis = { namespace: ns.data, pod: "redis-server-0" };
  const milvus = { namespace: ns.data, app_kubernetes_io_name: "milvus" };
  const cert = { namespace: ns.edge, name: "gateway-tls" };
  const okCert = { namespace: ns.edge, name: "other-tls" };
  const pvc = { namespace: ns.data, persistentvolumeclaim: "data-db-0" };
  const okPvc = { namespace: ns.data, persistentvolumeclaim: "data-db-1" };
  const ttft = i.slo.ttftMs / 1000;
  const tpot = i.slo.tpotMs / 1000;
  const waiting = i.waitingPerReplica;
  const per1000 = (share: number) => Number((share * 1000).toFixed(6));
  const apiErrors = (labels: Labels, share: number) => [s("http_requests_total", { ...labels, status: "5xx" }, counter(per1000(share))), s("http_requests_total", { ...labels, status: "2xx" }, counter(1000 - per1000(share)))];
  const volume = (labels: Labels, used: number) => [s("kubelet_volume_stats_used_bytes", labels, constant(used)), s("kubelet_volume_stats_capacity_bytes", labels, constant(100))];
  return {
    VllmTtftAboveSlo: { labels: model, fire: histogram("vllm:time_to_first_token_seconds", model, ttft, true), silent: histogram("vllm:time_to_first_token_seconds", calm, ttft, false) },
    VllmInterTokenLatencyAboveSlo: { labels: model, fire: histogram("vllm:inter_token_latency_seconds", model, tpot, true), silent: histogram("vllm:inter_token_latency_seconds", calm, tpot, false) },
    VllmQueueAboveSlo: { labels: model, fire: histogram("vllm:request_queue_time_seconds", model, ttft, true), silent: histogram("vllm:request_queue_time_seconds", calm, ttft, false) },
    VllmQueueBacklog: {
      labels: model,
      fire: [s("vllm:num_requests_waiting", { ...model, pod: "a" }, constant(waiting * 2)), s("vllm:num_requests_waiting", { ...model, pod: "b" }, constant(waiting + 1))],
      // The router's copy of the gauge (no model_name) must not count.
      silent: [s("vllm:num_requests_waiting", { ...calm, pod: "c" }, constant(waiting)), s("vllm:num_requests_waiting", { namespace: ns.model, server: "x" }, constant(waiting * 100))],
    },
    VllmKvCacheNearFull: { labels: model, fire: [s("vllm:kv_cache_usage_perc", model, constant(0.99))], silent: [s("vllm:kv_cache_usage_perc", calm, constant(THRESHOLDS.kvCacheUsage))] },
    VllmPreemptions: { labels: model, fire: [s("vllm:num_preemptions_total", model, counter(3))], silent: [s("vllm:num_preemptions_total", calm, counter(0))] },
    VllmNoReplicaReady: {
      labels: { namespace: ns.model, model: "m1" },
      fire: [s("vllm:num_incoming_requests_total", router("m1"), counter(5)), s("vllm:num_requests_running", { namespace: ns.model, model_name: "other" }, constant(1))],
      silent: [s("vllm:num_incoming_requests_total", router("m2"), counter(5)), s("vllm:num_requests_running", calm, constant(0))],
    },
    GpuXidError: { labels: gpu, fire: [s("DCGM_FI_DEV_XID_ERRORS", gpu, constant(79))], silent: [s("DCGM_FI_DEV_XID_ERRORS", coolGpu, constant(0))] },
    GpuMemoryNearFull: {
      labels: gpu,
      fire: [s("DCGM_FI_DEV_FB_USED", gpu, constant(81000)), s("DCGM_FI_DEV_FB_FREE", gpu, constant(100))],
      silent: [s("DCGM_FI_DEV_FB_USED", coolGpu, constant(73000)), s("DCGM_FI_DEV_FB_FREE", coolGpu, constant(8000))],
    },
    GpuTooHot: { labels: gpu, fire: [s("DCGM_FI_DEV_GPU_TEMP", gpu, constant(THRESHOLDS.gpuTempCelsius + 5))], silent: [s("DCGM_FI_DEV_GPU_TEMP", coolGpu, constant(THRESHOLDS.gpuTempCelsius))] },
    // 5xx share = 2 x errorRatio (fires), then half of it (silent, in the other API namespace).
    ApiErrorRateHigh: { labels: app, fire: apiErrors(app, i.api.errorRatio * 2), silent: apiErrors(calmApp, i.api.errorRatio / 2) },
    ApiLatencyAboveSlo: { labels: app, fire: histogram("http_request_duration_seconds", app, i.api.latencyMs / 1000, true), silent: histogram("http_request_duration_seconds", calmApp, i.api.latencyMs / 1000, false) },
    MysqlDown: { labels: mysql, fire: [s("mysql_up", mysql, constant(0))], silent: [s("mysql_up", okMysql, constant(1))] },
    MysqlClusterUnhealthy: { labels: { name: "db", namespace: ns.data }, fire: [s("moco_cluster_healthy", { name: "db", namespace: ns.data }, constant(0))], silent: [s("moco_cluster_healthy", { name: "db2", namespace: ns.data }, constant(1))] },
    MysqlReplicationBroken: {
      labels: mysql,
      fire: [s("mysql_slave_status_replica_io_running", mysql, constant(0)), s("mysql_slave_status_replica_sql_running", mysql, constant(1))],
      silent: [s("mysql_slave_status_replica_io_running", okMysql, constant(1)), s("mysql_slave_status_replica_sql_running", okMysql, constant(1))],
    },
    MysqlReplicationLagging: {
      labels: mysql,
      fire: [s("mysql_slave_status_seconds_behind_source", mysql, constant(THRESHOLDS.mysqlLagSeconds * 5))],
      silent: [s("mysql_slave_status_seconds_behind_source", okMysql, constant(THRESHOLDS.mysqlLagSeconds))],
    },
    // Over the whole namespace: a master anywhere silences it, so the cases need groups of their own.
    RedisNoMaster: {
      labels: { namespace: ns.data },
      separate: true,
      fire: [s("redis_up", redis, constant(1)), s("redis_instance_info", { ...redis, role: "slave" }, constant(1))],
      silent: [s("redis_up", redis, constant(1)), s("redis_instance_info", { ...redis, role: "master" }, constant(1))],
    },
    // absent() of a comparison carries no labels, and any Milvus target up silences it.
    MilvusDown: {
      labels: {},
      separate: true,
      fire: [s("up", { ...milvus, pod: "milvus-0", component: "standalone" }, constant(0))],
      silent: [s("up", { ...milvus, pod: "milvus-0", component: "standalone" }, constant(1))],
    },
    MilvusComponentDown: {
      labels: { ...milvus, pod: "milvus-querynode-0", component: "querynode" },
      fire: [s("up", { ...milvus, pod: "milvus-querynode-0", component: "querynode" }, constant(0))],
      silent: [s("up", { ...milvus, pod: "milvus-proxy-0", component: "proxy" }, constant(1))],
    },
    CertificateExpiringSoon: {
      labels: cert,
      // promtool's clock starts at 0: the timestamps are seconds after the start.
      fire: [s("certmanager_certificate_expiration_timestamp_seconds", cert, constant((THRESHOLDS.certExpiryDays - 1) * 86400))],
      silent: [s("certmanager_certificate_expiration_timestamp_seconds", okCert, constant((THRESHOLDS.certExpiryDays + 1) * 86400))],
    },
    CertificateNotReady: {
      labels: { ...cert, condition: "False" },
      fire: [s("certmanager_certificate_ready_status", { ...cert, condition: "False" }, constant(1)), s("certmanager_certificate_ready_status", { ...cert, condition: "True" }, constant(0))],
      silent: [s("certmanager_certificate_ready_status", { ...okCert, condition: "False" }, constant(0)), s("certmanager_certificate_ready_status", { ...okCert, condition: "True" }, constant(1))],
    },
    PersistentVolumeFillingUp: {
      labels: pvc,
      fire: volume(pvc, 90),
      // At the threshold, and a volume of another namespace that is full.
      silent: [...volume(okPvc, 85), ...volume({ ...pvc, namespace: "someone-else" }, 99)],
    },
    PersistentVolumeFull: { labels: pvc, fire: volume(pvc, 99), silent: volume(okPvc, 90) },
  };
}

/** The fire/silent inputs (written for `minutes` minutes) and the firing alert's labels (besides severity) of every alert. */
export function alertCases(i: AlertInputs, minutes = 100): Record<string, Case> {
  const render = (xs: SeriesSpec[]): Series[] => xs.map((x) => ({ series: seriesText(x), values: x.values(minutes) }));
  return Object.fromEntries(Object.entries(caseSpecs(i)).map(([alert, c]) => [alert, { labels: c.labels, fire: render(c.fire), silent: render(c.silent), ...(c.separate ? { separate: true } : {}) }]));
}

/** One alert's share of a test group: its series and the alerts that must fire from them. */
export interface TestUnit {
  alert: string;
  kind: "fire+silent" | "fire" | "silent";
  series: SeriesSpec[];
  /** The firing alert's labels, or none for a silent-only unit. */
  expected: Labels | null;
  /** When the fire (or silence) is asserted: `for` + rate window + one step. */
  evalMinutes: number;
  /** `for` in minutes: with fire series and `for` >= 2m, the alert is also asserted silent at `for` - 1m. */
  forMinutes: number;
}

export interface TestGroup { evalMinutes: number; units: TestUnit[] }

const metricNames = (u: TestUnit) => new Set(u.series.map((x) => x.name));

/**
 * Packs every alert's cases into test groups: longest eval first, each unit into the first group with no
 * metric name in common (so no case feeds another alert's expression) and no label set repeated. A group
 * runs to its first (longest) unit's eval time, so later units never lengthen it.
 */
export function testGroups(inputs: AlertInputs): TestGroup[] {
  const cases = caseSpecs(inputs);
  const rules: AlertRule[] = alertRuleGroups(inputs).flatMap((g) => g.rules);
  const missing = rules.filter((r) => !cases[r.alert]).map((r) => r.alert);
  if (missing.length) throw new Error(`no promtool cases for alert(s) ${missing.join(", ")}: add them to alertCases()`);
  const units: TestUnit[] = rules.flatMap((r): TestUnit[] => {
    const c = cases[r.alert];
    const base = { alert: r.alert, evalMinutes: evalMinutes(r.for), forMinutes: durationMinutes(r.for) };
    const expected = { ...c.labels, severity: r.labels.severity };
    return c.separate
      ? [{ ...base, kind: "fire" as const, series: c.fire, expected }, { ...base, kind: "silent" as const, series: c.silent, expected: null }]
      : [{ ...base, kind: "fire+silent" as const, series: [...c.fire, ...c.silent], expected }];
  });
  // Stable sort: equal eval times keep the rule file's order.
  const sorted = units.map((u, k) => ({ u, k })).sort((a, b) => b.u.evalMinutes - a.u.evalMinutes || a.k - b.k).map((x) => x.u);
  const groups: (TestGroup & { metrics: Set<string> })[] = [];
  for (const u of sorted) {
    const names = metricNames(u);
    let g = groups.find((x) => ![...names].some((n) => x.metrics.has(n)));
    if (!g) {
      g = { evalMinutes: u.evalMinutes, units: [], metrics: new Set() };
      groups.push(g);
    }
    g.units.push(u);
    names.forEach((n) => g!.metrics.add(n));
  }
  for (const g of groups) {
    const ids = g.units.flatMap((u) => u.series.map(seriesText));
    const dup = ids.find((id, k) => ids.indexOf(id) !== k);
    if (dup) throw new Error(`promtool cases: series ${dup} appears twice in one test group`);
  }
  return groups.map(({ evalMinutes: e, units: u }) => ({ evalMinutes: e, units: u }));
}

/** An annotation template with `{{ $labels.x }}` filled in as Prometheus would. */
export function expand(template: string, labels: Labels): string {
  return template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => labels[k] ?? "");
}

/** The promtool test file (`promtool test rules`) for the rules of `inputs`, read from `ruleFile`. */
export function promtoolTests(inputs: AlertInputs, ruleFile: string): Record<string, unknown> {
  const rules = new Map(alertRuleGroups(inputs).flatMap((g) => g.rules).map((r) => [r.alert, r]));
  const tests = testGroups(inputs).map((g) => {
    // One sample past the eval time, so every series still has a sample at it.
    const n = g.evalMinutes / STEP_MINUTES + 1;
    const asserts = g.units.flatMap((u) => {
      const r = rules.get(u.alert)!;
      const exp = u.expected ? [{ exp_labels: u.expected, exp_annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, expand(v, u.expected!)])) }] : [];
      const early = u.expected && u.forMinutes >= 2 ? [{ eval_time: `${u.forMinutes - 1}m`, alertname: u.alert, exp_alerts: [] }] : [];
      return [...early, { eval_time: `${g.evalMinutes}m`, alertname: u.alert, exp_alerts: exp }];
    });
    return {
      interval: `${STEP_MINUTES}m`,
      input_series: g.units.flatMap((u) => u.series.map((x) => ({ series: seriesText(x), values: x.values(n) }))),
      alert_rule_test: asserts,
    };
  });
  return { rule_files: [ruleFile], evaluation_interval: `${STEP_MINUTES}m`, tests };
}
