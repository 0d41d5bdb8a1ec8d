// promtool unit tests for the rules of one stack (pure): for every alert a case that must fire and one
// that must stay silent, with the series values derived from the same inputs (SLO, API objective,
// thresholds) as the rules, so a stack with other numbers gets tests with other numbers.
import { AlertInputs, AlertRule, alertRuleGroups, THRESHOLDS } from "../alerts";

type Labels = Record<string, string>;
interface Series { series: string; values: string }
interface Case { fire: Series[]; silent: Series[]; labels: Labels }

/** Evaluation time of every case: past the longest `for` (1h) plus the 5m rate windows. */
export const EVAL_TIME = "90m";
const N = 100;

const s = (name: string, labels: Labels, values: string): Series => ({
  series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`,
  values,
});
const constant = (v: number) => `${v}x${N}`;
const counter = (perMinute: number) => `0+${perMinute}x${N}`;

/**
 * A histogram whose quantile is far above `boundSeconds` (fire) or below half of it (silent): buckets at
 * bound/2, 4 x bound and +Inf; the firing case puts every observation between bound/2 and 4 x bound.
 */
function histogram(name: string, labels: Labels, boundSeconds: number, fire: boolean): Series[] {
  const low = Number((boundSeconds / 2).toFixed(6));
  const high = Number((boundSeconds * 4).toFixed(6));
  return [
    s(`${name}_bucket`, { ...labels, le: String(low) }, fire ? counter(0) : counter(10)),
    s(`${name}_bucket`, { ...labels, le: String(high) }, counter(10)),
    s(`${name}_bucket`, { ...labels, le: "+Inf" }, counter(10)),
    s(`${name}_count`, labels, counter(10)),
  ];
}

/** The fire/silent inputs and the firing alert's labels (besides severity) of every alert. */
export function alertCases(i: AlertInputs): Record<string, Case> {
  const ns = i.namespaces;
  const model = { namespace: ns.model, model_name: "m1" };
  const router = { namespace: ns.model, model: "m1", server: "http://m1-engine:8000" };
  const gpu = { Hostname: "gpu-node-1", gpu: "0" };
  const app = { namespace: ns.data, job: "data-api" };
  const mysql = { namespace: ns.data, pod: "moco-db-1" };
  const redis = { namespace: ns.data, pod: "redis-server-0" };
  const milvus = { namespace: ns.data, app_kubernetes_io_name: "milvus" };
  const cert = { namespace: ns.edge, name: "gateway-tls" };
  const pvc = { namespace: ns.data, persistentvolumeclaim: "data-db-0" };
  const ttft = i.slo.ttftMs / 1000;
  const waiting = i.waitingPerReplica;
  return {
    VllmTtftAboveSlo: { labels: model, fire: histogram("vllm:time_to_first_token_seconds", model, ttft, true), silent: histogram("vllm:time_to_first_token_seconds", model, ttft, false) },
    VllmInterTokenLatencyAboveSlo: { labels: model, fire: histogram("vllm:inter_token_latency_seconds", model, i.slo.tpotMs / 1000, true), silent: histogram("vllm:inter_token_latency_seconds", model, i.slo.tpotMs / 1000, false) },
    VllmQueueAboveSlo: { labels: model, fire: histogram("vllm:request_queue_time_seconds", model, ttft, true), silent: histogram("vllm:request_queue_time_seconds", model, ttft, false) },
    VllmQueueBacklog: {
      labels: model,
      // The router's copy of the gauge (no model_name) must not count.
      fire: [s("vllm:num_requests_waiting", { ...model, pod: "a" }, constant(waiting * 2)), s("vllm:num_requests_waiting", { ...model, pod: "b" }, constant(waiting + 1))],
      silent: [s("vllm:num_requests_waiting", { ...model, pod: "a" }, constant(waiting)), s("vllm:num_requests_waiting", { namespace: ns.model, server: "x" }, constant(waiting * 100))],
    },
    VllmKvCacheNearFull: { labels: model, fire: [s("vllm:kv_cache_usage_perc", model, constant(0.99))], silent: [s("vllm:kv_cache_usage_perc", model, constant(THRESHOLDS.kvCacheUsage))] },
    VllmPreemptions: { labels: model, fire: [s("vllm:num_preemptions_total", model, counter(3))], silent: [s("vllm:num_preemptions_total", model, counter(0))] },
    VllmNoReplicaReady: {
      labels: { namespace: ns.model, model: "m1" },
      fire: [s("vllm:num_incoming_requests_total", router, counter(5)), s("vllm:num_requests_running", { namespace: ns.model, model_name: "other" }, constant(1))],
      silent: [s("vllm:num_incoming_requests_total", router, counter(5)), s("vllm:num_requests_running", model, constant(0))],
    },
    GpuXidError: { labels: gpu, fire: [s("DCGM_FI_DEV_XID_ERRORS", gpu, constant(79))], silent: [s("DCGM_FI_DEV_XID_ERRORS", gpu, constant(0))] },
    GpuMemoryNearFull: {
      labels: gpu,
      fire: [s("DCGM_FI_DEV_FB_USED", gpu, constant(81000)), s("DCGM_FI_DEV_FB_FREE", gpu, constant(100))],
      silent: [s("DCGM_FI_DEV_FB_USED", gpu, constant(73000)), s("DCGM_FI_DEV_FB_FREE", gpu, constant(8000))],
    },
    GpuTooHot: { labels: gpu, fire: [s("DCGM_FI_DEV_GPU_TEMP", gpu, constant(THRESHOLDS.gpuTempCelsius + 5))], silent: [s("DCGM_FI_DEV_GPU_TEMP", gpu, constant(THRESHOLDS.gpuTempCelsius))] },
    ApiErrorRateHigh: {
      labels: app,
      // 5xx share = 2 x errorRatio (fires), then half of it (silent).
      fire: [s("http_requests_total", { ...app, status: "5xx" }, counter(i.api.errorRatio * 2000)), s("http_requests_total", { ...app, status: "2xx" }, counter(1000 - i.api.errorRatio * 2000))],
      silent: [s("http_requests_total", { ...app, status: "5xx" }, counter(i.api.errorRatio * 500)), s("http_requests_total", { ...app, status: "2xx" }, counter(1000 - i.api.errorRatio * 500))],
    },
    ApiLatencyAboveSlo: { labels: app, fire: histogram("http_request_duration_seconds", app, i.api.latencyMs / 1000, true), silent: histogram("http_request_duration_seconds", app, i.api.latencyMs / 1000, false) },
    MysqlDown: { labels: mysql, fire: [s("mysql_up", mysql, constant(0))], silent: [s("mysql_up", mysql, constant(1))] },
    MysqlClusterUnhealthy: { labels: { name: "db", namespace: ns.data }, fire: [s("moco_cluster_healthy", { name: "db", namespace: ns.data }, constant(0))], silent: [s("moco_cluster_healthy", { name: "db", namespace: ns.data }, constant(1))] },
    MysqlReplicationBroken: {
      labels: mysql,
      fire: [s("mysql_slave_status_replica_io_running", mysql, constant(0)), s("mysql_slave_status_replica_sql_running", mysql, constant(1))],
      silent: [s("mysql_slave_status_replica_io_running", mysql, constant(1)), s("mysql_slave_status_replica_sql_running", mysql, constant(1))],
    },
    MysqlReplicationLagging: {
      labels: mysql,
      fire: [s("mysql_slave_status_seconds_behind_source", mysql, constant(THRESHOLDS.mysqlLagSeconds * 5))],
      silent: [s("mysql_slave_status_seconds_behind_source", mysql, constant(THRESHOLDS.mysqlLagSeconds))],
    },
    RedisNoMaster: {
      labels: { namespace: ns.data },
      fire: [s("redis_up", redis, constant(1)), s("redis_instance_info", { ...redis, role: "slave" }, constant(1))],
      silent: [s("redis_up", redis, constant(1)), s("redis_instance_info", { ...redis, role: "master" }, constant(1))],
    },
    // absent() of a comparison carries no labels.
    MilvusDown: { labels: {}, fire: [s("up", { ...milvus, pod: "milvus-0", component: "standalone" }, constant(0))], silent: [s("up", { ...milvus, pod: "milvus-0", component: "standalone" }, constant(1))] },
    MilvusComponentDown: {
      labels: { ...milvus, pod: "milvus-querynode-0", component: "querynode" },
      fire: [s("up", { ...milvus, pod: "milvus-querynode-0", component: "querynode" }, constant(0)), s("up", { ...milvus, pod: "milvus-proxy-0", component: "proxy" }, constant(1))],
      silent: [s("up", { ...milvus, pod: "milvus-querynode-0", component: "querynode" }, constant(1))],
    },
    CertificateExpiringSoon: {
      labels: cert,
      // promtool's clock starts at 0: the timestamps are seconds after the start.
      fire: [s("certmanager_certificate_expiration_timestamp_seconds", cert, constant((THRESHOLDS.certExpiryDays - 1) * 86400))],
      silent: [s("certmanager_certificate_expiration_timestamp_seconds", cert, constant((THRESHOLDS.certExpiryDays + 1) * 86400))],
    },
    CertificateNotReady: {
      labels: { ...cert, condition: "False" },
      fire: [s("certmanager_certificate_ready_status", { ...cert, condition: "False" }, constant(1)), s("certmanager_certificate_ready_status", { ...cert, condition: "True" }, constant(0))],
      silent: [s("certmanager_certificate_ready_status", { ...cert, condition: "False" }, constant(0)), s("certmanager_certificate_ready_status", { ...cert, condition: "True" }, constant(1))],
    },
    PersistentVolumeFillingUp: {
      labels: pvc,
      fire: [s("kubelet_volume_stats_used_bytes", pvc, constant(90)), s("kubelet_volume_stats_capacity_bytes", pvc, constant(100))],
      silent: [s("kubelet_volume_stats_used_bytes", pvc, constant(85)), s("kubelet_volume_stats_capacity_bytes", pvc, constant(100)), s("kubelet_volume_stats_used_bytes", { ...pvc, namespace: "someone-else" }, constant(99)), s("kubelet_volume_stats_capacity_bytes", { ...pvc, namespace: "someone-else" }, constant(100))],
    },
    PersistentVolumeFull: {
      labels: pvc,
      fire: [s("kubelet_volume_stats_used_bytes", pvc, constant(99)), s("kubelet_volume_stats_capacity_bytes", pvc, constant(100))],
      silent: [s("kubelet_volume_stats_used_bytes", pvc, constant(90)), s("kubelet_volume_stats_capacity_bytes", pvc, constant(100))],
    },
  };
}

/** An annotation template with `{{ $labels.x }}` filled in as Prometheus would. */
export function expand(template: string, labels: Labels): string {
  return template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => labels[k] ?? "");
}

/** The promtool test file (`promtool test rules`) for the rules of `inputs`, read from `ruleFile`. */
export function promtoolTests(inputs: AlertInputs, ruleFile: string): Record<string, unknown> {
  const cases = alertCases(inputs);
  const rules: AlertRule[] = alertRuleGroups(inputs).flatMap((g) => g.rules);
  const missing = rules.filter((r) => !cases[r.alert]).map((r) => r.alert);
  if (missing.length) throw new Error(`no promtool cases for alert(s) ${missing.join(", ")}: add them to alertCases()`);
  const tests = rules.flatMap((r) => {
    const c = cases[r.alert];
    const labels = { ...c.labels, severity: r.labels.severity };
    const annotations = Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, expand(v, labels)]));
    const at = (input: Series[], exp: unknown[]) => ({ interval: "1m", input_series: input, alert_rule_test: [{ eval_time: EVAL_TIME, alertname: r.alert, exp_alerts: exp }] });
    return [at(c.fire, [{ exp_labels: labels, exp_annotations: annotations }]), at(c.silent, [])];
  });
  return { rule_files: [ruleFile], evaluation_interval: "1m", tests };
}
