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

/** Folds one SSE data payload into the stream state; returns false on [DONE]. */
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
  // Reasoning models stream their thinking first; it is still generated output for latency purposes.
  const text = delta && (delta.content || delta.reasoning_content);
  if (text) {
    if (!state.first) state.first = now;
    state.last = now;
    state.chunks++;
  }
  return true;
}

/**
 * One streamed request. Returns { ok, status, error, ttftMs, tpotMs, e2eMs, tokens }; ttftMs and
 * tpotMs are null when they cannot be measured (no SSE extension, or fewer than 1/2 tokens).
 */
export function streamChat({ baseUrl, model, prompt, maxTokens, ignoreEos, timeout }) {
  const url = `${baseUrl}/v1/chat/completions`;
  const body = chatBody(model, prompt, maxTokens, ignoreEos);
  const state = { first: 0, last: 0, chunks: 0, usageTokens: null, done: false, error: null };
  const start = Date.now();
  let status = 0;

  if (sse) {
    const res = sse.open(url, { method: "POST", body, headers: llmHeaders(), timeout }, (client) => {
      client.on("event", (e) => {
        if (!applyChunk(state, e.data, Date.now())) client.close();
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
    state.first = 0;
  }
  const end = Date.now();
  const tokens = state.usageTokens !== null ? state.usageTokens : state.chunks;
  if (!state.error && !(status >= 200 && status < 300)) state.error = `HTTP ${status}`;
  if (!state.error && !state.done) state.error = "stream ended without [DONE]";
  if (!state.error && tokens === 0) state.error = "no tokens generated";
  const ttftMs = state.first ? state.first - start : null;
  return {
    ok: !state.error,
    status,
    error: state.error,
    e2eMs: end - start,
    ttftMs,
    // TPOT per the MLPerf definition: decode time spread over the tokens after the first.
    tpotMs: ttftMs !== null && tokens > 1 ? (end - state.first) / (tokens - 1) : null,
    tokens,
  };
}
