// The metric names the kit's alerts and dashboards may use, each with the exporter that publishes it
// and where in that exporter's source the name is defined. A query on a name not listed here fails
// its test: a typo or a renamed series would otherwise give an empty panel or an alert that never fires.

/** Who publishes a metric, and where the name comes from. */
export interface MetricSource {
  exporter: string;
  /** Upstream file (repository and path) or document defining the name. */
  source: string;
}

const VLLM: MetricSource = { exporter: "vLLM engine /metrics (also llm-d-inference-sim)", source: "vllm-project/vllm vllm/v1/metrics/loggers.py" };
const ROUTER: MetricSource = { exporter: "vLLM production-stack router (model API)", source: "vllm-project/production-stack src/vllm_router/services/metrics_service; components/model/modelServing.ts ROUTER_INCOMING_REQUESTS" };
const DCGM: MetricSource = { exporter: "NVIDIA DCGM exporter (GPU operator)", source: "NVIDIA/dcgm-exporter etc/default-counters.csv" };
const MYSQLD: MetricSource = { exporter: "mysqld_exporter sidecar of each MOCO mysqld Pod", source: "prometheus/mysqld_exporter collector/global_status.go, collector/global_variables.go, collector/slave_status.go (mysql_slave_status_<lower-cased SHOW REPLICA STATUS column>), collector/exporter.go (mysql_up)" };
const MOCO: MetricSource = { exporter: "moco-controller", source: "cybozu-go/moco docs/metrics.md, pkg/metrics/metrics.go" };
const REDIS: MetricSource = { exporter: "redis_exporter sidecar of the redis-ha chart (components/data/redis.ts)", source: "oliver006/redis_exporter exporter/info.go, exporter/exporter.go" };
const MILVUS: MetricSource = { exporter: "Milvus /metrics (port 9091)", source: "milvus-io/milvus pkg/metrics/metrics.go, pkg/metrics/proxy_metrics.go (latencies in milliseconds)" };
const CERT_MANAGER: MetricSource = { exporter: "cert-manager controller", source: "cert-manager/cert-manager internal/controller/certificates/metrics (certmanager_certificate_*)" };
const KUBELET: MetricSource = { exporter: "kubelet /metrics (kube-prometheus-stack's kubelet ServiceMonitor)", source: "kubernetes/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go" };
const PROMETHEUS: MetricSource = { exporter: "Prometheus itself, one series per scrape target", source: "prometheus/prometheus scrape/scrape.go (up)" };
const APP: MetricSource = {
  exporter: "the kit's HTTP services (data API, agent API): the metrics contract of docs/observability-alerts.md",
  source: "trallnag/prometheus-fastapi-instrumentator src/prometheus_fastapi_instrumentator/metrics.py (default(): http_requests_total{handler,method,status}, http_request_duration_seconds{handler,method})",
};
const GATE: MetricSource = { exporter: "the performance gate's verdict, pushed after each run (not yet published: see docs/observability-alerts.md)", source: "loadtests/runner (kit)" };

/** Histograms: the series are `<name>_bucket`, `<name>_sum` and `<name>_count`. */
export const HISTOGRAMS: Record<string, MetricSource> = {
  "vllm:time_to_first_token_seconds": VLLM,
  "vllm:inter_token_latency_seconds": VLLM,
  "vllm:e2e_request_latency_seconds": VLLM,
  "vllm:request_queue_time_seconds": VLLM,
  http_request_duration_seconds: APP,
  milvus_proxy_req_latency: MILVUS,
  milvus_proxy_sq_latency: MILVUS,
};

/** Counters and gauges, by exact name. */
export const SERIES: Record<string, MetricSource> = {
  "vllm:num_requests_running": VLLM,
  "vllm:num_requests_waiting": VLLM,
  "vllm:kv_cache_usage_perc": VLLM,
  "vllm:prompt_tokens_total": VLLM,
  "vllm:generation_tokens_total": VLLM,
  "vllm:request_success_total": VLLM,
  "vllm:num_preemptions_total": VLLM,
  "vllm:num_incoming_requests_total": ROUTER,

  DCGM_FI_DEV_GPU_UTIL: DCGM,
  DCGM_FI_DEV_FB_USED: DCGM,
  DCGM_FI_DEV_FB_FREE: DCGM,
  DCGM_FI_DEV_GPU_TEMP: DCGM,
  DCGM_FI_DEV_POWER_USAGE: DCGM,
  DCGM_FI_DEV_XID_ERRORS: DCGM,

  mysql_up: MYSQLD,
  mysql_global_status_threads_connected: MYSQLD,
  mysql_global_status_threads_running: MYSQLD,
  mysql_global_status_queries: MYSQLD,
  mysql_global_status_slow_queries: MYSQLD,
  mysql_global_variables_max_connections: MYSQLD,
  mysql_slave_status_replica_io_running: MYSQLD,
  mysql_slave_status_replica_sql_running: MYSQLD,
  mysql_slave_status_seconds_behind_source: MYSQLD,
  moco_cluster_healthy: MOCO,
  moco_cluster_available: MOCO,
  moco_cluster_replicas: MOCO,
  moco_cluster_ready_replicas: MOCO,
  moco_cluster_errant_replicas: MOCO,
  moco_cluster_failover_total: MOCO,
  moco_backup_timestamp: MOCO,

  redis_up: REDIS,
  redis_instance_info: REDIS,
  redis_connected_clients: REDIS,
  redis_connected_slaves: REDIS,
  redis_memory_used_bytes: REDIS,
  redis_memory_max_bytes: REDIS,
  redis_commands_processed_total: REDIS,
  redis_keyspace_hits_total: REDIS,
  redis_keyspace_misses_total: REDIS,
  redis_evicted_keys_total: REDIS,
  redis_master_link_up: REDIS,

  milvus_num_node: MILVUS,
  milvus_proxy_req_count: MILVUS,
  milvus_proxy_search_vectors_count: MILVUS,
  milvus_proxy_insert_vectors_count: MILVUS,

  certmanager_certificate_expiration_timestamp_seconds: CERT_MANAGER,
  certmanager_certificate_ready_status: CERT_MANAGER,

  kubelet_volume_stats_available_bytes: KUBELET,
  kubelet_volume_stats_capacity_bytes: KUBELET,
  kubelet_volume_stats_used_bytes: KUBELET,

  up: PROMETHEUS,

  http_requests_total: APP,

  ods_gate_passed: GATE,
  ods_gate_last_run_timestamp_seconds: GATE,
  ods_gate_threshold_passed: GATE,
};

/** Every series name a query may select (histograms with their three suffixes). */
export const KNOWN_METRICS: ReadonlySet<string> = new Set([
  ...Object.keys(SERIES),
  ...Object.keys(HISTOGRAMS).flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
]);

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"]);

/**
 * The metric names a PromQL expression selects. Strings, label matchers, grouping clauses, ranges and
 * numbers are removed first; what remains and is not a function call or keyword is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\boffset\s+\d+[smhdwy]/g, " ");
  const names = new Set<string>();
  const re = /(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  for (let m = re.exec(stripped); m; m = re.exec(stripped)) {
    if (m[2] !== undefined) continue; // a function
    if (KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** Metric names in `expr` that are not in `known` (the repository's list by default). */
export function unknownMetricNames(expr: string, known: ReadonlySet<string> = KNOWN_METRICS): string[] {
  return metricNames(expr).filter((n) => !known.has(n));
}
