// Gate profiles (loadtests/profiles/<stack>.json): rates, durations, workload and thresholds per service.
import { readFileSync } from "node:fs";
import { isRecord } from "../../lib/records";
import { SLO_HOME, sloKeysIn } from "./slo";

export const SERVICES = ["smoke", "llm", "data-api", "agent-api", "vector", "auth"] as const;
export type Service = (typeof SERVICES)[number];

export function isService(s: string): s is Service {
  return (SERVICES as readonly string[]).includes(s);
}

export interface Stage {
  target: number;
  duration: string;
}

/** One load phase; arrival-rate executors only, so a slow system cannot lower the offered load. */
export interface Phase {
  executor?: "constant-arrival-rate" | "ramping-arrival-rate";
  /** Iterations per timeUnit (constant-arrival-rate). */
  rate?: number;
  /** ramping-arrival-rate only. */
  startRate?: number;
  stages?: Stage[];
  timeUnit?: string;
  duration?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  /** How long in-flight iterations may finish after the phase ends (long LLM streams need more than 30s). */
  gracefulStop?: string;
}

export interface ServiceProfile {
  warmup?: Phase;
  measure: Phase;
  /**
   * Metric name (optionally with tags) -> k6 threshold expressions; scoped to the measure scenario.
   * For llm, the SLO's thresholds (TTFT, TPOT, E2E, goodput) are added by the gate, never set here.
   */
  thresholds: Record<string, string[]>;
  /**
   * Knobs passed to the script as GATE_WORKLOAD (max_tokens, vector sizes). The llm SLO bounds are
   * added by the gate from the stack's ods:model.slo (runner/slo.ts), never set here.
   */
  workload?: Record<string, string | number | boolean>;
  /** Share of the expected measured iterations each latency metric must have samples for (default 0.8). */
  minSampleRatio?: number;
  /** dropped_iterations allowed in the measure scenario (default 0: the load generator kept up). */
  maxDroppedIterations?: number;
}

