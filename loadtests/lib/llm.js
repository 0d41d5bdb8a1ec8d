// Streamed chat completion with client-side TTFT/TPOT, shared by llm.js and smoke.js.
/* global require */
import http from "k6/http";

export const SSE_MISSING_BANNER = [
  "",
  "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
  "!! TTFT UNAVAILABLE: this k6 has no SSE extension (k6/x/sse).                     !!",
  "!! k6's HTTP client buffers the body, so header time is NOT time to first token.  !!",
  "!! llm_ttft_ms / llm_tpot_ms get no samples and the gate fails on purpose.        !!",
  "!! Build the kit's k6: `npm run setup` (loadtests/k6/install.sh) -> .tools/bin/k6 !!",
  "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
  "",
].join("\n");

/**
 * k6/x/sse is required at run time rather than imported so that LLM_NO_SSE=true can skip it: a k6
 * without the extension refuses any script that even tries to load it. The gate runner sets
 * LLM_NO_SSE=true itself when `k6 version` lists no k6/x/sse, so the run still happens, says loudly
 * that TTFT is unavailable, and fails on the empty TTFT metric instead of reporting header time.
 */
function loadSse() {
  if (__ENV.LLM_NO_SSE === "true") return null;
  const name = ["k6", "x", "sse"].join("/");
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- k6 runtime require, see above
    return require(name);
  } catch (e) {
    console.error(`${SSE_MISSING_BANNER}(set LLM_NO_SSE=true to run without it: E2E only, and the gate fails)\n`);
    throw e;
  }
}

export const sse = loadSse();


export function llmHeaders() {
  const h = { "Content-Type": "application/json" };
  if (__ENV.LLM_API_KEY) h.Authorization = `Bearer ${__ENV.LLM_API_KEY}`;
  return h;
}

function chatBody(model, prompt, maxTokens, ignoreEos) {
  const body = {
    model,
    messages: [{ role: "user", content: prompt }],
    max_tokens: maxTokens,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  };
  // vLLM extension: generate exactly max_tokens so output length is controlled, not model-chosen.
  if (ignoreEos) body.ignore_eos = true;
  return JSON.stringify(body);
}

/**
 * Request-level checks on what the stream showed, shared by llm.js and smoke.js (see
 * loadtests/README.md, "What a request must show"):
 * - TOKEN_TOLERANCE: the tokens counted in the stream may differ from usage.completion_tokens by at
 *   most max(1, round(tolerance x usage)); vLLM sends one chunk per generated token, so a bigger gap
 *   means the server's usage figure does not describe the stream it sent.
 * - MIN_TPOT_MS: with two or more tokens, the time from the first token chunk to the last, spread
 *   over the tokens after the first, must reach this; below it the tokens arrived together
 *   (0.1 ms per token is 10,000 tokens/s on one stream), i.e. the stream was buffered or replayed.
 * - MAX_EVENT_BYTES: the longest SSE line or event k6/x/sse accepts before failing the request.
 */
export const TOKEN_TOLERANCE = 0.1;
export const MIN_TPOT_MS = 0.1;
export const MAX_EVENT_BYTES = 1024 * 1024;

/** Text a chunk's delta carries, or null when it carries none (finish or tool-call chunks). */
function deltaText(delta) {
  if (!delta) return null;
  for (const key of ["content", "reasoning_content", "reasoning"]) {
    if (typeof delta[key] === "string") return delta[key];
  }
  return null;
}

/**
 * Folds one SSE data payload into the stream state; returns false on [DONE]. A token chunk is one
 * whose delta carries text (reasoning models stream their thinking first; it is generated output
 * too), empty text included: vLLM sends a chunk per generated token even when the token has no
 * visible text (a special token, half a UTF-8 character). The opening role announcement with empty
 * text is not a token.
 */
export function applyChunk(state, data, now) {
  if (data === "[DONE]") {
    state.done = true;
    return false;
  }
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    state.error = `non-JSON stream chunk: ${String(data).slice(0, 80)}`;
    return true;
  }
  if (msg.error) state.error = `stream error: ${JSON.stringify(msg.error).slice(0, 200)}`;
  if (msg.usage && typeof msg.usage.completion_tokens === "number") state.usageTokens = msg.usage.completion_tokens;
  const choice = msg.choices && msg.choices[0];
  const delta = choice && choice.delta;
  const text = deltaText(delta);
  if (text !== null && !(delta.role && text === "")) {
    if (!state.tokens) state.first = now;
    state.last = now;
    state.tokens++;
    state.chars += text.length;
  }
  return true;
}

