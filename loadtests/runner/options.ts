// Builds what k6 runs from a profile: scenarios (warm-up + measure) and thresholds scoped to the
// measured phase, including the guards that make an empty metric fail. Pure, unit-tested.
import { Endpoints } from "./endpoints";
import { parseDuration, Phase, Service, ServiceProfile } from "./profile";

export interface ServiceSpec {
  script: string;
  /** Latency/quality Trends the script emits, each with a "<trend>_samples" guard counter. */
  trends: string[];
  /** The script's error Rate; a threshold on it is added when the profile has none. */
  errorRate: string;
  /** Stack outputs the service needs; absent ones make the service "skipped". */
  needs: (keyof Endpoints)[];
}

export const SPECS: Record<Service, ServiceSpec> = {
  smoke: { script: "smoke.js", trends: [], errorRate: "smoke_errors", needs: [] },
  llm: { script: "llm.js", trends: ["llm_ttft_ms", "llm_tpot_ms", "llm_e2e_ms"], errorRate: "llm_errors", needs: ["llm"] },
  "data-api": { script: "data-api.js", trends: ["data_api_ms"], errorRate: "data_api_errors", needs: ["dataApi"] },
  "agent-api": { script: "agent-api.js", trends: ["agent_rag_ms", "agent_sql_ms"], errorRate: "agent_errors", needs: ["agentApi"] },
  vector: { script: "vector.js", trends: ["vector_search_ms", "vector_recall_at_10"], errorRate: "vector_errors", needs: ["milvus"] },
  auth: { script: "auth.js", trends: ["auth_token_ms"], errorRate: "auth_errors", needs: ["keycloak"] },
};

/** The original system's failure budget (< 5 %), used when a profile sets no error threshold. */
export const DEFAULT_ERROR_THRESHOLD = "rate<0.05";
export const MEASURE = "measure";
export const WARMUP = "warmup";

export type Scenario = Record<string, string | number | { target: number; duration: string }[]>;

export interface K6Options {
  scenarios: Record<string, Scenario>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
}

