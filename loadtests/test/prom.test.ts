import { histogramDelta, histogramQuantile, parseHistogram, serverLatency } from "../runner/prom";

const scrape = (ttft: number[], itl: number[]) => `
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="m"} ${ttft[0]}
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.25",model_name="m"} ${ttft[1]}
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.5",model_name="m"} ${ttft[2]}
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} ${ttft[2]}
vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} ${ttft[2]}
vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} 1.5
vllm:inter_token_latency_seconds_bucket{le="0.01",model_name="m"} ${itl[0]}
vllm:inter_token_latency_seconds_bucket{le="0.025",model_name="m"} ${itl[1]}
vllm:inter_token_latency_seconds_bucket{le="+Inf",model_name="m"} ${itl[1]}
vllm:inter_token_latency_seconds_count{model_name="m"} ${itl[1]}
vllm:inter_token_latency_seconds_sum{model_name="m"} 0.2
`;

describe("vLLM histograms", () => {
  it("parses cumulative buckets, count and sum", () => {
    const h = parseHistogram(scrape([1, 3, 4], [0, 10]), "vllm:time_to_first_token_seconds")!;
    expect(h.buckets).toEqual([{ le: 0.1, count: 1 }, { le: 0.25, count: 3 }, { le: 0.5, count: 4 }, { le: Infinity, count: 4 }]);
    expect(h.count).toBe(4);
    expect(h.sum).toBe(1.5);
    expect(parseHistogram("", "vllm:time_to_first_token_seconds")).toBeNull();
  });

  it("sums series across replicas unless labels are matched", () => {
    const two = `a_bucket{pod="1",le="1"} 2\na_bucket{pod="1",le="+Inf"} 2\na_bucket{pod="2",le="1"} 3\na_bucket{pod="2",le="+Inf"} 5\n`;
    expect(parseHistogram(two, "a")!.buckets).toEqual([{ le: 1, count: 5 }, { le: Infinity, count: 7 }]);
    expect(parseHistogram(two, "a", { pod: "2" })!.buckets).toEqual([{ le: 1, count: 3 }, { le: Infinity, count: 5 }]);
  });

  it("interpolates quantiles inside the bucket like histogram_quantile", () => {
    const h = { buckets: [{ le: 0.1, count: 0 }, { le: 0.5, count: 100 }, { le: Infinity, count: 100 }], count: 100, sum: 0 };
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.3, 10);
    expect(histogramQuantile(h, 0.95)).toBeCloseTo(0.48, 10);
    expect(histogramQuantile({ buckets: [{ le: Infinity, count: 0 }], count: 0, sum: 0 }, 0.5)).toBeNull();
  });

  it("takes the delta over the run and rejects counters that went backwards", () => {
    const before = parseHistogram(scrape([1, 3, 4], [0, 10]), "vllm:time_to_first_token_seconds");
    const after = parseHistogram(scrape([1, 13, 14], [0, 10]), "vllm:time_to_first_token_seconds")!;
    const d = histogramDelta(before, after);
    expect(d.count).toBe(10);
    expect(d.buckets.map((b) => b.count)).toEqual([0, 10, 10, 10]);
    expect(() => histogramDelta(after, before!)).toThrow(/went backwards/);
  });

  it("reports server-side TTFT and ITL in ms for the run only", () => {
    const s = serverLatency(scrape([1, 3, 4], [0, 10]), scrape([1, 13, 14], [0, 30]))!;
    expect(s.requests).toBe(10);
    expect(s.ttftP50Ms).toBeCloseTo(175, 6); // all 10 new samples in (0.1, 0.25]: midpoint
    expect(s.itlP50Ms).toBeCloseTo(17.5, 6);
    expect(serverLatency("", "no metrics here")).toBeNull();
  });
});