/**
 * The request-level checks above, on a finished stream; returns an error message or null. With
 * `ignoreEos` the server was asked for exactly `maxTokens` tokens, so the stream must carry that many
 * (within the same tolerance); and since every request asks for usage (stream_options.include_usage),
 * a stream without it cannot be checked and fails.
 */
function streamError(state, tpotMs, { tokenTolerance, minTpotMs, maxTokens, ignoreEos }) {
  if (state.tokens === 0) return "no tokens generated";
  if (state.chars === 0) return `the stream carried ${state.tokens} token chunks without any text`;
  if (state.usageTokens === null) return "the stream carried no usage although stream_options.include_usage asked for it: its token count cannot be checked";
  const allowed = (n) => Math.max(1, Math.round(tokenTolerance * n));
  if (Math.abs(state.tokens - state.usageTokens) > allowed(state.usageTokens)) {
    return `token count mismatch: the stream carried ${state.tokens} token chunks, usage.completion_tokens says ${state.usageTokens} (allowed difference ${allowed(state.usageTokens)}, tokenTolerance ${tokenTolerance})`;
  }
  if (ignoreEos && Math.abs(state.tokens - maxTokens) > allowed(maxTokens)) {
    return `short answer: asked for exactly ${maxTokens} tokens (ignore_eos), the stream carried ${state.tokens} token chunks (allowed difference ${allowed(maxTokens)})`;
  }
  if (tpotMs !== null && tpotMs < minTpotMs) {
    return `no decode time: ${state.tokens} tokens arrived within ${(state.last - state.first).toFixed(3)} ms (TPOT ${tpotMs.toFixed(4)} ms < minTpotMs ${minTpotMs}); the stream was buffered or replayed, not generated`;
  }
  return null;
}

/**
 * One streamed request. Returns { ok, status, error, ttftMs, tpotMs, e2eMs, tokens }. Everything is
 * what the stream showed: tokens are counted token chunks (usage.completion_tokens is only checked
 * against them), TTFT is request start to the first token chunk, TPOT is first to last token chunk
 * over tokens - 1. ttftMs and tpotMs are null when they cannot be measured (no SSE extension, or
 * fewer than 1/2 tokens).
 */
export function streamChat({ baseUrl, model, prompt, maxTokens, ignoreEos, timeout, tokenTolerance = TOKEN_TOLERANCE, minTpotMs = MIN_TPOT_MS, maxEventBytes = MAX_EVENT_BYTES }) {
  const url = `${baseUrl}/v1/chat/completions`;
  const body = chatBody(model, prompt, maxTokens, ignoreEos);
  const state = { first: 0, last: 0, tokens: 0, chars: 0, usageTokens: null, done: false, error: null };
  const start = Date.now();
  let status = 0;
  let timed = false;

  if (sse) {
    timed = true;
    const res = sse.open(url, { method: "POST", body, headers: llmHeaders(), timeout, maxEventBytes }, (client) => {
      client.on("event", (e) => {
        // k6/x/sse stamps each event with when its bytes came off the connection; a build with
        // the community xk6-sse has no stamp, so the handler's clock stands in.
        const at = typeof e.receivedAt === "number" ? e.receivedAt : Date.now();
        if (!applyChunk(state, e.data, at)) client.close();
      });
      client.on("error", (e) => {
        state.error = e.error();
      });
    });
    status = res.status;
    if (res.error && !state.error) state.error = res.error;
  } else {
    // Buffered fallback: only E2E and token counts are real here.
    const res = http.post(url, body, { headers: llmHeaders(), timeout, tags: { name: "chat" } });
    status = res.status;
    if (status >= 200 && status < 300 && res.body) {
      for (const line of String(res.body).split("\n")) {
        if (line.startsWith("data:")) applyChunk(state, line.slice(5).trim(), 0);
      }
    } else {
      state.error = `HTTP ${status}`;
    }
  }
  const end = Date.now();
  const tokens = state.tokens;
  const ttftMs = timed && tokens > 0 ? state.first - start : null;
  // TPOT per the MLPerf definition, on observed arrivals: decode time over the tokens after the first.
  const tpotMs = timed && tokens > 1 ? (state.last - state.first) / (tokens - 1) : null;
  if (!state.error && !(status >= 200 && status < 300)) state.error = `HTTP ${status}`;
  if (!state.error && !state.done) state.error = "stream ended without [DONE]";
  if (!state.error) state.error = streamError(state, tpotMs, { tokenTolerance, minTpotMs, maxTokens, ignoreEos });
  return { ok: !state.error, status, error: state.error, e2eMs: end - start, ttftMs, tpotMs, tokens };
}
