// Server-side latency from vLLM's Prometheus histograms: the change in a histogram over the run,
// and quantiles estimated from its buckets the way PromQL's histogram_quantile does.

export interface Histogram {
  /** Cumulative counts per upper bound, ascending, ending with +Inf. */
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+([^\s]+)(?:\s+\d+)?$/;

function labelsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1]] = m[2];
  return out;
}

function parseValue(v: string): number {
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  return Number(v);
}

/**
 * Extracts one histogram from Prometheus text exposition, summing series across label sets (several
 * vLLM replicas or engines behind one scrape) unless `match` restricts the labels.
 */
export function parseHistogram(text: string, name: string, match: Record<string, string> = {}): Histogram | null {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const m = SAMPLE.exec(line.trim());
    if (!m || !m[1].startsWith(name)) continue;
    const labels = labelsOf(m[2] ?? "");
    if (Object.entries(match).some(([k, v]) => labels[k] !== v)) continue;
    const value = parseValue(m[3]);
    if (m[1] === `${name}_bucket` && labels.le !== undefined) {
      const le = parseValue(labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + value);
      seen = true;
    } else if (m[1] === `${name}_count`) {
      count += value;
    } else if (m[1] === `${name}_sum`) {
      sum += value;
    }
  }
  if (!seen) return null;
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]).map(([le, c]) => ({ le, count: c }));
  return { buckets, count, sum };
}

/** after - before, bucket by bucket (counters only grow; a restart mid-run shows as negative and is rejected). */
export function histogramDelta(before: Histogram | null, after: Histogram): Histogram {
  if (!before) return after;
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({ le: b.le, count: b.count - (prev.get(b.le) ?? 0) }));
  if (buckets.some((b) => b.count < 0) || after.count < before.count) {
    throw new Error("histogram went backwards between scrapes (server restarted during the run?)");
  }
  return { buckets, count: after.count - before.count, sum: after.sum - before.sum };
}

/** Quantile q (0..1) by linear interpolation inside the bucket that holds it; null without samples. */
export function histogramQuantile(h: Histogram, q: number): number | null {
  const total = h.buckets.length ? h.buckets[h.buckets.length - 1].count : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      // The +Inf bucket has no upper edge: report its lower edge, as histogram_quantile does.
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

export const VLLM_TTFT = "vllm:time_to_first_token_seconds";
/** Newer vLLM name first; older releases only export time_per_output_token. */
export const VLLM_ITL = ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"];

export interface ServerLatency {
  requests: number;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  itlP50Ms: number | null;
  itlP95Ms: number | null;
}

function pickItl(text: string): Histogram | null {
  for (const n of VLLM_ITL) {
    const h = parseHistogram(text, n);
    if (h) return h;
  }
  return null;
}

/** Server-side TTFT/ITL over the run, from two scrapes of vLLM's /metrics. */
export function serverLatency(beforeText: string, afterText: string): ServerLatency | null {
  const ttftAfter = parseHistogram(afterText, VLLM_TTFT);
  if (!ttftAfter) return null;
  const ttft = histogramDelta(parseHistogram(beforeText, VLLM_TTFT), ttftAfter);
  const itlAfter = pickItl(afterText);
  const itl = itlAfter ? histogramDelta(pickItl(beforeText), itlAfter) : null;
  const ms = (v: number | null) => (v === null ? null : v * 1000);
  return {
    requests: ttft.count,
    ttftP50Ms: ms(histogramQuantile(ttft, 0.5)),
    ttftP95Ms: ms(histogramQuantile(ttft, 0.95)),
    itlP50Ms: itl ? ms(histogramQuantile(itl, 0.5)) : null,
    itlP95Ms: itl ? ms(histogramQuantile(itl, 0.95)) : null,
  };
}
