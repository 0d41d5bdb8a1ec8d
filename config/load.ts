// Turns raw stack config (the `ods:*` keys) into a validated OdsConfig, or one error naming every bad key.
// No message ever shows the value of a key that holds a secret.
import { z } from "zod";
import { CONFIG_NAMESPACE, configSchema, isSecretCapable, OdsConfig, presentSlots, SECRET_SLOTS, secretSlotAt, TOP_LEVEL_KEYS } from "./schema";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

type PathElement = PropertyKey;

/** What a message shows instead of a value that is, or may be part of, a secret. */
export const HIDDEN = "[secret, not shown]";

/** A key or path element as printable text: control characters and the like are escaped, never echoed. */
function printable(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : JSON.stringify(s);
}

/** A config path as `pulumi config set --path` takes it: `infra.gpuPools[0].name`. */
export function configPathText(path: readonly PathElement[]): string {
  let out = "";
  path.forEach((p, i) => {
    if (typeof p === "number") out += `[${p}]`;
    else out += (i === 0 ? "" : ".") + printable(String(p));
  });
  return out;
}

/** `ods:infra.aws.systemNodes.minSize`, `ods:infra.gpuPools[0].name`. */
export function keyName(path: readonly PathElement[]): string {
  return `${CONFIG_NAMESPACE}:${configPathText(path)}`;
}

function valueAt(root: unknown, path: readonly PathElement[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p as string];
  }
  return cur;
}

