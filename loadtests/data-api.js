// Data API gate: register a dataset, read it back, list datasets. Checks look at bodies, so a 401
// or an HTML error page counts as a failure even when a proxy answers quickly.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Rate } from "k6/metrics";
import { gateOptions, guardedTrend, handRunOptions, requireEnv, workload } from "./lib/gate.js";
import { apiHeaders, isNonEmptyString, jsonBody, unwrap } from "./lib/http.js";

const BASE_URL = requireEnv("DATA_API_BASE_URL", "the data API base URL, e.g. http://127.0.0.1:8080");
const W = workload({ bucket: "s3://ods-gate", listLimit: 20 });

const latency = guardedTrend("data_api_ms");
const errors = new Rate("data_api_errors");

export const options = gateOptions(
  handRunOptions(5, {
    "data_api_ms{scenario:measure}": ["p(95)<500"],
    "data_api_ms_samples{scenario:measure}": ["count>=50"],
    "data_api_errors{scenario:measure}": ["rate<0.05"],
  }),
);

function step(op, res, ok) {
  errors.add(!ok, { op });
  if (ok) latency.add(res.timings.duration, { op });
  return ok;
}

export default function () {
  // Unique per iteration and prefixed, so leftovers from a gate run are easy to find and delete.
  const name = `gate-${exec.scenario.name}-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${Date.now()}`;
  const s3Path = `${W.bucket}/${name}/`;
  const created = http.post(`${BASE_URL}/api/v1/datasets`, JSON.stringify({ name, s3_path: s3Path }), {
    headers: apiHeaders(),
    tags: { name: "POST /api/v1/datasets" },
  });
  const ds = unwrap(jsonBody(created));
  const id = ds && (ds.id || ds.dataset_id);
  const createOk = check(created, {
    "create: 2xx": (r) => r.status === 200 || r.status === 201,
    "create: has id": () => isNonEmptyString(String(id || "")),
    "create: echoes name": () => ds !== null && ds.name === name,
  });
  if (!step("create", created, createOk)) return;

  const got = http.get(`${BASE_URL}/api/v1/datasets/${encodeURIComponent(id)}`, {
    headers: apiHeaders(),
    tags: { name: "GET /api/v1/datasets/{id}" },
  });
  const back = unwrap(jsonBody(got));
  step("get", got, check(got, {
    "get: 200": (r) => r.status === 200,
    "get: same dataset": () => back !== null && String(back.id || back.dataset_id) === String(id) && back.name === name,
    "get: same s3 path": () => back !== null && (back.s3_path || back.s3Path || back.path) === s3Path,
  }));

  const list = http.get(`${BASE_URL}/api/v1/datasets?limit=${W.listLimit}`, { headers: apiHeaders(), tags: { name: "GET /api/v1/datasets" } });
  const body = unwrap(jsonBody(list));
  const items = Array.isArray(body) ? body : body && (body.items || body.datasets || body.list);
  step("list", list, check(list, {
    "list: 200": (r) => r.status === 200,
    "list: has items array": () => Array.isArray(items),
  }));
}
