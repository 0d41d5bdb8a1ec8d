// Reads k6's --summary-export JSON: threshold verdicts and the headline numbers for the report.
import { isRecord } from "../../lib/records";

export interface ThresholdResult {
  /** Metric key as written in the options, e.g. "llm_ttft_ms{scenario:measure}". */
  metric: string;
  expression: string;
  ok: boolean;
  /** The aggregate the expression tests, when k6 exported it (e.g. p(95) value); absent when noData. */
  actual?: number;
  /** The metric got no samples: the threshold fails whatever k6 said (k6 passes it). */
  noData?: boolean;
}

export type MetricValues = Record<string, number>;

export interface K6Summary {
  thresholds: ThresholdResult[];
  metrics: Record<string, MetricValues>;
}


/** The aggregation an expression tests ("p(95)<500" -> "p(95)", "count>=10" -> "count"). */
export function aggregationOf(expression: string): string {
  const m = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(?:<|>|=|!)/.exec(expression);
  return m ? m[1] : expression;
}

/**
 * How many samples a Trend or Rate received, from its exported values; undefined for Counters and
 * Gauges, whose 0 is a measurement (no dropped iterations), not an absence of one. A Trend's count
 * is exported because the runner always puts "count" in summaryTrendStats.
 */
export function sampleCount(values: MetricValues): number | undefined {
  if (values.passes !== undefined && values.fails !== undefined) return values.passes + values.fails; // Rate
  const isTrend = ["avg", "med", "min", "max"].some((k) => values[k] !== undefined) || Object.keys(values).some((k) => k.startsWith("p("));
  return isTrend ? values.count : undefined;
}

/** Whether a metric was measured at all (false only when its Trend/Rate got no samples). */
export function hasData(values: MetricValues | undefined): values is MetricValues {
  return values !== undefined && sampleCount(values) !== 0;
}

/**
 * In the export, a threshold maps to `true` when it was crossed (failed) and `false` when it held.
 * k6 lets a threshold on a Trend or Rate without samples hold (p(95) of nothing is 0); here it
 * fails as "no data", because nothing was shown to meet it.
 */
export function parseSummaryExport(raw: unknown): K6Summary {
  if (!isRecord(raw) || !isRecord(raw.metrics)) throw new Error("k6 summary export: missing \"metrics\" object");
  const thresholds: ThresholdResult[] = [];
  const metrics: Record<string, MetricValues> = {};
  for (const [name, value] of Object.entries(raw.metrics)) {
    if (!isRecord(value)) continue;
    const values: MetricValues = {};
    for (const [k, v] of Object.entries(value)) if (typeof v === "number") values[k] = v;
    metrics[name] = values;
    if (isRecord(value.thresholds)) {
      for (const [expression, crossed] of Object.entries(value.thresholds)) {
        if (!hasData(values)) {
          thresholds.push({ metric: name, expression, ok: false, noData: true });
          continue;
        }
        const agg = aggregationOf(expression);
        // A Rate's exported "value" is what rate<... compares against.
        const actual = agg === "rate" ? (values.rate ?? values.value) : values[agg];
        thresholds.push({ metric: name, expression, ok: crossed === false, ...(actual !== undefined ? { actual } : {}) });
      }
    }
  }
  thresholds.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
  return { thresholds, metrics };
}
