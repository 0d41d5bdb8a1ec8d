// `npm run bench:gate`: capacity of one load generator against the local streaming target (see loadtests/runner/bench.ts).
import { runCli, UsageError } from "../lib/cli";
import { benchGenerator } from "../loadtests/runner/bench";

const CLI = {
  command: "npm run bench:gate --",
  summary: "Raises the arrival rate of streamed chat requests against the local target until k6's measured TTFT drifts more than 5 % or iterations drop.",
  flags: {
    "ttft-ms": { value: true, placeholder: "MS", default: "300", help: "time to first token the target is configured with" },
    "tpot-ms": { value: true, placeholder: "MS", default: "20", help: "time per output token of the target" },
    tokens: { value: true, placeholder: "N", default: "16", help: "tokens per answer" },
    "step-s": { value: true, placeholder: "S", default: "6", help: "seconds per arrival-rate step" },
    rates: { value: true, placeholder: "LIST", default: "10,25,50,100,200,300,400,600,800,1000", help: "arrival rates to try, in order" },
  },
} as const;

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} ${JSON.stringify(text)}: allowed: a positive number`);
  return n;
}

runCli(CLI, async ({ values }) => {
  await benchGenerator({
    ttftMs: positive("ttft-ms", values["ttft-ms"]!),
    tpotMs: positive("tpot-ms", values["tpot-ms"]!),
    tokens: positive("tokens", values.tokens!),
    stepS: positive("step-s", values["step-s"]!),
    rates: values.rates!.split(",").map((r) => positive("rates", r)),
  });
  return 0;
});