/** Adds scenario:measure to a threshold key, keeping tags it already has ("m{op:get}" -> "m{op:get,scenario:measure}"). */
export function scopeToMeasure(key: string): string {
  const m = /^([^{]+)(?:\{(.*)\})?$/.exec(key.trim());
  if (!m) throw new Error(`threshold key "${key}" is not "metric" or "metric{tag:value,...}"`);
  const tags = (m[2] ?? "").split(",").map((t) => t.trim()).filter((t) => t.length > 0);
  if (tags.some((t) => t.startsWith("scenario:"))) return `${m[1]}{${tags.join(",")}}`;
  return `${m[1]}{${[...tags, `scenario:${MEASURE}`].join(",")}}`;
}

/** Phase length in seconds (sum of stages for ramping). */
export function phaseSeconds(p: Phase): number {
  if (p.executor === "ramping-arrival-rate") return (p.stages ?? []).reduce((s, st) => s + parseDuration(st.duration), 0);
  return parseDuration(p.duration ?? "0s");
}

/** Iterations an arrival-rate phase starts if the system keeps up (area under the rate curve). */
export function expectedIterations(p: Phase): number {
  const unit = parseDuration(p.timeUnit ?? "1s");
  if (p.executor === "ramping-arrival-rate") {
    let rate = p.startRate ?? 0;
    let total = 0;
    for (const st of p.stages ?? []) {
      total += ((rate + st.target) / 2) * (parseDuration(st.duration) / unit); // linear ramp: trapezoid
      rate = st.target;
    }
    return total;
  }
  return (p.rate ?? 0) * (parseDuration(p.duration ?? "0s") / unit);
}

/**
 * k6 wants integer rates; a fractional one (0.5/s) is scaled with its time unit (500 per 1000s),
 * which keeps the same even spacing of iteration starts.
 */
export function integerRate(rates: number[], timeUnit: string): { scale: number; timeUnit: string } {
  if (rates.every((r) => Number.isInteger(r))) return { scale: 1, timeUnit };
  const scale = 1000;
  return { scale, timeUnit: `${Math.round(parseDuration(timeUnit) * scale * 1000)}ms` };
}

function scenario(p: Phase, startTime: string): Scenario {
  const rates = p.executor === "ramping-arrival-rate" ? [p.startRate ?? 0, ...(p.stages ?? []).map((s) => s.target)] : [p.rate ?? 1];
  const { scale, timeUnit } = integerRate(rates, p.timeUnit ?? "1s");
  const common: Scenario = {
    timeUnit,
    preAllocatedVUs: p.preAllocatedVUs ?? 10,
    maxVUs: p.maxVUs ?? Math.max(p.preAllocatedVUs ?? 10, 50),
    startTime,
    gracefulStop: p.gracefulStop ?? "30s",
  };
  if (p.executor === "ramping-arrival-rate") {
    const stages = (p.stages ?? []).map((st) => ({ target: Math.round(st.target * scale), duration: st.duration }));
    return { executor: "ramping-arrival-rate", startRate: Math.round((p.startRate ?? 0) * scale), stages, ...common };
  }
  return { executor: "constant-arrival-rate", rate: Math.round((p.rate ?? 1) * scale), duration: p.duration ?? "30s", ...common };
}

function fmtSeconds(s: number): string {
  return `${Math.round(s * 1000)}ms`;
}

export interface BuildContext {
  /** smoke only: how many steps the configured endpoints give (each must pass). */
  smokeSteps?: number;
}

export function buildK6Options(service: Service, sp: ServiceProfile, ctx: BuildContext = {}): K6Options {
  const spec = SPECS[service];
  const thresholds: Record<string, string[]> = {};
  for (const [key, exprs] of Object.entries(sp.thresholds)) thresholds[scopeToMeasure(key)] = [...exprs];
  const add = (key: string, expr: string) => {
    const k = scopeToMeasure(key);
    thresholds[k] = [...(thresholds[k] ?? []).filter((e) => e !== expr), expr];
  };
  const summaryTrendStats = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

  if (service === "smoke") {
    add("smoke_errors", "rate==0");
    add("smoke_steps_ok", `count>=${Math.max(1, ctx.smokeSteps ?? 1)}`);
    add("checks", "rate==1");
    return {
      scenarios: { [MEASURE]: { executor: "shared-iterations", vus: 1, iterations: 1, maxDuration: sp.measure.duration ?? "2m" } },
      thresholds,
      summaryTrendStats,
    };
  }

  const scenarios: Record<string, Scenario> = {};
  let start = 0;
  if (sp.warmup) {
    // Warm-up has its own scenario name, so no threshold (all scoped to "measure") sees its samples.
    scenarios[WARMUP] = scenario(sp.warmup, "0s");
    start = phaseSeconds(sp.warmup);
  }
  scenarios[MEASURE] = scenario(sp.measure, fmtSeconds(start));

  const minSamples = Math.max(1, Math.floor(expectedIterations(sp.measure) * (sp.minSampleRatio ?? 0.8)));
  for (const trend of spec.trends) add(`${trend}_samples`, `count>=${minSamples}`);
  if (service === "llm") {
    add("llm_requests", `count>=${minSamples}`);
    add("llm_output_tokens", `count>=${minSamples}`);
  }
  if (!Object.keys(sp.thresholds).some((k) => k.startsWith(spec.errorRate))) add(spec.errorRate, DEFAULT_ERROR_THRESHOLD);
  add("dropped_iterations", `count<=${sp.maxDroppedIterations ?? 0}`);
  return { scenarios, thresholds, summaryTrendStats };
}

/** Which of the service's endpoints are missing (empty = runnable). */
export function missingEndpoints(service: Service, e: Endpoints): string[] {
  if (service === "smoke") return e.llm || e.dataApi || e.agentApi ? [] : ["llm | dataApi | agentApi"];
  return SPECS[service].needs.filter((k) => !e[k]);
}

export function smokeSteps(e: Endpoints): number {
  return (e.dataApi ? 1 : 0) + (e.llm ? 2 : 0) + (e.agentApi ? 1 : 0);
}

/** Non-secret environment for a script; secrets reach k6 through the inherited process env only. */
export function scriptEnv(e: Endpoints, workload: ServiceProfile["workload"]): Record<string, string> {
  const env: Record<string, string> = {};
  if (e.llm) {
    env.LLM_BASE_URL = e.llm.baseUrl;
    env.LLM_MODEL = e.llm.model;
  }
  if (e.dataApi) env.DATA_API_BASE_URL = e.dataApi.baseUrl;
  if (e.agentApi) env.AGENT_API_BASE_URL = e.agentApi.baseUrl;
  if (e.milvus) env.MILVUS_BASE_URL = e.milvus.baseUrl;
  if (e.keycloak) {
    env.KEYCLOAK_TOKEN_URL = e.keycloak.tokenUrl;
    env.KEYCLOAK_CLIENT_ID = e.keycloak.clientId;
  }
  if (workload && Object.keys(workload).length > 0) env.GATE_WORKLOAD = JSON.stringify(workload);
  return env;
}
