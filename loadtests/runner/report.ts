// Verdict formatting: the console table, the Markdown report and JUnit XML. Pure functions.
import { ServerLatency } from "./prom";
import { Service } from "./profile";
import { hasData, MetricValues, ThresholdResult } from "./summary";

/**
 * passed/failed: k6 ran and the thresholds held or not. skipped: not tested (no endpoint, no profile
 * entry, or left out by --only) and not required. missing: the same for a service the profile
 * requires, which fails the gate. error: the run itself broke (k6 crashed, timed out, bad script).
 */
export type Status = "passed" | "failed" | "skipped" | "missing" | "error";

export interface ServiceVerdict {
  service: Service;
  status: Status;
  /** Why skipped, missing or errored (no endpoint, excluded by --only, k6 crashed, ...). */
  reason?: string;
  thresholds: ThresholdResult[];
  /** Headline numbers: metric -> values, from the measure scenario where available; empty unless k6 ran to a verdict. */
  metrics: Record<string, MetricValues>;
  k6ExitCode?: number;
  durationS?: number;
  server?: ServerLatency | null;
  files?: Record<string, string>;
}

export interface GateReport {
  stack: string;
  startedAt: string;
  passed: boolean;
  /** The profile's required services (see GateProfile.required). */
  required: Service[];
  services: ServiceVerdict[];
}

/** k6 exits 99 when thresholds fail; anything else non-zero means the run itself broke. */
export const K6_THRESHOLDS_FAILED = 99;

export function statusFrom(exitCode: number, thresholds: ThresholdResult[]): Status {
  if (exitCode === 0 && thresholds.every((t) => t.ok)) return "passed";
  if (exitCode === K6_THRESHOLDS_FAILED || (exitCode === 0 && thresholds.some((t) => !t.ok))) return "failed";
  return "error";
}

/**
 * The gate passes only if something ran and nothing failed; skipped services do not count as
 * passed, and a missing (required but untested) service fails it like a failed one.
 */
export function gatePassed(services: ServiceVerdict[]): boolean {
  return services.some((s) => s.status === "passed") && services.every((s) => s.status === "passed" || s.status === "skipped");
}

/** What a threshold's row shows as measured: the aggregate, or "no data" when nothing was sampled. */
export function actualText(t: ThresholdResult): string {
  return t.noData ? "no data" : fmt(t.actual);
}

export function failedThresholds(v: ServiceVerdict): string[] {
  return v.thresholds
    .filter((t) => !t.ok)
    .map((t) => `${t.metric}: ${t.expression}${t.noData ? " (no data: the metric got no samples)" : t.actual !== undefined ? ` (was ${fmt(t.actual)})` : ""}`);
}

export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "-";
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(1);
  return n.toFixed(3);
}

/** The headline of each service: which measured metric and aggregate a reader looks at first. */
const HEADLINE: Record<Service, { metric: string; label: string }[]> = {
  smoke: [{ metric: "smoke_steps_ok", label: "steps ok" }],
  llm: [
    { metric: "llm_ttft_ms", label: "TTFT" },
    { metric: "llm_tpot_ms", label: "TPOT" },
  ],
  "data-api": [{ metric: "data_api_ms", label: "latency" }],
  "agent-api": [
    { metric: "agent_rag_ms", label: "RAG" },
    { metric: "agent_sql_ms", label: "SQL" },
  ],
  vector: [
    { metric: "vector_search_ms", label: "search" },
    { metric: "vector_recall_at_10", label: "recall@10" },
  ],
  auth: [{ metric: "auth_token_ms", label: "token" }],
};

/** Only a run that reached a verdict has numbers; for it, a metric nothing was measured for reads "no data". */
export function headline(v: ServiceVerdict): string {
  if (v.status !== "passed" && v.status !== "failed") return "-";
  const parts: string[] = [];
  for (const h of HEADLINE[v.service]) {
    const m = v.metrics[`${h.metric}{scenario:measure}`] ?? v.metrics[h.metric];
    if (!hasData(m)) {
      parts.push(`${h.label} no data`);
    } else if (m["p(95)"] !== undefined) {
      parts.push(h.metric.endsWith("_ms") ? `${h.label} p50 ${fmt(m.med)} / p95 ${fmt(m["p(95)"])} ms` : `${h.label} avg ${fmt(m.avg)}`);
    } else if (m.count !== undefined) {
      parts.push(`${h.label} ${fmt(m.count)}`);
    }
  }
  return parts.join("; ") || "-";
}

