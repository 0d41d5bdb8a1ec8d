// The LLM service-level objective of a stack: `ods:model.slo` in stacks/Pulumi.<stack>.yaml. One place
// for the numbers the performance gate (loadtests/runner/slo.ts) and the model alerts read.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { repoPath } from "../../lib/repo";
import { isSecure, notARegularFile, parseStackYaml } from "../../lib/stackYaml";

/** Percentiles an SLO bound may apply to (k6 and Prometheus both compute these). */
export const SLO_PERCENTILES = [50, 90, 95, 99] as const;

const positiveMs = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int({ error: `${what} must be a whole number of milliseconds` })
    .positive({ error: `${what} must be > 0 (milliseconds)` })
    .max(max, { error: `${what} must be <= ${max} (milliseconds); a bound above that asserts nothing` });

/** `ods:model.slo`, every key required. */
export const sloSchema = z.strictObject({
  percentile: z.literal(SLO_PERCENTILES, { error: `percentile must be one of ${SLO_PERCENTILES.join(", ")}` }).describe("Which percentile of the requests the TTFT and TPOT bounds apply to."),
  ttftMs: positiveMs("ttftMs", 600_000).describe("Time to first token bound, in milliseconds."),
  tpotMs: positiveMs("tpotMs", 60_000).describe("Time per output token bound, in milliseconds."),
  goodput: z
    .number({ error: "goodput must be a number in (0, 1]" })
    .gt(0, { error: "goodput must be > 0 and <= 1 (a share of requests, e.g. 0.9)" })
    .lte(1, { error: "goodput must be > 0 and <= 1 (a share of requests, e.g. 0.9)" })
    .describe("Share of requests that must meet both bounds on their own."),
});

export type Slo = z.infer<typeof sloSchema>;

/** Where the SLO sits in a stack file, for messages. */
export const SLO_KEY = "ods:model.slo";

/** A value for a message; a `secure:` one is never shown (the SLO's numbers are not secrets, and a secret put here by mistake must not be echoed). */
function show(v: unknown): string {
  if (v === undefined) return "missing";
  if (isSecure(v)) return "(a secure: value, not shown)";
  if (v !== null && typeof v === "object") return "(a mapping or list, not shown)";
  return JSON.stringify(v);
}

/** Validates a parsed SLO; errors name `where`, each bad key, its value and what is allowed. */
export function parseSlo(raw: unknown, where: string): Slo {
  const r = sloSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const key = i.path.join(".");
    if (i.code === "unrecognized_keys") return `${where}: unknown key(s) ${i.keys.join(", ")}; allowed: percentile, ttftMs, tpotMs, goodput`;
    if (key === "") return `${where} = ${isSecure(raw) ? show(raw) : typeof raw === "object" && raw !== null ? "(not a mapping)" : show(raw)}: must be a mapping { percentile, ttftMs, tpotMs, goodput }${isSecure(raw) ? ", in plain text" : ""}`;
    const value = (raw as Record<string, unknown>)[key];
    if (isSecure(value)) return `${where}.${key} = ${show(value)}: may not be secret (the SLO is public numbers); give it in plain text`;
    return `${where}.${key} = ${show(value)}: ${i.message}`;
  });
  throw new Error(problems.join("\n"));
}

/**
 * The validated `ods:model.slo` of stacks/Pulumi.<stack>.yaml (in `stacksDir`, the repository's
 * stacks/ by default). Pure apart from reading the file; errors name the file, the key, the value
 * and what is allowed.
 */
export function readStackSlo(stack: string, stacksDir: string = repoPath("stacks")): Slo {
  const file = path.join(stacksDir, `Pulumi.${stack}.yaml`);
  const shown = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) throw new Error(`${shown}: no such stack file, so stack "${stack}" has no ${SLO_KEY}`);
  const notFile = notARegularFile(file);
  if (notFile) throw new Error(`${shown}: ${notFile}`);
  const parsed = parseStackYaml(readFileSync(file, "utf8"), shown);
  if (parsed.problems) throw new Error(parsed.problems.join("\n"));
  const doc = parsed.value;
  const config = (doc as { config?: unknown } | null)?.config;
  const model = config !== null && typeof config === "object" ? (config as Record<string, unknown>)["ods:model"] : undefined;
  const slo = model !== null && typeof model === "object" ? (model as Record<string, unknown>).slo : undefined;
  if (slo === undefined) {
    throw new Error(`${shown}: ${SLO_KEY} is missing; set config."ods:model".slo: { percentile: 99, ttftMs: <ms>, tpotMs: <ms>, goodput: <share in (0, 1]> }`);
  }
  return parseSlo(slo, `${shown}: ${SLO_KEY}`);
}