export interface GateProfile {
  description?: string;
  /**
   * Services that must be tested for the gate to pass. One that was not (its endpoint is absent,
   * or --only left it out) fails the gate; the others are tested when their endpoints exist and
   * reported skipped otherwise. Mandatory, so a profile says what it certifies; [] requires none.
   */
  required: Service[];
  services: Partial<Record<Service, ServiceProfile>>;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** k6 duration string ("500ms", "30s", "2m", "1h") to seconds. */
export function parseDuration(s: string, where = "duration"): number {
  const m = DURATION.exec(s.trim());
  if (!m) throw new Error(`${where}: "${s}" is not a duration; use a number with ms, s, m or h, e.g. "30s"`);
  const n = Number(m[1]);
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return n * unit[m[2]];
}


function checkPhase(p: unknown, where: string, service: Service): Phase {
  if (!isRecord(p)) throw new Error(`${where} must be an object`);
  const phase = p as Phase;
  if (service === "smoke") return phase; // one iteration, no rates
  const executor = phase.executor ?? "constant-arrival-rate";
  if (executor !== "constant-arrival-rate" && executor !== "ramping-arrival-rate") {
    throw new Error(`${where}.executor: "${String(executor)}" is not allowed; use constant-arrival-rate or ramping-arrival-rate`);
  }
  if (executor === "constant-arrival-rate") {
    if (typeof phase.rate !== "number" || !(phase.rate > 0)) throw new Error(`${where}.rate must be a positive number, got ${JSON.stringify(phase.rate)}`);
    if (typeof phase.duration !== "string") throw new Error(`${where}.duration is required (e.g. "60s")`);
    parseDuration(phase.duration, `${where}.duration`);
  } else {
    if (!Array.isArray(phase.stages) || phase.stages.length === 0) throw new Error(`${where}.stages must be a non-empty array for ramping-arrival-rate`);
    phase.stages.forEach((s, i) => {
      if (typeof s.target !== "number" || s.target < 0) throw new Error(`${where}.stages[${i}].target must be a number >= 0`);
      parseDuration(s.duration, `${where}.stages[${i}].duration`);
    });
  }
  if (phase.timeUnit !== undefined) parseDuration(phase.timeUnit, `${where}.timeUnit`);
  if (phase.gracefulStop !== undefined) parseDuration(phase.gracefulStop, `${where}.gracefulStop`);
  return phase;
}

/** Validates a parsed profile; errors name the service and key. */
export function parseProfile(raw: unknown, source: string): GateProfile {
  if (!isRecord(raw) || !isRecord(raw.services)) throw new Error(`${source}: expected { "services": { ... } }`);
  const services: Partial<Record<Service, ServiceProfile>> = {};
  for (const [name, value] of Object.entries(raw.services)) {
    if (!isService(name)) throw new Error(`${source}: unknown service "${name}"; allowed: ${SERVICES.join(", ")}`);
    const where = `${source}: services.${name}`;
    if (!isRecord(value)) throw new Error(`${where} must be an object`);
    const sp = value as unknown as ServiceProfile;
    if (sp.warmup !== undefined) checkPhase(sp.warmup, `${where}.warmup`, name);
    checkPhase(sp.measure ?? {}, `${where}.measure`, name);
    if (!isRecord(sp.thresholds)) throw new Error(`${where}.thresholds must be an object of metric -> [expressions]`);
    for (const [metric, exprs] of Object.entries(sp.thresholds)) {
      if (!Array.isArray(exprs) || exprs.some((e) => typeof e !== "string" || e.trim() === "")) {
        throw new Error(`${where}.thresholds["${metric}"] must be an array of k6 expressions like "p(95)<500"`);
      }
    }
    // The LLM SLO has one home, the stack's config; a profile holding a copy of it is refused.
    if (name === "llm") {
      const own = sloKeysIn(sp);
      if (own.length) throw new Error(`${where}.${own[0]}: a gate profile must not set it; ${SLO_HOME}`);
    }
    // The LLM request checks cannot be switched off from a profile (llm.js enforces the same bounds).
    const w = sp.workload ?? {};
    if (name === "llm" && !(typeof w.maxTokens === "number" && Number.isInteger(w.maxTokens) && w.maxTokens >= 1)) {
      throw new Error(`${where}.workload.maxTokens must be a whole number >= 1 (the SLO's E2E bound is derived from it), got ${JSON.stringify(w.maxTokens)}`);
    }
    if (name === "llm" && w.tokenTolerance !== undefined && !(typeof w.tokenTolerance === "number" && w.tokenTolerance >= 0 && w.tokenTolerance <= 0.5)) {
      throw new Error(`${where}.workload.tokenTolerance must be a number in [0, 0.5] (1 would accept a one-chunk stream claiming any count), got ${JSON.stringify(w.tokenTolerance)}`);
    }
    if (name === "llm" && w.minTpotMs !== undefined && !(typeof w.minTpotMs === "number" && w.minTpotMs > 0)) {
      throw new Error(`${where}.workload.minTpotMs must be a number > 0 (0 would accept a buffered or replayed stream), got ${JSON.stringify(w.minTpotMs)}`);
    }
    if (sp.minSampleRatio !== undefined && !(sp.minSampleRatio > 0 && sp.minSampleRatio <= 1)) {
      throw new Error(`${where}.minSampleRatio must be in (0, 1], got ${sp.minSampleRatio}`);
    }
    services[name] = { ...sp, measure: sp.measure ?? {} };
  }
  return { description: typeof raw.description === "string" ? raw.description : undefined, required: parseRequired(raw.required, services, source), services };
}

/** `required`: a list of known, distinct services, each with an entry under `services`. */
function parseRequired(raw: unknown, services: GateProfile["services"], source: string): Service[] {
  if (raw === undefined) {
    throw new Error(`${source}: "required" is missing: list the services that must be tested for the gate to pass (e.g. ["smoke", "llm"]), or [] to require none`);
  }
  if (!Array.isArray(raw)) throw new Error(`${source}: "required" must be an array of service names, got ${JSON.stringify(raw)}`);
  const out: Service[] = [];
  raw.forEach((name: unknown, i) => {
    const where = `${source}: required[${i}]`;
    if (typeof name !== "string" || !isService(name)) throw new Error(`${where}: ${JSON.stringify(name)} is not a service; allowed: ${SERVICES.join(", ")}`);
    if (out.includes(name)) throw new Error(`${where}: "${name}" is listed twice`);
    if (!services[name]) throw new Error(`${where}: "${name}" has no entry under "services", so it could never be tested`);
    out.push(name);
  });
  return out;
}

export function readProfile(path: string): GateProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`gate profile ${path}: cannot read JSON: ${(err as Error).message}`);
  }
  return parseProfile(raw, path);
}
