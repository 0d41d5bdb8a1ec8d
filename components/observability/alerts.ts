// The kit's Prometheus alert rules for one stack (pure): thresholds come from the stack's config, the
// LLM bounds from `ods:model.slo` (the numbers the performance gate checks) and the API bounds from the
// gate profile. The observability component turns the groups into PrometheusRule objects; tools/rules.ts
// writes them as rule files that promtool checks and unit-tests (docs/observability-alerts.md).
import * as YAML from "yaml";
import type { OdsConfig } from "../../config/schema";
import type { Slo } from "../../config/schema/slo";
import { namespaceName } from "../lib/naming";

export type Severity = "critical" | "warning";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity };
  /** Templates may use `{{ $labels.<name> }}` only (no `$value`), so promtool tests can state them exactly. */
  annotations: { summary: string; description: string; runbook_url?: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** The HTTP API objective the alerts hold the kit's services to (from the gate profile's data-api thresholds). */
export interface ApiSlo {
  /** Percentile the latency bound applies to (50-99). */
  percentile: number;
  /** Latency bound at that percentile, ms. */
  latencyMs: number;
  /** Largest share of requests answered 5xx, in (0, 1). */
  errorRatio: number;
}

/** Everything the rules need that differs per stack. */
export interface AlertInputs {
  stack: string;
  /** `ods:model.slo` (config/schema/slo.ts): the same numbers as the performance gate. */
  slo: Slo;
  api: ApiSlo;
  namespaces: { data: string; model: string; apps: string; edge: string; identity: string; observability: string };
  /** The stack has GPUs and the DCGM exporter (infra.gpuOperator.enabled). */
  gpus: boolean;
  /** MySQL instances (data.mysql.replicas); replication alerts only where > 1. */
  mysqlReplicas: number;
  /** Queue depth per replica the autoscaler aims for (model.autoscaling.waitingPerReplica). */
  waitingPerReplica: number;
  /** Base URL of the alert docs; each rule's runbook_url is `<base>#<alert in lower case>`. Optional. */
  runbookBase?: string;
}

/** Fixed thresholds, the same for every stack (documented in docs/observability-alerts.md). */
export const THRESHOLDS = {
  kvCacheUsage: 0.95,
  gpuMemoryUsed: 0.98,
  gpuTempCelsius: 85,
  mysqlLagSeconds: 60,
  certExpiryDays: 14,
  pvcUsed: 0.85,
  pvcUsedCritical: 0.95,
  /** The router saw requests for a model this long with no engine serving it. */
  noReplicaFor: "10m",
} as const;

/** `0.99` for 99: PromQL's histogram_quantile takes a fraction. */
export function quantile(percentile: number): string {
  return String(percentile / 100);
}

/** Milliseconds as seconds, without float noise (500 -> "0.5"). */
export function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(6)));
}

/** Problems with the inputs (empty when usable); each names the field, the value and what is allowed. */
export function alertInputProblems(i: AlertInputs): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  if (!Number.isInteger(i.api.percentile) || i.api.percentile < 50 || i.api.percentile > 99) p.push(`api.percentile ${v(i.api.percentile)}: allowed a whole number 50-99`);
  if (!(i.api.latencyMs > 0)) p.push(`api.latencyMs ${v(i.api.latencyMs)}: allowed a number of milliseconds > 0`);
  if (!(i.api.errorRatio > 0 && i.api.errorRatio < 1)) p.push(`api.errorRatio ${v(i.api.errorRatio)}: allowed a share in (0, 1), e.g. 0.01`);
  if (!(i.waitingPerReplica > 0)) p.push(`waitingPerReplica ${v(i.waitingPerReplica)}: allowed a number > 0`);
  if (!Number.isInteger(i.mysqlReplicas) || i.mysqlReplicas < 1) p.push(`mysqlReplicas ${v(i.mysqlReplicas)}: allowed a whole number >= 1`);
  for (const [k, ns] of Object.entries(i.namespaces)) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) p.push(`namespaces.${k} ${v(ns)}: allowed a DNS-1123 label`);
  return p;
}