/** A value for a message: JSON (so control characters are escaped), cut at 80 characters. */
function show(v: unknown): string {
  if (v === undefined) return "(missing)";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

interface Context {
  input: unknown;
  /** Top-level keys (without the namespace) whose value is a secret or holds one. */
  secret: ReadonlySet<string>;
}

function shown(ctx: Context, path: readonly PathElement[], value: unknown): string {
  return ctx.secret.has(String(path[0])) || isSecretCapable(path) ? HIDDEN : show(value);
}

function describeIssue(issue: z.core.$ZodIssue, ctx: Context): string {
  const path = issue.path;
  const value = valueAt(ctx.input, path);
  switch (issue.code) {
    case "unrecognized_keys":
      // The value of a key nobody declared is never shown: it is where a misplaced credential lands.
      return issue.keys.map((k) => `${keyName([...path, k])}: unknown key; allowed keys here: ${allowedKeysAt(path)}`).join("\n  - ");
    case "invalid_value":
      return `${keyName(path)} = ${shown(ctx, path, value)}: allowed: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_key": {
      // A record's key is the problem (not its value): say what the key must be.
      const nested = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
      return `${keyName(path)}: this key ${nested}`;
    }
    case "invalid_type":
      if (value === undefined) return `${keyName(path)} is required (${issue.expected})`;
      return `${keyName(path)} = ${shown(ctx, path, value)}: expected ${issue.expected}`;
    default:
      // A rule across keys may name a key left unset (required by another key, or at its default).
      if (value === undefined && issue.code === "custom") return `${keyName(path)} (not set): ${issue.message}`;
      return `${keyName(path)} = ${shown(ctx, path, value)}: ${issue.message}`;
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

/** Every string and number inside a value (the texts a custom message might repeat). */
function leaves(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (typeof v === "number") return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v !== null && typeof v === "object") return Object.values(v).flatMap(leaves);
  return [];
}

/**
 * Removes every text of a secret key's value from the messages, after the key name (which is never
 * secret). Custom rule messages repeat values ("is not in region ..."); inside a key that holds a
 * secret any leaf may be the secret one, so all of them go.
 */
function scrub(problems: string[], input: Record<string, unknown>, secret: ReadonlySet<string>): string[] {
  const texts = [...secret].flatMap((k) => leaves(input[k])).filter((t) => t.length >= 3);
  if (texts.length === 0) return problems;
  const forms = [...new Set(texts.flatMap((t) => [t, JSON.stringify(t).slice(1, -1)]))].sort((a, b) => b.length - a.length);
  return problems.map((p) => {
    const cut = p.indexOf(" = ");
    const [key, rest] = cut >= 0 ? [p.slice(0, cut), p.slice(cut)] : ["", p];
    return key + forms.reduce((msg, t) => msg.split(t).join(HIDDEN), rest);
  });
}

/** A config path as elements, without the namespace: `["observability", "alertmanager", "receivers", 0, "webhookUrl"]`. */
export type ConfigPath = readonly (string | number)[];

/**
 * Parses the raw config map (keys `ods:<key>`, values as Pulumi stores them: strings, with objects,
 * arrays, numbers and booleans JSON-encoded) and validates it. Keys outside the `ods` namespace
 * belong to providers (aws:region, kubernetes:context) and are ignored here. `secretKeys` are the full
 * keys (`ods:infra`) Pulumi marks secret: their values never appear in an error. `securePaths`, where the
 * stack file was read, are the exact paths of its `secure:` values (see validateConfig).
 */
export function parseRawConfig(raw: Record<string, string>, secretKeys: readonly string[] = [], securePaths?: readonly ConfigPath[]): OdsConfig {
  const problems: string[] = [];
  const input: Record<string, unknown> = {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  const secret = new Set(secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
  for (const [fullKey, rawValue] of Object.entries(raw)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const value = secret.has(key) ? HIDDEN : show(rawValue);
    const kind = (TOP_LEVEL_KEYS as Record<string, string>)[key];
    if (kind === undefined) {
      problems.push(`${keyName([key])}: unknown key; allowed keys: ${Object.keys(TOP_LEVEL_KEYS).map((k) => prefix + k).join(", ")}`);
      continue;
    }
    if (kind === "string") {
      input[key] = rawValue;
      continue;
    }
    try {
      input[key] = JSON.parse(rawValue) as unknown;
    } catch {
      problems.push(`${fullKey} = ${value}: not a valid value (expected a YAML object, list, number or boolean)`);
    }
  }
  return validateConfig(input, problems, [...secret].map((k) => prefix + k), securePaths);
}

/** A slot's message for one concrete path (its `{path}` is the path to give `pulumi config set --path`). */
function slotMessage(slot: { message: string }, path: ConfigPath): string {
  return slot.message.split("{path}").join(configPathText(path));
}

const SLOT_KEYS = () => SECRET_SLOTS.map((s) => `${CONFIG_NAMESPACE}:${s.path}`).join(", ");

/**
 * Where secrets may be and where they must be (SECRET_SLOTS), checked with what is known of them.
 * With `securePaths` (the stack file was read: the offline plan, policy, cluster-check, and the program
 * when its stack file is the one Pulumi read) each `secure:` value is judged by its exact path. Without
 * them only the top-level keys Pulumi marks secret are known (Pulumi marks `ods:observability` as a whole
 * when one value in it is secure): a secret key with no slot in it is refused, and a plain-text
 * credential is caught in keys Pulumi does not mark.
 */
function secretPlacement(input: Record<string, unknown>, secret: ReadonlySet<string>, securePaths: readonly ConfigPath[] | undefined): string[] {
  const problems: string[] = [];
  const slots = presentSlots(input);
  if (securePaths) {
    const exact = new Set(securePaths.map((p) => JSON.stringify(p)));
    for (const p of securePaths) {
      if (!secretSlotAt(p)) problems.push(`${keyName(p)} = ${HIDDEN}: a secure: value is not allowed here: this key is not a secret, and its value would be written in plain text into names, objects and the Pulumi state; allowed: a plain value here; the keys that may be secret: ${SLOT_KEYS()}`);
    }
    // Judged one path at a time: a secure value elsewhere in the section does not make this one secret.
    for (const { path, slot, value } of slots) {
      if (slot.mustBeSecret(value) && !exact.has(JSON.stringify(path))) problems.push(`${keyName(path)} = ${HIDDEN}: ${slotMessage(slot, path)}`);
    }
    return problems;
  }
  for (const key of secret) {
    if (!(key in input)) continue;
    if (!slots.some((s) => s.path[0] === key)) {
      problems.push(`${keyName([key])} = ${HIDDEN}: Pulumi marks this key secret (a secure: value or --secret), but no key under it may be secret: its values go into names, objects and the Pulumi state in plain text; allowed: plain values here; the keys that may be secret: ${SLOT_KEYS()}`);
    }
  }
  for (const { path, slot, value } of slots) {
    if (slot.mustBeSecret(value) && !secret.has(String(path[0]))) problems.push(`${keyName(path)} = ${HIDDEN}: ${slotMessage(slot, path)}`);
  }
  return problems;
}

/**
 * Validates already-parsed config; `earlier` carries problems found while parsing. `secretKeys`: the
 * top-level keys Pulumi marks secret; `securePaths`: the exact paths of `secure:` values, when the stack
 * file is known (see secretPlacement).
 */
export function validateConfig(input: Record<string, unknown>, earlier: string[] = [], secretKeys: readonly string[] = [], securePaths?: readonly ConfigPath[]): OdsConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const secret = new Set(secretKeys.map((k) => (k.startsWith(prefix) ? k.slice(prefix.length) : k)));
  const ctx: Context = { input, secret };
  const result = configSchema.safeParse(input);
  const problems = [...earlier];
  if (!result.success) problems.push(...result.error.issues.map((i) => describeIssue(i, ctx)));
  // Secrets out of place and plain-text credentials are reported whatever else is wrong. Their messages
  // show no value (nothing to scrub, and scrubbing would cut the key names they list).
  const placement = secretPlacement(input, secret, securePaths);
  if (problems.length + placement.length > 0) throw new ConfigError([...placement, ...scrub(problems, input, secret)]);
  return result.data as OdsConfig;
}
