// Loads and checks a policy pack config file (the JSON given to `--policy-pack-config`).
import * as fs from "fs";
import type { EnforcementLevel, Policies, Policy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { isRecord } from "../lib/records";

export type PackConfig = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];


function typeMatches(value: unknown, schema: PolicyConfigJSONSchema): boolean {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return true;
  return types.some((t) => {
    switch (t) {
      case "array":
        return Array.isArray(value);
      case "object":
        return isRecord(value);
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
 * Where `value` breaks `schema`: the subset of JSON schema the rules use (type, enum, minLength,
 * minimum, items, properties, required, additionalProperties: false), so the offline check refuses
 * what `pulumi preview --policy-pack-config` would refuse (an exemption without a reason, say).
 */
export function schemaProblems(value: unknown, schema: PolicyConfigJSONSchema, where: string): string[] {
  if (!typeMatches(value, schema)) return [`${where}: expected ${JSON.stringify(schema.type)}, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) problems.push(`${where}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (typeof value === "string" && schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${where}: must be at least ${schema.minLength} characters, got ${JSON.stringify(value)}`);
  if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) problems.push(`${where}: must be >= ${schema.minimum}, got ${value}`);
  if (Array.isArray(value) && isRecord(schema.items)) {
    const items = schema.items as PolicyConfigJSONSchema;
    value.forEach((v, i) => problems.push(...schemaProblems(v, items, `${where}[${i}]`)));
  }
  if (isRecord(value)) {
    const props = (schema.properties ?? {}) as Record<string, PolicyConfigJSONSchema>;
    for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${where}.${key}: required`);
    for (const [key, v] of Object.entries(value)) {
      if (props[key]) problems.push(...schemaProblems(v, props[key], `${where}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${where}.${key}: not allowed here (allowed: ${Object.keys(props).join(", ")})`);
    }
  }
  return problems;
}

/**
 * Problems in a pack config: unknown rule names, unknown properties, wrong top-level types and
 * bad enforcement levels. The CLI validates against the JSON schema too; catching typos here keeps
 * the offline policy check from silently ignoring a setting the real run would reject.
 */
export function checkPackConfig(config: unknown, policies: Policies): string[] {
  if (!isRecord(config)) return ["the policy config must be a JSON object keyed by rule name"];
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
    if (!isRecord(entry)) {
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
      else problems.push(...schemaProblems(value, schema, `${name}.${key}`));
    }
  }
  return problems;
}

/** A complete pack config file, as `pulumi preview --policy-pack-config` takes it, checked against the rules. */
export function loadPackConfig(file: string, policies: Policies): PackConfig {
  return checkedPackConfig(readPackConfigFile(file), policies, file);
}

export function checkedPackConfig(config: PackConfig, policies: Policies, source: string): PackConfig {
  const problems = checkPackConfig(config, policies);
  if (problems.length > 0) throw new Error(`invalid policy config ${source}:\n  ${problems.join("\n  ")}`);
  return config;
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
  if (isRecord(entry)) {
    for (const [key, value] of Object.entries(entry)) if (key !== "enforcementLevel") settings[key] = value;
  }
  return settings;
}

/** What the policy configs may take from the stack instead of repeating it. */
export interface StackFacts {
  /** ods:highAvailability. */
  highAvailability: boolean;
  /** GPU nodes the stack's pools may scale to in total (sum of infra.gpuPools[].maxSize). */
  maxGpuNodes: number;
  /** ods:infra.aws.endpoint.worldOpenReason: why the EKS API may be world-open ("" = it may not). */
  worldOpenReason: string;
  /** ods:infra.aws.worldOpenSecurityGroups: the security groups that may face the internet, with why. */
  worldOpenSecurityGroups: { name: string; reason: string }[];
  /** Placeholder values: {prefix}, {environment}, {base} and {namespace.<layer>}. */
  vars: Record<string, string>;
  /** What the stack deploys, for exemptions that apply only `when` it does (e.g. gpuOperator). */
  deploys: Record<string, boolean>;
  /** Where the kit pushes the images it builds (ECR of the stack's region, or the existing cluster's registry). */
  imageRegistries: string[];
}

/** Rule settings that are stack facts: files must not set them, the stack does. */
export const FACT_SETTINGS: Record<string, Record<string, { from: string; value: (f: StackFacts) => unknown }>> = {
  "k8s-pdb-required": { highAvailability: { from: "ods:highAvailability", value: (f) => f.highAvailability } },
  "k8s-pod-spread": { highAvailability: { from: "ods:highAvailability", value: (f) => f.highAvailability } },
  "gpu-nodegroup-max-size": { maxGpuNodes: { from: "ods:infra.gpuPools[].maxSize (their sum)", value: (f) => f.maxGpuNodes } },
  "eks-endpoint-not-world-open": { worldOpenReason: { from: "ods:infra.aws.endpoint.worldOpenReason", value: (f) => f.worldOpenReason } },
  "k8s-allowed-registries": { stackRegistries: { from: "the stack's own image registry (ECR on AWS, ods:infra.existingCluster.registry)", value: (f) => f.imageRegistries } },
  "aws-sg-no-world-ingress": {
    exemptions: { from: "ods:infra.aws.worldOpenSecurityGroups", value: (f) => f.worldOpenSecurityGroups.map((g) => ({ kind: "SecurityGroup", name: g.name, reason: g.reason })) },
  },
};

/**
 * Rules whose level no file may change: world-open exposure fails in every stack, and only the stack
 * config can allow it, with a reason.
 */
export const LOCKED_LEVELS: Record<string, { level: EnforcementLevel; allow: string }> = {
  "eks-endpoint-not-world-open": { level: "mandatory", allow: "ods:infra.aws.endpoint.worldOpenReason" },
  "aws-sg-no-world-ingress": { level: "mandatory", allow: "ods:infra.aws.worldOpenSecurityGroups" },
};

type Entry = PackConfig[string];

function asObject(entry: Entry | undefined): { enforcementLevel?: EnforcementLevel } & Record<string, unknown> {
  if (entry === undefined) return {};
  return typeof entry === "string" ? { enforcementLevel: entry } : { ...entry };
}

/** Replaces {name} placeholders in every string; an unknown placeholder is an error naming it. */
export function substitute(value: unknown, vars: Record<string, string>, where: string): unknown {
  if (typeof value === "string") {
    return value.replace(/\{([a-z][a-zA-Z0-9.]*)\}/g, (m, name: string) => {
      if (!(name in vars)) throw new Error(`${where}: unknown placeholder ${m}; known: ${Object.keys(vars).map((k) => `{${k}}`).join(", ")}`);
      return vars[name];
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, vars, `${where}[${i}]`));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, `${where}.${k}`)]));
  return value;
}

/**
 * The pack config of a stack: the base file, the stack's differences over it (an entry's keys replace
 * the base entry's keys; a bare level replaces only the level), placeholders in them filled in, then the stack facts.
 * Throws when a file sets a setting that is a stack fact, naming the file, rule and config key.
 */
export function mergePackConfig(base: PackConfig, diff: PackConfig, facts: StackFacts, names: { base: string; diff: string }): PackConfig {
  for (const [file, cfg] of [[names.base, base], [names.diff, diff]] as const) {
    for (const [rule, entry] of Object.entries(cfg)) {
      for (const key of Object.keys(asObject(entry))) {
        const fact = FACT_SETTINGS[rule]?.[key];
        if (fact) throw new Error(`${file}: ${rule}.${key} is read from the stack config (${fact.from}); remove it from the file`);
      }
      const locked = LOCKED_LEVELS[rule];
      const level = asObject(entry).enforcementLevel;
      if (locked && level !== undefined && level !== locked.level) {
        throw new Error(`${file}: ${rule} is ${locked.level} in every stack and cannot be set to ${level}; to allow world-open exposure, say why in the stack config (${locked.allow})`);
      }
    }
  }
  const merged: PackConfig = {};
  for (const rule of new Set([...Object.keys(base), ...Object.keys(diff), ...Object.keys(FACT_SETTINGS)])) {
    // Placeholders are filled in the files' settings only: a stack fact is taken as the stack states it.
    const entry = substitute({ ...asObject(base[rule]), ...asObject(diff[rule]) }, facts.vars, `policy config.${rule}`) as Record<string, unknown>;
    if (Array.isArray(entry.exemptions)) entry.exemptions = deployedOnly(entry.exemptions, facts.deploys, rule);
    for (const [key, fact] of Object.entries(FACT_SETTINGS[rule] ?? {})) entry[key] = fact.value(facts);
    merged[rule] = entry as PackConfig[string];
  }
  return merged;
}

/**
 * Exemptions for objects of a component the stack does not deploy are dropped (`when` names the
 * component, a stack fact), so they neither apply nor show up as stale; `when` itself is not a
 * setting of any rule and is removed.
 */
function deployedOnly(exemptions: unknown[], deploys: Record<string, boolean>, rule: string): unknown[] {
  return exemptions.flatMap((e) => {
    if (!isRecord(e) || e.when === undefined) return [e];
    const when = String(e.when);
    if (!(when in deploys)) throw new Error(`policy config.${rule}: exemption "when": ${JSON.stringify(when)} is not a component stacks state; known: ${Object.keys(deploys).join(", ")}`);
    const rest = { ...e };
    delete rest.when;
    return deploys[when] ? [rest] : [];
  });
}

/** Reads a pack config file (a JSON object); errors name the file. */
export function readPackConfigFile(file: string): PackConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read policy config ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(parsed)) throw new Error(`policy config ${file}: expected a JSON object keyed by rule name`);
  return parsed as PackConfig;
}
