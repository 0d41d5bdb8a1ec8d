// Publishes the gate's verdict to a Prometheus Pushgateway, for the gate dashboard: the formatter is
// pure (tested on exact text), the push is one HTTP PUT that replaces the stack's previous verdict.
import { GateReport } from "./report";

/** The Pushgateway job the gate's series are grouped under. */
export const PUSH_JOB = "ods-gate";

/** Escapes a label value for the text exposition format: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** How a threshold is named in `ods_gate_threshold_passed{threshold}`: the metric key and the expression. */
export function thresholdLabel(t: { metric: string; expression: string }): string {
  return `${t.metric} ${t.expression}`;
}

/**
 * The verdict as Prometheus text exposition (version 0.0.4). `stack` and `job` are not in the body:
 * the Pushgateway adds its grouping key (job="ods-gate", stack="<stack>") to every series, so the
 * series carry `stack` without a body label that could disagree with the URL. A threshold that
 * appears twice in a service (same metric and expression) is one series, failed if either failed.
 */
export function gateMetricsText(report: GateReport, finishedAt: Date): string {
  const thresholds = new Map<string, { service: string; threshold: string; ok: boolean }>();
  for (const s of report.services) {
    for (const t of s.thresholds) {
      const threshold = thresholdLabel(t);
      const key = JSON.stringify([s.service, threshold]);
      const prev = thresholds.get(key);
      thresholds.set(key, { service: s.service, threshold, ok: (prev?.ok ?? true) && t.ok });
    }
  }
  const lines = [
    "# HELP ods_gate_passed 1 when the stack's last performance gate passed, 0 when it failed.",
    "# TYPE ods_gate_passed gauge",
    `ods_gate_passed ${report.passed ? 1 : 0}`,
    "# HELP ods_gate_last_run_timestamp_seconds When the stack's last performance gate reached its verdict (Unix time).",
    "# TYPE ods_gate_last_run_timestamp_seconds gauge",
    `ods_gate_last_run_timestamp_seconds ${Math.floor(finishedAt.getTime() / 1000)}`,
    "# HELP ods_gate_threshold_passed 1 when the threshold held in the stack's last gate run, 0 when it failed.",
    "# TYPE ods_gate_threshold_passed gauge",
    ...[...thresholds.values()].map((t) => `ods_gate_threshold_passed{service="${escapeLabelValue(t.service)}",threshold="${escapeLabelValue(t.threshold)}"} ${t.ok ? 1 : 0}`),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * The Pushgateway URL of a stack's group: `<base>/metrics/job/ods-gate/stack/<stack>`. Throws on a
 * base that is not an http(s) URL (named with the flag or variable it came from, `from`).
 */
export function pushUrl(base: string, stack: string, from = "--pushgateway"): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new Error(`${from} ${JSON.stringify(base)}: not a URL; allowed: http(s)://HOST:PORT, e.g. http://localhost:9091`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`${from} ${JSON.stringify(base)}: allowed schemes http and https`);
  if (u.search || u.hash) throw new Error(`${from} ${JSON.stringify(base)}: no query or fragment allowed`);
  if (u.username || u.password) throw new Error(`${from}: credentials in the URL are not allowed (they would end up in logs)`);
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}/metrics/job/${PUSH_JOB}/stack/${encodeURIComponent(stack)}`;
}

export interface PushResult {
  ok: boolean;
  url: string;
  /** HTTP status, when the Pushgateway answered. */
  status?: number;
  /** What went wrong, when !ok: the status and the start of the answer, or the network error. */
  error?: string;
}

/**
 * PUTs the verdict (replacing every series of the stack's group, so thresholds of an earlier run that
 * this run did not test disappear). Never throws: the caller reports a failed push, and the verdict's
 * exit code stays what the gate decided.
 */
export async function pushGateMetrics(url: string, report: GateReport, finishedAt: Date, timeoutMs = 10_000): Promise<PushResult> {
  try {
    const res = await fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" },
      body: gateMetricsText(report, finishedAt),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.ok) return { ok: true, url, status: res.status };
    const body = (await res.text().catch(() => "")).trim().slice(0, 200);
    return { ok: false, url, status: res.status, error: `HTTP ${res.status}${body ? `: ${body}` : ""}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { ok: false, url, error: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}
