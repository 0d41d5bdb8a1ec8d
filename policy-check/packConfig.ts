// Loads and checks a policy pack config file (the JSON given to `--policy-pack-config`).
import * as fs from "fs";
import type { EnforcementLevel, Policies, Policy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function typeMatches(value: unknown, schema: PolicyConfigJSONSchema): boolean {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return true;
  return types.some((t) => {
    switch (t) {
      case "array":
        return Array.isArray(value);
      case "object":
        return isObject(value);
      case "integer":
        return Number.isInteger(value);
      case "null":
        return value === null;
      default:
        return typeof value === t;
    }
  });
}

/**
 * Problems in a pack config: unknown rule names, unknown properties, wrong top-level types and
 * bad enforcement levels. The CLI validates against the JSON schema too; catching typos here keeps
 * the offline gate from silently ignoring a setting the real run would reject.
 */
export function checkPackConfig(config: unknown, policies: Policies): string[] {
  if (!isObject(config)) return ["the policy config must be a JSON object keyed by rule name"];
  const byName = new Map<string, Policy>(policies.map((p) => [p.name, p]));
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(config)) {
    const policy = byName.get(name);
    if (!policy && name !== "all") {
      problems.push(`${name}: no such rule (known: all, ${[...byName.keys()].join(", ")})`);
      continue;
    }
    if (typeof entry === "string") {
      if (!LEVELS.includes(entry as EnforcementLevel)) problems.push(`${name}: enforcement level ${entry} is not one of ${LEVELS.join(", ")}`);
      continue;
    }
    if (!isObject(entry)) {
      problems.push(`${name}: expected an enforcement level or an object`);
      continue;
    }
    const level = entry["enforcementLevel"];
    if (level !== undefined && !LEVELS.includes(level as EnforcementLevel)) problems.push(`${name}.enforcementLevel: ${String(level)} is not one of ${LEVELS.join(", ")}`);
    const props = policy?.configSchema?.properties ?? {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === "enforcementLevel") continue;
      const schema = props[key];
      if (!schema) problems.push(`${name}.${key}: not a setting of this rule (settings: ${Object.keys(props).join(", ") || "none"})`);
      else if (!typeMatches(value, schema)) problems.push(`${name}.${key}: expected ${JSON.stringify(schema.type)}, got ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

export function loadPackConfig(file: string, policies: Policies): PackConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read policy config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const problems = checkPackConfig(parsed, policies);
  if (problems.length > 0) throw new Error(`invalid policy config ${file}:\n  ${problems.join("\n  ")}`);
  return parsed as PackConfig;
}

/** The level a rule runs at, resolved like the pack server does (rule entry, then "all", then the rule's own). */
export function enforcementOf(policy: Policy, config: PackConfig, packDefault: EnforcementLevel = "advisory"): EnforcementLevel {
  const entry = config[policy.name];
  const all = config["all"];
  const fromEntry = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
  const level = fromEntry ?? fromAll ?? policy.enforcementLevel ?? packDefault;
  // Offline there is nothing to remediate; a remediating rule that still fails counts as mandatory.
  return level === "remediate" ? "mandatory" : level;
}

/** The rule's settings: schema defaults overlaid by the config entry (without enforcementLevel). */
export function settingsOf(policy: Policy, config: PackConfig): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (schema.default !== undefined) settings[key] = structuredClone(schema.default);
  }
  const entry = config[policy.name];
  if (isObject(entry)) {
    for (const [key, value] of Object.entries(entry)) if (key !== "enforcementLevel") settings[key] = value;
  }
  return settings;
}
