// LLM gate: streamed OpenAI-compatible chat completions under open-model load (arrival rate, not
// VUs, so a slow server faces the same offered load instead of being given breathing room).
import exec from "k6/execution";
import { Counter, Rate } from "k6/metrics";
import { gateOptions, guardedTrend, handRunOptions, requireEnv, workload } from "./lib/gate.js";
import { MAX_EVENT_BYTES, MIN_TPOT_MS, SSE_MISSING_BANNER, sse, streamChat, TOKEN_TOLERANCE } from "./lib/llm.js";
import { buildPrompt, PROMPT_COUNT } from "./lib/prompts.js";

const BASE_URL = requireEnv("LLM_BASE_URL", "the OpenAI-compatible base URL without /v1, e.g. http://127.0.0.1:8000");
const MODEL = requireEnv("LLM_MODEL", "the served model name as listed by GET /v1/models");
const W = workload({
  maxTokens: 64, inputWords: 128, ignoreEos: true, sloTtftMs: 2000, sloTpotMs: 100, timeout: "120s",
  // Request checks (lib/llm.js): streamed tokens vs usage, least plausible TPOT, SSE line/event cap.
  tokenTolerance: TOKEN_TOLERANCE, minTpotMs: MIN_TPOT_MS, maxEventBytes: MAX_EVENT_BYTES,
});
// Bounds that keep the checks on: a tolerance of 1 would accept a one-chunk stream claiming 64 tokens, a floor of 0 a replayed one.
if (!(W.tokenTolerance >= 0 && W.tokenTolerance <= 0.5)) throw new Error(`GATE_WORKLOAD.tokenTolerance must be in [0, 0.5], got ${W.tokenTolerance}`);
if (!(W.minTpotMs > 0)) throw new Error(`GATE_WORKLOAD.minTpotMs must be > 0, got ${W.minTpotMs}`);
if (!(Number.isInteger(W.maxEventBytes) && W.maxEventBytes > 0)) throw new Error(`GATE_WORKLOAD.maxEventBytes must be a positive integer, got ${W.maxEventBytes}`);

const ttft = guardedTrend("llm_ttft_ms");
const tpot = guardedTrend("llm_tpot_ms");
const e2e = guardedTrend("llm_e2e_ms");
const outputTokens = new Counter("llm_output_tokens");
const requests = new Counter("llm_requests");
const sloOk = new Rate("llm_slo_ok");
const errors = new Rate("llm_errors");

export const options = gateOptions(
  handRunOptions(1, {
    "llm_ttft_ms{scenario:measure}": ["p(99)<2000"],
    "llm_ttft_ms_samples{scenario:measure}": ["count>=10"],
    "llm_tpot_ms{scenario:measure}": ["p(99)<100"],
    "llm_tpot_ms_samples{scenario:measure}": ["count>=10"],
    "llm_errors{scenario:measure}": ["rate<0.05"],
  }),
);

// Each VU logs the first request failing for each reason (the text before the first ":"), so the
// log says why a run failed even when failures start late, without one line per request.
const warned = new Set();
function warnOnce(i, error) {
  const kind = String(error).split(":")[0];
  if (warned.has(kind)) return;
  warned.add(kind);
  console.warn(`llm request ${i} failed: ${error}`);
}

export function setup() {
  if (!sse) console.error(SSE_MISSING_BANNER);
  return { sse: !!sse };
}

export default function () {
  const i = exec.scenario.iterationInTest;
  const r = streamChat({
    baseUrl: BASE_URL,
    model: MODEL,
    prompt: buildPrompt(i % PROMPT_COUNT, W.inputWords),
    maxTokens: W.maxTokens,
    ignoreEos: W.ignoreEos,
    timeout: W.timeout,
    tokenTolerance: W.tokenTolerance,
    minTpotMs: W.minTpotMs,
    maxEventBytes: W.maxEventBytes,
  });
  requests.add(1);
  errors.add(!r.ok);
  if (!r.ok) {
    sloOk.add(false);
    warnOnce(i, r.error);
    return;
  }
  e2e.add(r.e2eMs);
  outputTokens.add(r.tokens);
  if (r.ttftMs !== null) ttft.add(r.ttftMs);
  if (r.tpotMs !== null) tpot.add(r.tpotMs);
  // Goodput: a request counts only when it met every SLO; unmeasurable TTFT cannot count as met.
  sloOk.add(r.ttftMs !== null && r.ttftMs <= W.sloTtftMs && (r.tpotMs === null || r.tpotMs <= W.sloTpotMs));
}
