// The llm service's SLO thresholds, computed from the stack's `ods:model.slo` (config/schema/slo.ts):
// profiles hold load shapes and workload, never the SLO numbers. Pure, unit-tested.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { parseSlo, readStackSlo, Slo, SLO_KEY } from "../../config/schema/slo";
import { repoPath } from "../../lib/repo";
import type { ServiceProfile } from "./profile";

/** llm thresholds that come from the SLO; a profile that sets one is refused. */
export const SLO_METRICS = ["llm_ttft_ms", "llm_tpot_ms", "llm_e2e_ms", "llm_slo_ok"] as const;
/** llm workload keys (per-request goodput bounds for llm.js) that come from the SLO. */
export const SLO_WORKLOAD_KEYS = ["sloTtftMs", "sloTpotMs"] as const;

/** Says where the numbers live, for every refusal. */
export const SLO_HOME = `the LLM SLO lives in stacks/Pulumi.<stack>.yaml under ${SLO_KEY} (or --slo for a stack without a stack file)`;

/** The metric of a threshold key ("llm_ttft_ms{scenario:measure}" -> "llm_ttft_ms"). */
export function thresholdMetric(key: string): string {
  return key.split("{")[0].trim();
}

/** Keys of an llm service profile that carry SLO numbers (empty when the profile is clean). */
export function sloKeysIn(sp: Pick<ServiceProfile, "thresholds" | "workload">): string[] {
  const workload = SLO_WORKLOAD_KEYS.filter((k) => sp.workload?.[k] !== undefined).map((k) => `workload.${k}`);
  const thresholds = Object.keys(sp.thresholds ?? {})
    .filter((k) => (SLO_METRICS as readonly string[]).includes(thresholdMetric(k)))
    .map((k) => `thresholds["${k}"]`);
  return [...workload, ...thresholds];
}

/**
 * Bound on one request's end-to-end latency when it just meets both SLO bounds: the first token by
 * ttftMs, then (maxTokens - 1) more tokens at tpotMs each (TPOT is measured between the first and
 * the last token, over tokens - 1 gaps). The llm workload uses ignoreEos, so every answer is
 * maxTokens long.
 */
export function e2eBoundMs(slo: Slo, maxTokens: number): number {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`maxTokens must be a whole number >= 1, got ${JSON.stringify(maxTokens)}`);
  return slo.ttftMs + slo.tpotMs * (maxTokens - 1);
}

/**
 * The SLO's k6 thresholds: TTFT, TPOT and the derived E2E bound at the SLO's percentile, and the
 * goodput (share of requests meeting both bounds, llm.js's llm_slo_ok) as a minimum rate.
 */
export function sloThresholds(slo: Slo, maxTokens: number): Record<(typeof SLO_METRICS)[number], string[]> {
  const p = `p(${slo.percentile})`;
  return {
    llm_ttft_ms: [`${p}<${slo.ttftMs}`],
    llm_tpot_ms: [`${p}<${slo.tpotMs}`],
    llm_e2e_ms: [`${p}<${e2eBoundMs(slo, maxTokens)}`],
    llm_slo_ok: [`rate>=${slo.goodput}`],
  };
}

/**
 * The llm service profile with the SLO applied: the per-request bounds in the workload (llm.js
 * counts goodput with them) and the SLO thresholds. Refuses a profile that sets any of them itself,
 * and one without workload.maxTokens (the E2E bound needs it).
 */
export function withSlo(sp: ServiceProfile, slo: Slo, where = "services.llm"): ServiceProfile {
  const own = sloKeysIn(sp);
  if (own.length) throw new Error(`${where}.${own[0]}: a gate profile must not set it; ${SLO_HOME}`);
  const maxTokens = sp.workload?.maxTokens;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new Error(`${where}.workload.maxTokens must be a whole number >= 1 (the E2E bound is derived from it), got ${JSON.stringify(maxTokens)}`);
  }
  return {
    ...sp,
    workload: { ...sp.workload, sloTtftMs: slo.ttftMs, sloTpotMs: slo.tpotMs },
    thresholds: { ...sp.thresholds, ...sloThresholds(slo, maxTokens) },
  };
}

/** `--slo percentile=99,ttftMs=2000,tpotMs=100,goodput=0.9`: all four keys, validated like the stack's. */
export function parseSloFlag(value: string): Slo {
  const raw: Record<string, unknown> = {};
  for (const part of value.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(part);
    if (!m) throw new Error(`--slo: "${part}" is not key=value; expected percentile=99,ttftMs=2000,tpotMs=100,goodput=0.9`);
    if (m[1] in raw) throw new Error(`--slo: ${m[1]} is given twice`);
    const n = Number(m[2]);
    raw[m[1]] = m[2].trim() !== "" && Number.isFinite(n) ? n : m[2];
  }
  return parseSlo(raw, "--slo");
}

export interface SloSource {
  stack: string;
  /** The --slo flag's value, if given. */
  flag?: string;
  /** Folder of the stack files (default: the repository's stacks/). */
  stacksDir?: string;
}

/**
 * The SLO the gate applies: the stack's `ods:model.slo` when stacks/Pulumi.<stack>.yaml exists (then
 * --slo is refused: the stack file is the one place for its numbers), otherwise --slo (a local target
 * run with --profile/--endpoints under a stack name that has no stack file).
 */
export function resolveSlo(src: SloSource): Slo {
  const dir = src.stacksDir ?? repoPath("stacks");
  const file = path.join(dir, `Pulumi.${src.stack}.yaml`);
  if (existsSync(file)) {
    if (src.flag !== undefined) {
      throw new Error(`--slo: stack "${src.stack}" has a stack file (${path.relative(process.cwd(), file) || file}), whose ${SLO_KEY} is the SLO; change it there, or run under a stack name without a stack file`);
    }
    return readStackSlo(src.stack, dir);
  }
  if (src.flag !== undefined) return parseSloFlag(src.flag);
  throw new Error(`stack "${src.stack}" has no stack file (${path.relative(process.cwd(), file) || file}), so the llm service has no SLO; pass --slo percentile=99,ttftMs=<ms>,tpotMs=<ms>,goodput=<share>`);
}