const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, val]) => (val.startsWith("~") ? `${k}=~"${val.slice(1)}"` : val.startsWith("!") ? `${k}!="${val.slice(1)}"` : `${k}="${val}"`)).join(",")}}`;

/** The kit's Prometheus alert rules for one stack. Throws on unusable inputs. */
export function alertRuleGroups(i: AlertInputs): RuleGroup[] {
  const problems = alertInputProblems(i);
  if (problems.length) throw new Error(`alert inputs of stack ${i.stack}:\n${problems.join("\n")}`);
  const rule = (alert: string, expr: string, forTime: string, severity: Severity, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forTime,
    labels: { severity },
    annotations: { summary, description, ...(i.runbookBase ? { runbook_url: `${i.runbookBase}#${alert.toLowerCase()}` } : {}) },
  });
  const ns = i.namespaces;
  const q = quantile(i.slo.percentile);
  const p = `p${i.slo.percentile}`;
  const engine = sel({ namespace: ns.model, model_name: "!" });
  const byModel = "by (namespace, model_name)";

  const llm: AlertRule[] = [
    rule(
      "VllmTtftAboveSlo",
      `histogram_quantile(${q}, sum ${byModel.replace(")", ", le)")} (rate(vllm:time_to_first_token_seconds_bucket${engine}[5m]))) > ${seconds(i.slo.ttftMs)}`,
      "10m",
      "warning",
      `Model {{ $labels.model_name }}: time to first token ${p} above the SLO (${i.slo.ttftMs} ms)`,
      `Over 5 minutes the ${p} time to first token of {{ $labels.model_name }} in {{ $labels.namespace }} has been above ods:model.slo.ttftMs = ${i.slo.ttftMs} ms for 10 minutes, so the performance gate would fail. Look at the queue (VllmQueueAboveSlo, vllm:num_requests_waiting) and KV-cache usage: a long queue means too few replicas (is KEDA at its maximum, is a GPU node coming?); a short queue with slow first tokens means long prompts or prefill contention (max-model-len, prefix caching).`,
    ),
    rule(
      "VllmInterTokenLatencyAboveSlo",
      `histogram_quantile(${q}, sum ${byModel.replace(")", ", le)")} (rate(vllm:inter_token_latency_seconds_bucket${engine}[5m]))) > ${seconds(i.slo.tpotMs)}`,
      "10m",
      "warning",
      `Model {{ $labels.model_name }}: inter-token latency ${p} above the SLO (${i.slo.tpotMs} ms)`,
      `The ${p} time between output tokens of {{ $labels.model_name }} in {{ $labels.namespace }} has been above ods:model.slo.tpotMs = ${i.slo.tpotMs} ms for 10 minutes. Decoding is slow when a replica runs too many sequences at once (vllm:num_requests_running) or preempts them; add replicas, lower max-num-seqs, or check that the GPU is not throttled (GpuTooHot).`,
    ),
    rule(
      "VllmQueueAboveSlo",
      `histogram_quantile(${q}, sum ${byModel.replace(")", ", le)")} (rate(vllm:request_queue_time_seconds_bucket${engine}[5m]))) > ${seconds(i.slo.ttftMs)}`,
      "10m",
      "critical",
      `Model {{ $labels.model_name }}: requests wait in the queue longer than the whole TTFT budget`,
      `The ${p} time requests of {{ $labels.model_name }} in {{ $labels.namespace }} spend queued before vLLM schedules them exceeds ods:model.slo.ttftMs = ${i.slo.ttftMs} ms, so those requests cannot meet the SLO whatever the engine does next. The model needs more replicas: check the KEDA ScaledObject (kubectl -n ${ns.model} get scaledobject), pending Pods and the GPU pool's node count.`,
    ),
    rule(
      "VllmQueueBacklog",
      `avg ${byModel} (vllm:num_requests_waiting${engine}) > ${i.waitingPerReplica}`,
      "15m",
      "warning",
      `Model {{ $labels.model_name }}: more requests waiting per replica than the autoscaler aims for`,
      `For 15 minutes each replica of {{ $labels.model_name }} in {{ $labels.namespace }} has had more than model.autoscaling.waitingPerReplica = ${i.waitingPerReplica} requests waiting; KEDA should have added replicas by now. It is at its maximum replicas, or new replicas cannot start (no free GPU, node group at its maximum, image or weights still loading).`,
    ),
    rule(
      "VllmKvCacheNearFull",
      `max ${byModel} (vllm:kv_cache_usage_perc${engine}) > ${THRESHOLDS.kvCacheUsage}`,
      "15m",
      "warning",
      `Model {{ $labels.model_name }}: KV cache over ${THRESHOLDS.kvCacheUsage * 100}% full`,
      `A replica of {{ $labels.model_name }} in {{ $labels.namespace }} has used over ${THRESHOLDS.kvCacheUsage * 100}% of its KV cache for 15 minutes. New sequences wait and running ones get preempted (VllmPreemptions). Add replicas, lower max-model-len or max-num-seqs, or raise gpuMemoryUtilization if the GPU has room.`,
    ),
    rule(
      "VllmPreemptions",
      `sum ${byModel} (rate(vllm:num_preemptions_total${engine}[5m])) > 0`,
      "15m",
      "warning",
      `Model {{ $labels.model_name }}: vLLM keeps preempting requests`,
      `vLLM has preempted running sequences of {{ $labels.model_name }} in {{ $labels.namespace }} for 15 minutes without a break: the KV cache is too small for the load, and preempted requests are recomputed, which costs latency and GPU time. Same remedies as VllmKvCacheNearFull.`,
    ),
    rule(
      "VllmNoReplicaReady",
      `(sum by (namespace, model) (rate(vllm:num_incoming_requests_total${sel({ namespace: ns.model })}[5m])) > 0) unless on (namespace, model) label_replace(count ${byModel} (vllm:num_requests_running${engine}), "model", "$1", "model_name", "(.*)")`,
      THRESHOLDS.noReplicaFor,
      "critical",
      `Model {{ $labels.model }}: requests arrive and no vLLM replica serves it`,
      `The model API has received requests for {{ $labels.model }} in {{ $labels.namespace }} for ${THRESHOLDS.noReplicaFor} while no engine of that model reports metrics, so the requests fail or wait. A model scaled to zero should have woken within minutes: check the Deployment's Pods (kubectl -n ${ns.model} get pods), their events (no GPU node, image pull, weights fetch Job) and the engine logs.`,
    ),
  ];

  const gpu: AlertRule[] = i.gpus
    ? [
        rule(
          "GpuXidError",
          "max by (Hostname, gpu) (DCGM_FI_DEV_XID_ERRORS) > 0",
          "0m",
          "critical",
          `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported an XID error`,
          `The NVIDIA driver logged an XID error on GPU {{ $labels.gpu }} of node {{ $labels.Hostname }} (the series value is the XID code). Codes 48, 63, 64, 74, 79, 92, 94, 95 and 119 mean a hardware or driver fault: cordon and drain the node (kubectl cordon {{ $labels.Hostname }}) and replace it. Codes 13, 31 and 43 are usually an application fault: read the engine's logs.`,
        ),
        rule(
          "GpuMemoryNearFull",
          `max by (Hostname, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)) > ${THRESHOLDS.gpuMemoryUsed}`,
          "15m",
          "warning",
          `GPU {{ $labels.gpu }} on {{ $labels.Hostname }}: memory over ${THRESHOLDS.gpuMemoryUsed * 100}% used`,
          `vLLM reserves gpuMemoryUtilization (0.9 by default) of each GPU's memory up front; above ${THRESHOLDS.gpuMemoryUsed * 100}% something else shares the GPU (time slicing, a second process) and the next allocation fails with CUDA out of memory. Check what runs on node {{ $labels.Hostname }} and the model's gpuMemoryUtilization.`,
        ),
        rule(
          "GpuTooHot",
          `max by (Hostname, gpu) (DCGM_FI_DEV_GPU_TEMP) > ${THRESHOLDS.gpuTempCelsius}`,
          "10m",
          "warning",
          `GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is above ${THRESHOLDS.gpuTempCelsius} °C`,
          `GPU {{ $labels.gpu }} of node {{ $labels.Hostname }} has been above ${THRESHOLDS.gpuTempCelsius} °C for 10 minutes; the GPU throttles its clocks near its slowdown temperature, so tokens per second drop. On a cloud instance this is a host fault: drain the node and let the node group replace it.`,
        ),
      ]
    : [];

  const apiNs = `~${ns.data}|${ns.apps}`;
  const apiQ = quantile(i.api.percentile);
  const api: AlertRule[] = [
    rule(
      "ApiErrorRateHigh",
      `sum by (namespace, job) (rate(http_requests_total${sel({ namespace: apiNs, status: "~5.." })}[5m])) / sum by (namespace, job) (rate(http_requests_total${sel({ namespace: apiNs })}[5m])) > ${i.api.errorRatio}`,
      "10m",
      "critical",
      `{{ $labels.job }}: over ${i.api.errorRatio * 100}% of requests fail with 5xx`,
      `For 10 minutes more than ${i.api.errorRatio * 100}% of the requests to {{ $labels.job }} in {{ $labels.namespace }} were answered with a 5xx status (the gate's error bound for the data API). Read the service's logs (kubectl -n {{ $labels.namespace }} logs deploy/{{ $labels.job }}) and check what it depends on: MySQL, Redis, Milvus, the model API.`,
    ),
    rule(
      "ApiLatencyAboveSlo",
      `histogram_quantile(${apiQ}, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket${sel({ namespace: apiNs })}[5m]))) > ${seconds(i.api.latencyMs)}`,
      "10m",
      "warning",
      `{{ $labels.job }}: p${i.api.percentile} latency above ${i.api.latencyMs} ms`,
      `The p${i.api.percentile} response time of {{ $labels.job }} in {{ $labels.namespace }} has been above ${i.api.latencyMs} ms (the gate profile's bound) for 10 minutes. Check the HPA (kubectl -n {{ $labels.namespace }} get hpa), CPU throttling, and the latency of its backends on the MySQL, Redis and Milvus dashboards.`,
    ),
  ];

  const data: AlertRule[] = [
    rule(
      "MysqlDown",
      `mysql_up${sel({ namespace: ns.data })} == 0`,
      "2m",
      "critical",
      `MySQL instance {{ $labels.pod }} does not answer`,
      `mysqld_exporter in {{ $labels.pod }} (namespace {{ $labels.namespace }}) cannot connect to its mysqld. MOCO fails the primary over when it is the primary; look at the Pod (kubectl -n ${ns.data} describe pod {{ $labels.pod }}) and the MySQLCluster's status (kubectl -n ${ns.data} get mysqlcluster).`,
    ),
    rule(
      "MysqlClusterUnhealthy",
      "moco_cluster_healthy == 0",
      "10m",
      "critical",
      `MySQL cluster {{ $labels.name }} is not healthy`,
      `MOCO reports MySQLCluster {{ $labels.name }} unhealthy for 10 minutes: an instance is down, replication is stopped or there are errant transactions (moco_cluster_errant_replicas). kubectl -n ${ns.data} get mysqlcluster {{ $labels.name }} -o yaml shows the conditions; kubectl moco can inspect the instances.`,
    ),
  ];
  if (i.mysqlReplicas > 1) {
    data.push(
      rule(
        "MysqlReplicationBroken",
        `(mysql_slave_status_replica_io_running${sel({ namespace: ns.data })} == 0) or (mysql_slave_status_replica_sql_running${sel({ namespace: ns.data })} == 0)`,
        "5m",
        "critical",
        `MySQL replica {{ $labels.pod }}: replication stopped`,
        `The IO or SQL replication thread of {{ $labels.pod }} has been stopped for 5 minutes, so the replica no longer follows the primary and semi-synchronous writes may block. SHOW REPLICA STATUS on the instance shows Last_IO_Error / Last_SQL_Error; MOCO marks the cluster unhealthy and will not fail over to this replica.`,
      ),
      rule(
        "MysqlReplicationLagging",
        `mysql_slave_status_seconds_behind_source${sel({ namespace: ns.data })} > ${THRESHOLDS.mysqlLagSeconds}`,
        "5m",
        "warning",
        `MySQL replica {{ $labels.pod }} is over ${THRESHOLDS.mysqlLagSeconds} s behind the primary`,
        `Replica {{ $labels.pod }} has been more than ${THRESHOLDS.mysqlLagSeconds} seconds behind its primary for 5 minutes. A failover now would wait for it to catch up. Usual causes: a long write transaction on the primary, an undersized replica (CPU, IOPS), or a missing primary key on a large table.`,
      ),
    );
  }
  data.push(
    rule(
      "RedisNoMaster",
      `(count by (namespace) (redis_instance_info${sel({ namespace: ns.data, role: "master" })}) or count by (namespace) (redis_up${sel({ namespace: ns.data })}) * 0) < 1`,
      "2m",
      "critical",
      `Redis in {{ $labels.namespace }} has no master`,
      `None of the Redis servers in {{ $labels.namespace }} reports the master role, so writes fail. With Sentinel (HA stacks) a failover should elect one within seconds: check the Sentinels' view (redis-cli -p 26379 SENTINEL masters in a redis-ha Pod) and whether a quorum of Pods is running.`,
    ),
    rule(
      "MilvusDown",
      `absent(up${sel({ namespace: ns.data, app_kubernetes_io_name: "milvus" })} == 1)`,
      "5m",
      "critical",
      `Milvus in ${ns.data} does not answer`,
      `No Milvus target in ${ns.data} has answered Prometheus for 5 minutes: vector search and RAG in the agent API fail. Check the Pods (kubectl -n ${ns.data} get pods -l app.kubernetes.io/name=milvus), then etcd and the object store, which Milvus needs to start.`,
    ),
    rule(
      "MilvusComponentDown",
      `up${sel({ namespace: ns.data, app_kubernetes_io_name: "milvus" })} == 0`,
      "5m",
      "warning",
      `Milvus component {{ $labels.component }} ({{ $labels.pod }}) does not answer`,
      `Prometheus cannot scrape {{ $labels.pod }} (Milvus {{ $labels.component }}) in {{ $labels.namespace }}. In cluster mode the others may carry on degraded; a query node down loses the segments it served until they are reloaded elsewhere.`,
    ),
  );

  const kitNs = `~${Object.values(ns).join("|")}`;
  const platform: AlertRule[] = [
    rule(
      "CertificateExpiringSoon",
      `certmanager_certificate_expiration_timestamp_seconds - time() < ${THRESHOLDS.certExpiryDays} * 86400`,
      "1h",
      "warning",
      `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within ${THRESHOLDS.certExpiryDays} days`,
      `cert-manager renews certificates 30 days before expiry by default, so one within ${THRESHOLDS.certExpiryDays} days of expiry has failed to renew. kubectl -n {{ $labels.namespace }} describe certificate {{ $labels.name }} and the CertificateRequest/Order it names say why (ACME challenge not reachable, issuer misconfigured, rate limit).`,
    ),
    rule(
      "CertificateNotReady",
      `certmanager_certificate_ready_status${sel({ condition: "False" })} == 1`,
      "30m",
      "warning",
      `Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready`,
      `cert-manager has not been able to issue {{ $labels.namespace }}/{{ $labels.name }} for 30 minutes; HTTPS for the hosts it covers uses an old or no certificate. kubectl -n {{ $labels.namespace }} describe certificate {{ $labels.name }}.`,
    ),
    rule(
      "PersistentVolumeFillingUp",
      `kubelet_volume_stats_used_bytes${sel({ namespace: kitNs })} / kubelet_volume_stats_capacity_bytes${sel({ namespace: kitNs })} > ${THRESHOLDS.pvcUsed}`,
      "15m",
      "warning",
      `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over ${THRESHOLDS.pvcUsed * 100}% full`,
      `PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} has used over ${THRESHOLDS.pvcUsed * 100}% of its capacity for 15 minutes. Grow it (raise the component's volumeSize in the stack config and run pulumi up; the storage classes allow expansion) or clean up (binlogs, old Milvus segments, Prometheus retention).`,
    ),
    rule(
      "PersistentVolumeFull",
      `kubelet_volume_stats_used_bytes${sel({ namespace: kitNs })} / kubelet_volume_stats_capacity_bytes${sel({ namespace: kitNs })} > ${THRESHOLDS.pvcUsedCritical}`,
      "5m",
      "critical",
      `Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over ${THRESHOLDS.pvcUsedCritical * 100}% full`,
      `PVC {{ $labels.persistentvolumeclaim }} in {{ $labels.namespace }} is nearly full; the database or store on it stops accepting writes when it is. Grow it now (see PersistentVolumeFillingUp).`,
    ),
  ];

  return [
    { name: "ods-llm", rules: llm },
    ...(gpu.length ? [{ name: "ods-gpu", rules: gpu }] : []),
    { name: "ods-api", rules: api },
    { name: "ods-data", rules: data },
    { name: "ods-platform", rules: platform },
  ];
}

