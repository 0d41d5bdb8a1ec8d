// Milvus gate (REST v2): setup() creates a collection of generated unit vectors, the measured
// phase times searches and scores recall@10 against exact brute-force neighbours computed here,
// and teardown() drops the collection. Recall catches an index tuned for speed at the cost of answers.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Rate } from "k6/metrics";
import { gateOptions, guardedTrend, handRunOptions, requireEnv, workload } from "./lib/gate.js";
import { jsonBody } from "./lib/http.js";

const BASE_URL = requireEnv("MILVUS_BASE_URL", "Milvus' HTTP endpoint, e.g. http://127.0.0.1:19530");
const W = workload({ dim: 64, rows: 2000, queries: 50, topK: 10, seed: 42, consistencyLevel: "Strong", batch: 500 });

const search = guardedTrend("vector_search_ms");
const recall = guardedTrend("vector_recall_at_10");
const errors = new Rate("vector_errors");

export const options = gateOptions(
  handRunOptions(10, {
    "vector_search_ms{scenario:measure}": ["p(95)<100", "p(99)<200"],
    "vector_search_ms_samples{scenario:measure}": ["count>=100"],
    "vector_recall_at_10{scenario:measure}": ["avg>=0.9"],
    "vector_errors{scenario:measure}": ["rate<0.01"],
  }),
);

function headers() {
  const h = { "Content-Type": "application/json" };
  // Milvus takes "user:password" or an API key as the bearer token.
  if (__ENV.MILVUS_TOKEN) h.Authorization = `Bearer ${__ENV.MILVUS_TOKEN}`;
  return h;
}

function call(path, body) {
  const res = http.post(`${BASE_URL}${path}`, JSON.stringify(body), { headers: headers(), tags: { name: path } });
  const parsed = jsonBody(res);
  // Milvus answers HTTP 200 with a non-zero `code` on errors, so the status alone proves nothing.
  const ok = res.status === 200 && parsed !== null && parsed.code === 0;
  return { res, body: parsed, ok };
}

// Small deterministic PRNG (xorshift32), so the data set and queries are the same every run.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296 - 0.5;
  };
}

function unitVector(next, dim) {
  const v = [];
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const c = next();
    v.push(c);
    norm += c * c;
  }
  norm = Math.sqrt(norm);
  return v.map((c) => c / norm);
}

function exactTopK(rows, q, k) {
  const scored = rows.map((r) => {
    let dot = 0;
    for (let i = 0; i < q.length; i++) dot += r.vector[i] * q[i];
    return { id: r.id, score: dot };
  });
  scored.sort((a, b) => b.score - a.score); // unit vectors: cosine == dot, larger is nearer
  return scored.slice(0, k).map((s) => s.id);
}

export function setup() {
  const collection = `gate_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const created = call("/v2/vectordb/collections/create", {
    collectionName: collection,
    dimension: W.dim,
    metricType: "COSINE",
    idType: "Int64",
    autoId: false,
    primaryFieldName: "id",
    vectorFieldName: "vector",
  });
  if (!created.ok) throw new Error(`vector setup: create collection failed: ${created.res.status} ${created.res.body}`);

  const next = rng(W.seed);
  const rows = [];
  for (let i = 0; i < W.rows; i++) rows.push({ id: i + 1, vector: unitVector(next, W.dim) });
  for (let i = 0; i < rows.length; i += W.batch) {
    const ins = call("/v2/vectordb/entities/insert", { collectionName: collection, data: rows.slice(i, i + W.batch) });
    if (!ins.ok) throw new Error(`vector setup: insert failed at row ${i}: ${ins.res.status} ${ins.res.body}`);
  }
  const queries = [];
  for (let i = 0; i < W.queries; i++) {
    const q = unitVector(next, W.dim);
    queries.push({ vector: q, truth: exactTopK(rows, q, W.topK) });
  }
  return { collection, queries };
}

export default function (data) {
  const q = data.queries[exec.scenario.iterationInTest % data.queries.length];
  const r = call("/v2/vectordb/entities/search", {
    collectionName: data.collection,
    data: [q.vector],
    annsField: "vector",
    limit: W.topK,
    outputFields: ["id"],
    consistencyLevel: W.consistencyLevel,
  });
  const hits = r.ok && Array.isArray(r.body.data) ? r.body.data : null;
  const ok = check(r.res, {
    "search: code 0": () => r.ok,
    "search: returns topK hits": () => hits !== null && hits.length === W.topK,
  });
  errors.add(!ok);
  if (!ok) return;
  search.add(r.res.timings.duration);
  const truth = {};
  for (const id of q.truth) truth[String(id)] = true;
  const found = hits.filter((h) => truth[String(h.id)]).length;
  recall.add(found / W.topK);
}

export function teardown(data) {
  call("/v2/vectordb/collections/drop", { collectionName: data.collection });
}
