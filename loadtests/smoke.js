// Smoke gate: one pass over every configured service with zero tolerance for errors. Steps whose
// endpoint is not configured are skipped here; the runner counts the expected steps.
import { check } from "k6";
import http from "k6/http";
import { Counter, Rate } from "k6/metrics";
import { gateOptions, workload } from "./lib/gate.js";
import { apiHeaders, isNonEmptyString, jsonBody, unwrap } from "./lib/http.js";
import { llmHeaders, streamChat } from "./lib/llm.js";

const env = (name) => (__ENV[name] ? __ENV[name].replace(/\/+$/, "") : "");
const W = workload({ maxTokens: 8, timeout: "60s" });

const stepsOk = new Counter("smoke_steps_ok");
const errors = new Rate("smoke_errors");

export const options = gateOptions({
  scenarios: { measure: { executor: "shared-iterations", vus: 1, iterations: 1, maxDuration: "2m" } },
  thresholds: { "smoke_errors{scenario:measure}": ["rate==0"], "smoke_steps_ok{scenario:measure}": ["count>=1"] },
});

function record(name, ok) {
  errors.add(!ok, { step: name });
  if (ok) stepsOk.add(1, { step: name });
  else console.error(`smoke step failed: ${name}`);
}

export default function () {
  const data = env("DATA_API_BASE_URL");
  if (data) {
    const name = `gate-smoke-${Date.now()}`;
    const c = http.post(`${data}/api/v1/datasets`, JSON.stringify({ name, s3_path: `s3://ods-gate/${name}/` }), { headers: apiHeaders() });
    const ds = unwrap(jsonBody(c));
    const id = ds && (ds.id || ds.dataset_id);
    const g = id ? http.get(`${data}/api/v1/datasets/${encodeURIComponent(id)}`, { headers: apiHeaders() }) : null;
    const back = g ? unwrap(jsonBody(g)) : null;
    record("dataset register+fetch", check(c, {
      "dataset: created": (r) => (r.status === 200 || r.status === 201) && !!id,
      "dataset: fetched back": () => g !== null && g.status === 200 && back !== null && back.name === name,
    }));
  }

  const llm = env("LLM_BASE_URL");
  if (llm) {
    const m = http.get(`${llm}/v1/models`, { headers: llmHeaders() });
    const models = jsonBody(m);
    record("list models", check(m, {
      "models: 200": (r) => r.status === 200,
      "models: serves LLM_MODEL": () => models !== null && Array.isArray(models.data) && models.data.some((x) => x.id === __ENV.LLM_MODEL),
    }));
    const r = streamChat({ baseUrl: llm, model: __ENV.LLM_MODEL, prompt: "Say hello.", maxTokens: W.maxTokens, ignoreEos: false, timeout: W.timeout });
    if (!r.ok) console.error(`chat completion: ${r.error}`);
    record("chat completion", check(r, { "chat: streamed tokens": (x) => x.ok && x.tokens > 0 }));
  }

  const agent = env("AGENT_API_BASE_URL");
  if (agent) {
    const q = http.post(`${agent}/api/v1/agent/rag`, JSON.stringify({ question: "What is a dataset?" }), { headers: apiHeaders(), timeout: W.timeout });
    const a = unwrap(jsonBody(q));
    record("rag query", check(q, { "rag: answered": (r) => r.status === 200 && a !== null && isNonEmptyString(a.answer) }));
  }
}