/** A Prometheus rule file (`groups:`) for the groups, as promtool and Prometheus read it. */
export function renderRuleFile(groups: RuleGroup[], header?: string): string {
  const body = YAML.stringify({ groups }, { lineWidth: 0 });
  return header ? `${header.split("\n").map((l) => `# ${l}`).join("\n")}\n${body}` : body;
}

/**
 * The API objective from a gate profile (loadtests/profiles/<stack>.json): the data API's latency
 * threshold `p(NN)<MS` (data_api_ms) and its error-rate threshold `rate<X` (data_api_errors), so the
 * alerts and the gate hold the services to the same numbers. `where` names the file in errors.
 */
export function apiSloFromProfile(profile: unknown, where: string): ApiSlo {
  const thresholds = (profile as { services?: Record<string, { thresholds?: Record<string, string[]> }> } | null)?.services?.["data-api"]?.thresholds ?? {};
  const latency = (thresholds.data_api_ms ?? []).map((t) => /^p\((\d+)\)\s*<\s*(\d+(?:\.\d+)?)$/.exec(t.trim())).find((m) => m !== null);
  const errors = (thresholds.data_api_errors ?? []).map((t) => /^rate\s*<\s*(0?\.\d+)$/.exec(t.trim())).find((m) => m !== null);
  if (!latency) throw new Error(`${where}: services["data-api"].thresholds.data_api_ms needs a "p(NN)<MS" threshold (the API latency objective the alerts use), got ${JSON.stringify(thresholds.data_api_ms)}`);
  if (!errors) throw new Error(`${where}: services["data-api"].thresholds.data_api_errors needs a "rate<X" threshold (the API error objective the alerts use), got ${JSON.stringify(thresholds.data_api_errors)}`);
  return { percentile: Number(latency[1]), latencyMs: Number(latency[2]), errorRatio: Number(errors[1]) };
}

/** The alert inputs of a validated stack config and its API objective. */
export function alertInputsFromConfig(stack: string, cfg: OdsConfig, api: ApiSlo, runbookBase?: string): AlertInputs {
  const n = (layer: string) => namespaceName(cfg.namePrefix, layer);
  return {
    stack,
    slo: cfg.model.slo,
    api,
    namespaces: { data: n("data"), model: n("model"), apps: n("apps"), edge: n("edge"), identity: n("identity"), observability: n("observability") },
    gpus: cfg.infra.gpuOperator.enabled,
    mysqlReplicas: cfg.data.mysql.replicas,
    waitingPerReplica: cfg.model.autoscaling.waitingPerReplica,
    ...(runbookBase ? { runbookBase } : {}),
  };
}
