// Reads a stack's config the way the Pulumi CLI would: project defaults from Pulumi.yaml, then stacks/Pulumi.<stack>.yaml.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseRawConfig } from "./load";
import { OdsConfig, OFFLINE_SECRET_PLACEHOLDER_TEXT, offlinePlaceholder } from "./schema";
import { checkStackName } from "../lib/stackName";
import { isSecure, notARegularFile, parseStackYaml } from "../lib/stackYaml";

export interface StackConfig {
  /** `namespace:key` -> value as the CLI hands it to the program (strings; structured values JSON-encoded). */
  config: Record<string, string>;
  /** Keys whose stack value is `secure:` (the offline plan substitutes a placeholder and treats them as secrets). */
  secretKeys: string[];
  /** The exact config path (without the namespace) of every `secure:` value of the project's own keys. */
  securePaths: (string | number)[][];
  project: string;
}

/** Placeholder for `secure:` values offline: the plan never decrypts anything (keys with a format get one of that form: offlinePlaceholder). */
export const OFFLINE_SECRET_PLACEHOLDER = OFFLINE_SECRET_PLACEHOLDER_TEXT;

/**
 * The value as Pulumi hands it to the program, with every `secure:` (at any depth, as Pulumi accepts
 * them) replaced by the placeholder. Collects the path of each one found (the key is then secret, as
 * Pulumi marks it) and refuses values JSON cannot carry (.inf, .nan) instead of turning them into null.
 */
function offlineValue(value: unknown, where: string, at: (string | number)[], problems: string[], secure: (string | number)[][], decrypt: (configPath: string) => string): unknown {
  if (isSecure(value)) {
    secure.push(at);
    return decrypt(where.replace(/^[^:]*:/, ""));
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    problems.push(`${where} = ${String(value)}: not a finite number; allowed: a number such as 3 or 0.5`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => offlineValue(v, `${where}[${i}]`, [...at, i], problems, secure, decrypt));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, offlineValue(v, `${where}.${k}`, [...at, k], problems, secure, decrypt)]));
  }
  return value;
}

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function kindOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

/**
 * A stack file's text: refused, without echoing anything, when it is not UTF-8 text (binary input
 * must never reach a terminal).
 */
function readText(file: string, shown: string): string {
  const notFile = notARegularFile(file);
  if (notFile) throw new ConfigError([`${shown}: ${notFile}`]);
  const bytes = fs.readFileSync(file);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError([`${shown}: is not UTF-8 text (binary content?); a stack file is YAML`]);
  }
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  if (/[\x00-\x08\x0e-\x1f\x7f]/.test(text)) throw new ConfigError([`${shown}: contains control characters (binary content?); a stack file is YAML text`]);
  return text;
}

/** Parses the YAML; a syntax error names the line and column only (the offending text may be a secret). */
function parseYaml(text: string, shown: string): unknown {
  const parsed = parseStackYaml(text, shown);
  if (parsed.problems) throw new ConfigError(parsed.problems);
  return parsed.value;
}

interface Project {
  name: string;
  stackConfigDir?: string;
  config?: Record<string, { default?: unknown } | unknown>;
}

function readProject(root: string): Project {
  return YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as Project;
}

function stacksDir(root: string, project: Project): string {
  return path.join(root, project.stackConfigDir ?? ".");
}

/** Lists the stacks that have a config file. */
export function listStacks(root: string): string[] {
  return fs
    .readdirSync(stacksDir(root, readProject(root)))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * `file` overrides the stack's config file (a config to try out without adding a stack). `decrypt` gives
 * the value of each `secure:` entry by its config path (`observability.alertmanager.receivers[0].webhookUrl`);
 * default: the offline placeholder (nothing is ever decrypted). Tests give planted sentinels, to follow
 * a secret the way `pulumi up` would hand it over.
 */
export function readStackConfig(root: string, stack: string, stackFile?: string, decrypt: (configPath: string) => string = offlinePlaceholder): StackConfig {
  checkStackName(stack);
  const project = readProject(root);
  const file = stackFile ?? path.join(stacksDir(root, project), `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`no config for stack "${stack}": ${path.relative(root, file)} does not exist; stacks with config: ${listStacks(root).join(", ")}`);
  }
  const shown = path.relative(root, file) || file;
  const doc = parseYaml(readText(file, shown), shown);
  const example = "config:\n  ods:environment: dev\n  ...";
  if (doc === null || doc === undefined) throw new ConfigError([`${shown}: is empty; a stack file is a mapping with a \`config:\` key, e.g. ${JSON.stringify(example)}`]);
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError([`${shown}: the top level is ${kindOf(doc)}; allowed: a mapping with a \`config:\` key`]);
  const stackConfig = (doc as { config?: unknown }).config;
  if (stackConfig === undefined || stackConfig === null) throw new ConfigError([`${shown}: has no \`config:\` mapping; every stack sets at least ods:environment, ods:domain and ods:infra`]);
  if (typeof stackConfig !== "object" || Array.isArray(stackConfig)) throw new ConfigError([`${shown}: config is ${kindOf(stackConfig)}; allowed: a mapping of keys (ods:environment: dev, ...) to values`]);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: string[] = [];
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl !== null && typeof decl === "object" && "default" in decl) config[qualify(key)] = encode((decl as { default: unknown }).default);
  }
  const securePaths: (string | number)[][] = [];
  const own = `${project.name}:`;
  for (const [key, raw] of Object.entries(stackConfig)) {
    const full = qualify(key);
    const secure: (string | number)[][] = [];
    config[full] = encode(offlineValue(raw, full, [full.startsWith(own) ? full.slice(own.length) : full], problems, secure, decrypt));
    if (secure.length > 0) secretKeys.push(full);
    if (full.startsWith(own)) securePaths.push(...secure);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, secretKeys, securePaths, project: project.name };
}

/** A stack file's config validated with everything the file tells: the secret keys and the exact paths of its `secure:` values. */
export function validateStackConfig(sc: StackConfig): OdsConfig {
  return parseRawConfig(sc.config, sc.secretKeys, sc.securePaths);
}

/**
 * Whether a stack file's config is the config Pulumi handed the program (`raw`, `secretKeys`), secure
 * values apart: the same project keys, the same secret ones, and the same values once every `secure:`
 * path of the file is blanked out on both sides.
 */
export function sameConfigApartFromSecrets(file: StackConfig, raw: Record<string, string>, secretKeys: readonly string[]): boolean {
  const own = (k: string) => k.startsWith(`${file.project}:`);
  const keys = (ks: Iterable<string>) => JSON.stringify([...ks].filter(own).sort());
  if (keys(Object.keys(file.config)) !== keys(Object.keys(raw)) || keys(file.secretKeys) !== keys(secretKeys)) return false;
  const blank = (value: unknown, at: (string | number)[]): unknown => {
    if (file.securePaths.some((p) => JSON.stringify(p) === JSON.stringify(at))) return null;
    if (Array.isArray(value)) return value.map((v, i) => blank(v, [...at, i]));
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v, [...at, k])]));
    return value;
  };
  const decode = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  return Object.keys(file.config)
    .filter(own)
    .every((k) => {
      const at = [k.slice(file.project.length + 1)];
      return JSON.stringify(blank(decode(file.config[k]), at)) === JSON.stringify(blank(decode(raw[k]), at));
    });
}
