// Agent API gate: one RAG question and one text-to-SQL question per iteration, end-to-end latency
// and a check that each answer has the shape a client relies on.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Rate } from "k6/metrics";
import { gateOptions, guardedTrend, handRunOptions, requireEnv, workload } from "./lib/gate.js";
import { apiHeaders, isNonEmptyString, jsonBody, unwrap } from "./lib/http.js";

const BASE_URL = requireEnv("AGENT_API_BASE_URL", "the agent API base URL, e.g. http://127.0.0.1:8081");
const W = workload({ ragPath: "/api/v1/agent/rag", sqlPath: "/api/v1/agent/text2sql", timeout: "60s" });

const RAG_QUESTIONS = [
  "Which datasets were registered most recently?",
  "How do I request access to a dataset?",
  "What embedding model does the knowledge base use?",
];
const SQL_QUESTIONS = [
  "Show the ten most recently created datasets with their names.",
  "Count datasets per owner.",
  "List datasets larger than one gigabyte.",
];

const rag = guardedTrend("agent_rag_ms");
const sql = guardedTrend("agent_sql_ms");
const errors = new Rate("agent_errors");

export const options = gateOptions(
  handRunOptions(1, {
    "agent_rag_ms{scenario:measure}": ["p(95)<2000"],
    "agent_rag_ms_samples{scenario:measure}": ["count>=10"],
    "agent_sql_ms{scenario:measure}": ["p(95)<2000"],
    "agent_sql_ms_samples{scenario:measure}": ["count>=10"],
    "agent_errors{scenario:measure}": ["rate<0.05"],
  }),
);

function post(path, question) {
  return http.post(`${BASE_URL}${path}`, JSON.stringify({ question }), {
    headers: apiHeaders(),
    timeout: W.timeout,
    tags: { name: `POST ${path}` },
  });
}

export default function () {
  const i = exec.scenario.iterationInTest;

  const r1 = post(W.ragPath, RAG_QUESTIONS[i % RAG_QUESTIONS.length]);
  const a = unwrap(jsonBody(r1));
  const ragOk = check(r1, {
    "rag: 200": (r) => r.status === 200,
    "rag: non-empty answer": () => a !== null && isNonEmptyString(a.answer),
    "rag: cites sources": () => a !== null && Array.isArray(a.sources) && a.sources.length > 0,
  });
  errors.add(!ragOk, { op: "rag" });
  if (ragOk) rag.add(r1.timings.duration);

  const r2 = post(W.sqlPath, SQL_QUESTIONS[i % SQL_QUESTIONS.length]);
  const s = unwrap(jsonBody(r2));
  const sqlOk = check(r2, {
    "sql: 200": (r) => r.status === 200,
    // A read-only query is what the agent may hand back; anything else is a wrong answer.
    "sql: is a SELECT": () => s !== null && typeof s.sql === "string" && /^\s*(select|with)\b/i.test(s.sql),
  });
  errors.add(!sqlOk, { op: "sql" });
  if (sqlOk) sql.add(r2.timings.duration);
}