function isUntested(v: ServiceVerdict): boolean {
  return v.status === "skipped" || v.status === "missing" || v.status === "error";
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The one-table verdict printed at the end of a run. */
export function verdictTable(r: GateReport): string {
  const rows = r.services.map((v) => {
    const failed = failedThresholds(v);
    const detail = isUntested(v) ? v.reason ?? "" : failed.length ? `failed: ${failed.join("; ")}` : `${v.thresholds.length} thresholds ok`;
    return [v.service, v.status.toUpperCase(), headline(v), detail];
  });
  const head = ["service", "verdict", "measured", "thresholds"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i])).join(" | ");
  const missing = r.services.filter((v) => v.status === "missing").map((v) => v.service);
  return [
    `gate ${r.stack}: ${r.passed ? "PASSED" : "FAILED"}${missing.length ? ` (required but not tested: ${missing.join(", ")})` : ""}`,
    line(head),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...rows.map(line),
  ].join("\n");
}

export function toMarkdown(r: GateReport): string {
  const out: string[] = [
    `# Performance gate: ${r.stack} — ${r.passed ? "PASSED" : "FAILED"}`,
    "",
    `Started ${r.startedAt}. Required services: ${r.required.length ? r.required.join(", ") : "none"}.`,
    "",
  ];
  out.push("| service | verdict | measured | failed thresholds |", "|---|---|---|---|");
  for (const v of r.services) {
    const failed = failedThresholds(v);
    const note = isUntested(v) ? v.reason ?? "" : failed.join("<br>") || "none";
    out.push(`| ${v.service} | ${v.status} | ${headline(v)} | ${note.replace(/\|/g, "\\|")} |`);
  }
  for (const v of r.services.filter((s) => s.thresholds.length > 0 || s.server)) {
    out.push("", `## ${v.service}`, "", "| threshold | expression | actual | ok |", "|---|---|---|---|");
    for (const t of v.thresholds) out.push(`| \`${t.metric}\` | \`${t.expression}\` | ${actualText(t)} | ${t.ok ? "yes" : "**no**"} |`);
    if (v.server) {
      const s = v.server;
      const client = (name: string): MetricValues => {
        const m = v.metrics[`${name}{scenario:measure}`] ?? v.metrics[name];
        return hasData(m) ? m : {};
      };
      const c = client("llm_ttft_ms");
      const t = client("llm_tpot_ms");
      out.push(
        "",
        `Server side (vLLM /metrics, histogram delta over the whole run incl. warm-up, ${s.requests} requests; quantiles interpolated from buckets):`,
        "",
        "| | client p50 | client p95 | server p50 | server p95 |",
        "|---|---|---|---|---|",
        `| TTFT ms | ${fmt(c.med)} | ${fmt(c["p(95)"])} | ${fmt(s.ttftP50Ms)} | ${fmt(s.ttftP95Ms)} |`,
        `| TPOT / ITL ms | ${fmt(t.med)} | ${fmt(t["p(95)"])} | ${fmt(s.itlP50Ms)} | ${fmt(s.itlP95Ms)} |`,
      );
    }
  }
  return out.join("\n") + "\n";
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** JUnit XML: one suite per service, one test case per threshold, so CI UIs list each SLO. */
export function toJUnit(r: GateReport): string {
  const suites = r.services.map((v) => {
    const cases: string[] = [];
    if (v.status === "skipped") {
      cases.push(`    <testcase classname="gate.${v.service}" name="${v.service}"><skipped message="${xmlEscape(v.reason ?? "skipped")}"/></testcase>`);
    } else if (v.status === "missing") {
      cases.push(`    <testcase classname="gate.${v.service}" name="${v.service} required"><failure message="${xmlEscape(`required service not tested: ${v.reason ?? ""}`)}"/></testcase>`);
    } else if (v.status === "error") {
      cases.push(`    <testcase classname="gate.${v.service}" name="${v.service} run"><error message="${xmlEscape(v.reason ?? "k6 run failed")}"/></testcase>`);
    }
    for (const t of v.thresholds) {
      const name = xmlEscape(`${t.metric} ${t.expression}`);
      const why = t.noData ? ": no data, the metric got no samples" : t.actual !== undefined ? `: ${fmt(t.actual)}` : "";
      const body = t.ok ? "" : `<failure message="${xmlEscape(`${t.expression} not met${why}`)}"/>`;
      cases.push(`    <testcase classname="gate.${v.service}" name="${name}">${body}</testcase>`);
    }
    const failures = v.thresholds.filter((t) => !t.ok).length + (v.status === "missing" ? 1 : 0);
    const attrs = `name="gate.${v.service}" tests="${cases.length}" failures="${failures}" errors="${v.status === "error" ? 1 : 0}" skipped="${v.status === "skipped" ? 1 : 0}" time="${(v.durationS ?? 0).toFixed(1)}"`;
    return `  <testsuite ${attrs}>\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gate ${xmlEscape(r.stack)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
