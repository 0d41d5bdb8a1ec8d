// The data API's benchmark load (npm run bench): RATE requests per second for DURATION, one request
// per iteration, a third each register, get and list, all against the real database.
import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { Rate, Trend } from "k6/metrics";

const BASE = __ENV.DATA_API_BASE_URL;
const HEADERS = { "Content-Type": "application/json", Authorization: `Bearer ${__ENV.ODS_API_TOKEN}` };
const latency = { register: new Trend("register_ms", true), get: new Trend("get_ms", true), list: new Trend("list_ms", true) };
const all = new Trend("request_ms", true);
const errors = new Rate("request_errors");
let shown = 0;

export const options = {
  scenarios: {
    load: { executor: "constant-arrival-rate", rate: Number(__ENV.RATE), timeUnit: "1s", duration: __ENV.DURATION, preAllocatedVUs: 50, maxVUs: 400 },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  setupTimeout: "60s",
};

// Datasets to read back: registered before the clock starts.
export function setup() {
  const ids = [];
  for (let i = 0; i < Number(__ENV.SEED); i++) {
    const r = http.post(`${BASE}/api/v1/datasets`, JSON.stringify({ name: `bench-seed-${Date.now()}-${i}`, path: `${__ENV.BUCKET}/bench/seed-${i}/` }), { headers: HEADERS });
    if (r.status !== 201) throw new Error(`setup: register answered ${r.status}: ${r.body}`);
    ids.push(JSON.parse(r.body).id);
  }
  return { ids };
}

export default function (data) {
  const i = exec.scenario.iterationInTest;
  let res;
  let op;
  if (i % 3 === 0) {
    op = "register";
    res = http.post(`${BASE}/api/v1/datasets`, JSON.stringify({ name: `bench-${exec.vu.idInTest}-${i}-${Date.now()}`, path: `${__ENV.BUCKET}/bench/${i}/`, tags: ["bench"] }), { headers: HEADERS, tags: { name: "register" } });
  } else if (i % 3 === 1) {
    op = "get";
    res = http.get(`${BASE}/api/v1/datasets/${data.ids[i % data.ids.length]}`, { headers: HEADERS, tags: { name: "get" } });
  } else {
    op = "list";
    res = http.get(`${BASE}/api/v1/datasets?limit=20&tag=bench`, { headers: HEADERS, tags: { name: "list" } });
  }
  const ok = check(res, { "2xx": (r) => r.status >= 200 && r.status < 300 });
  errors.add(!ok);
  // A few failures are printed: what answered, and how.
  if (!ok && shown++ < 5) console.warn(`${op}: status ${res.status} ${res.error || ""} ${String(res.body || "").slice(0, 200)}`);
  latency[op].add(res.timings.duration);
  all.add(res.timings.duration);
}
