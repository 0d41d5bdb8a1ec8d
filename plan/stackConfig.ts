// Reads a stack's config the way the Pulumi CLI would: project defaults from Pulumi.yaml, then stacks/Pulumi.<stack>.yaml.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export interface StackConfig {
  /** `namespace:key` -> value as the CLI hands it to the program (strings; structured values JSON-encoded). */
  config: Record<string, string>;
  /** Keys whose stack value is `secure:` (the offline plan substitutes a placeholder and treats them as secrets). */
  secretKeys: string[];
  project: string;
}

/** Placeholder for `secure:` values offline: the plan never decrypts anything. */
export const OFFLINE_SECRET_PLACEHOLDER = "offline-plan-placeholder-secret";

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
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

/** `file` overrides the stack's config file (a config to try out without adding a stack). */
export function readStackConfig(root: string, stack: string, stackFile?: string): StackConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new Error(`stack name ${JSON.stringify(stack)} is not valid; allowed: letters, digits, '-', '_' and '.'`);
  const project = readProject(root);
  const file = stackFile ?? path.join(stacksDir(root, project), `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new Error(`no config for stack "${stack}": ${path.relative(root, file)} does not exist; stacks with config: ${listStacks(root).join(", ")}`);
  }
  const stackDoc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl !== null && typeof decl === "object" && "default" in decl) config[qualify(key)] = encode((decl as { default: unknown }).default);
  }
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) {
    if (isSecure(value)) {
      config[qualify(key)] = OFFLINE_SECRET_PLACEHOLDER;
      secretKeys.push(qualify(key));
    } else {
      config[qualify(key)] = encode(value);
    }
  }
  return { config, secretKeys, project: project.name };
}
