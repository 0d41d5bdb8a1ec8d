// Turns raw stack config (the `ods:*` keys) into a validated OdsConfig, or one error naming every bad key.
import { z } from "zod";
import { CONFIG_NAMESPACE, configSchema, OdsConfig, TOP_LEVEL_KEYS } from "./schema";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type PathElement = PropertyKey;

/** `ods:aws.systemNodes.minSize`, `ods:gpuPools[0].name`. */
export function keyName(path: readonly PathElement[]): string {
  let out = `${CONFIG_NAMESPACE}:`;
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (i === 0 ? "" : ".") + String(p);
  });
  return out;
}

function valueAt(root: unknown, path: readonly PathElement[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p as string];
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined) return "(missing)";
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path;
  const value = valueAt(input, path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys
        .map((k) => {
          const allowed = allowedKeysAt(path);
          return `${keyName([...path, k])} = ${show(valueAt(input, [...path, k]))}: unknown key; allowed keys here: ${allowed}`;
        })
        .join("\n  - ");
    case "invalid_value":
      return `${keyName(path)} = ${show(value)}: allowed: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      if (value === undefined) return `${keyName(path)} is required (${issue.expected})`;
      return `${keyName(path)} = ${show(value)}: expected ${issue.expected}`;
    default:
      return `${keyName(path)} = ${show(value)}: ${issue.message}`;
  }
}

/** The keys the schema allows at a path, for "unknown key" messages. */
function allowedKeysAt(path: readonly PathElement[]): string {
  let schema: z.ZodType = configSchema;
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[p as string] as z.ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else return "(none)";
    if (!schema) return "(none)";
  }
  schema = unwrap(schema);
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape).join(", ");
  if (schema instanceof z.ZodRecord) return "see the config reference";
  return "(none)";
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/**
 * Parses the raw config map (keys `ods:<key>`, values as Pulumi stores them: strings, with objects,
 * arrays, numbers and booleans JSON-encoded) and validates it. Keys outside the `ods` namespace
 * belong to providers (aws:region, kubernetes:context) and are ignored here.
 */
export function parseRawConfig(raw: Record<string, string>): OdsConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, rawValue] of Object.entries(raw)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const kind = (TOP_LEVEL_KEYS as Record<string, string>)[key];
    if (kind === undefined) {
      problems.push(`${fullKey} = ${show(rawValue)}: unknown key; allowed keys: ${Object.keys(TOP_LEVEL_KEYS).map((k) => prefix + k).join(", ")}`);
      continue;
    }
    if (kind === "string") {
      input[key] = rawValue;
      continue;
    }
    try {
      input[key] = JSON.parse(rawValue) as unknown;
    } catch {
      problems.push(`${fullKey} = ${show(rawValue)}: not a valid value (expected a YAML object, list, number or boolean)`);
    }
  }
  return validateConfig(input, problems);
}

/** Validates already-parsed config; `earlier` carries problems found while parsing. */
export function validateConfig(input: Record<string, unknown>, earlier: string[] = []): OdsConfig {
  const result = configSchema.safeParse(input);
  const problems = [...earlier];
  if (!result.success) problems.push(...result.error.issues.map((i) => describeIssue(i, input)));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data as OdsConfig;
}
