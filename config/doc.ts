// The configuration reference (docs/config.md), rendered from the zod schema: every key path of every
// `ods:<key>` with its type, default, allowed values and description. Pure: `npm run config-doc` writes
// the text, and a test fails when the committed file differs from it.
import * as YAML from "yaml";
import { z } from "zod";
import { configSchema, SECRET_SLOTS } from "./schema";

/** A JSON Schema node as `z.toJSONSchema` writes it, plus the kit's `x-` keys (see FORMAT_KEY, DEFAULT_KEY, MAP_KEY). */
type Node = { [key: string]: unknown };

/** Meta key for a default the schema computes from other keys (an optional key's value when unset). */
export const DEFAULT_KEY = "x-default";
/** Meta key for what a named value format (a schema with a `title`) accepts, shown once under "Value formats". */
export const FORMAT_KEY = "x-format";
/** Meta key naming the placeholder of a map's keys in key paths, e.g. "layer" for `namespaces.<layer>`. */
export const MAP_KEY = "x-key";

/** Where the reference lives and the command that rewrites it. */
export const CONFIG_DOC = "docs/config.md";
export const CONFIG_DOC_COMMAND = "npm run config-doc";

interface Row {
  path: string;
  type: string;
  def: string;
  allowed: string;
  description: string;
}

/** Named shapes and formats met on the way (by title), documented once. */
interface Named {
  formats: Map<string, Node>;
  shapes: Map<string, Node>;
}

const LARGEST = Number.MAX_SAFE_INTEGER;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A value as it is written in a stack file (YAML, flow style), in a code span. */
function code(value: unknown): string {
  const text = YAML.stringify(value, { collectionStyle: "flow", lineWidth: 0 }).trim();
  return `\`${text}\``;
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|").trim();
}

function alternatives(node: Node): Node[] | undefined {
  const alts = (node.anyOf ?? node.oneOf) as Node[] | undefined;
  return Array.isArray(alts) ? alts : undefined;
}

function isObject(node: Node): boolean {
  return node.type === "object";
}

function properties(node: Node): Record<string, Node> | undefined {
  return node.properties !== null && typeof node.properties === "object" ? (node.properties as Record<string, Node>) : undefined;
}

/** A map (record): an object whose keys are free or enumerated, every value of one shape. */
function mapValues(node: Node): Node | undefined {
  const v = node.additionalProperties;
  return isObject(node) && !properties(node) && v !== null && typeof v === "object" ? (v as Node) : undefined;
}

function typeName(node: Node): string {
  const title = str(node.title);
  if (title) return title;
  const alts = alternatives(node);
  if (alts) {
    const names = [...new Set(alts.map(typeName))];
    return names.join(" or ");
  }
  if (node.type === "array") return `list of ${typeName((node.items as Node) ?? {})}`;
  const values = mapValues(node);
  if (values) return `map of ${typeName(values)}`;
  if (isObject(node)) return "object";
  return str(node.type) ?? "any";
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function range(min: number | undefined, max: number | undefined, unit: (n: number) => string): string | undefined {
  if (min !== undefined && max !== undefined) return min === max ? `exactly ${unit(min)}` : `${min}-${unit(max)}`;
  if (min !== undefined) return `at least ${unit(min)}`;
  if (max !== undefined) return `at most ${unit(max)}`;
  return undefined;
}

function numberBounds(node: Node): string | undefined {
  const num = (k: string) => (typeof node[k] === "number" && Math.abs(node[k] as number) < LARGEST ? (node[k] as number) : undefined);
  const lower = num("minimum") !== undefined ? `>= ${num("minimum")}` : num("exclusiveMinimum") !== undefined ? `> ${num("exclusiveMinimum")}` : undefined;
  const upper = num("maximum") !== undefined ? `<= ${num("maximum")}` : num("exclusiveMaximum") !== undefined ? `< ${num("exclusiveMaximum")}` : undefined;
  if (num("minimum") !== undefined && num("maximum") !== undefined) return `${num("minimum")} to ${num("maximum")}`;
  return [lower, upper].filter(Boolean).join(" and ") || undefined;
}

/** What a value may be, beyond its type: listed values, bounds, lengths, a format or a pattern. */
function allowed(node: Node): string {
  const alts = alternatives(node);
  if (alts) return alts.map((a) => allowed(a) || `any ${typeName(a)}`).join(", or ");
  if (Array.isArray(node.enum)) return (node.enum as unknown[]).map(code).join(", ");
  if ("const" in node) return code(node.const);
  const parts: string[] = [];
  if (node.type === "number" || node.type === "integer") {
    const b = numberBounds(node);
    if (b) parts.push(b);
  }
  if (node.type === "string") {
    const len = range(node.minLength as number | undefined, node.maxLength as number | undefined, (n) => plural(n, "character", "characters"));
    if (len && !(node.minLength === 1 && node.maxLength === undefined)) parts.push(len);
    else if (len) parts.push("not empty");
    if (!node.title) {
      if (node.format === "email") parts.push("an e-mail address");
      else if (node.format === "uri") parts.push("a URL");
      else if (typeof node.pattern === "string") parts.push(`matches \`${node.pattern}\``);
    }
  }
  if (node.type === "array") {
    const n = range(node.minItems as number | undefined, node.maxItems as number | undefined, (k) => plural(k, "item", "items"));
    if (n) parts.push(n);
    const items = (node.items as Node) ?? {};
    if (!isObject(items) && !items.title) {
      const each = allowed(items);
      if (each) parts.push(`each: ${each}`);
    }
  }
  const values = mapValues(node);
  if (values) {
    const keys = node.propertyNames as Node | undefined;
    if (keys && Array.isArray(keys.enum)) parts.push(`keys: ${(keys.enum as unknown[]).map(code).join(", ")}`);
  }
  return parts.join("; ");
}

function defaultOf(node: Node, required: boolean): string {
  const computed = str(node[DEFAULT_KEY]);
  if (computed) return computed;
  if ("default" in node) {
    // An object whose every key is optional or has a default of its own: those defaults are listed per key.
    const props = properties(node);
    const req = new Set((node.required as string[] | undefined) ?? []);
    if (props && !node.title && Object.entries(props).every(([k, child]) => !req.has(k) || "default" in child)) return "each key's default";
    return code(node.default);
  }
  return required ? "**required**" : "unset";
}

function collect(node: Node, path: string, required: boolean, rows: Row[], named: Named, root = false): void {
  const title = str(node.title);
  if (!root) rows.push({ path, type: typeName(node), def: defaultOf(node, required), allowed: allowed(node), description: str(node.description) ?? "" });
  const note = (n: Node) => {
    const t = str(n.title);
    if (!t) return;
    if (isObject(n)) {
      if (!named.shapes.has(t)) named.shapes.set(t, n);
    } else if (!named.formats.has(t)) named.formats.set(t, n);
  };
  for (const n of [node, ...(alternatives(node) ?? []), ...(node.type === "array" ? [(node.items as Node) ?? {}] : [])]) note(n);
  if (title && isObject(node) && !root) return;
  const props = properties(node);
  if (props) {
    const req = new Set((node.required as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(props)) collect(child, path ? `${path}.${key}` : key, req.has(key), rows, named);
    return;
  }
  const values = mapValues(node);
  if (values && (properties(values) || mapValues(values))) {
    collect(values, `${path}.<${str(node[MAP_KEY]) ?? "name"}>`, false, rows, named, true);
    return;
  }
  const items = node.type === "array" ? ((node.items as Node) ?? {}) : undefined;
  if (items && isObject(items) && !items.title) collect(items, `${path}[]`, false, rows, named, true);
}

/** The "secret" cell: whether the key may hold a secret (`secure:` or --secret) at all (SECRET_SLOTS). */
function secretCell(path: string): string {
  const slot = SECRET_SLOTS.find((s) => s.path === path.replace(/^ods:/, ""));
  return slot ? `**${slot.doc}**` : "no";
}

function table(rows: Row[], first = "key", secrets = true): string[] {
  const out = secrets ? [`| ${first} | type | default | allowed | secret | description |`, "|---|---|---|---|---|---|"] : [`| ${first} | type | default | allowed | description |`, "|---|---|---|---|---|"];
  for (const r of rows) {
    const secret = secrets ? ` ${secretCell(r.path)} |` : "";
    out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.def)} | ${cell(r.allowed)} |${secret} ${cell(r.description)} |`);
  }
  return out;
}

const INTRO = [
  "# Configuration reference",
  "",
  `<!-- Generated from config/schema/*.ts by \`${CONFIG_DOC_COMMAND}\`; edit the schema, not this file. -->`,
  "",
  "Every key lives in the `ods` namespace: `ods:<key>` under `config:` in `stacks/Pulumi.<stack>.yaml`.",
  "There are four platform-wide keys, then one section per layer (`ods:infra`, `ods:data`, `ods:model`,",
  "`ods:identity`, `ods:apps`, `ods:observability`, `ods:edge`). `Pulumi.yaml` declares every top-level key",
  "with its type; `config/schema/` (one module per layer, composed in `config/schema/index.ts`) is the full",
  "schema and the only place defaults live. This page is generated from it.",
  "",
  "The whole config is checked before any resource is declared: allowed values, sizes, the subnet layout",
  "and the rules across keys (the descriptions below name them). Unknown keys, top-level or nested, are",
  "errors, named without their value since a misplaced credential is the likely content: a typo never",
  "falls back to a default. Every number has bounds. An error names the key, the value and what is",
  "allowed, but never shows the value of a key that holds a secret (`pulumi config set --secret`, or a",
  "nested `secure:` value): it prints `[secret, not shown]` instead. A stack file that is not YAML text,",
  "is empty, or whose `config:` is not a mapping gives one error naming the file, never its content.",
  "",
  "Secrets: the **secret** column says whether a key may hold one (`secure:` in the stack file, or",
  "`pulumi config set --secret --path`). Only those keys may; the program keeps their values Pulumi secrets",
  "wherever they go. A secret anywhere else is refused by its key: it would land in names, objects and the",
  "Pulumi state in plain text. Keys whose value must be a secret refuse plain text.",
  "",
  "How to read the tables: a key path is written as `pulumi config set --path` takes it (`[]` stands for",
  "every entry of a list, a name in angle brackets such as `<layer>` for every key of a map). **required**",
  "means required whenever its parent is given; `unset` means optional without a default; a default in",
  "words is computed from other keys (most often `highAvailability` or the kind of cluster). Named value",
  "formats and shapes are described once, at the end.",
];

/** The whole reference, as `docs/config.md` holds it. */
export function renderConfigDoc(): string {
  const json = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Node;
  const named: Named = { formats: new Map(), shapes: new Map() };
  const props = properties(json) ?? {};
  const required = new Set((json.required as string[] | undefined) ?? []);
  const lines = [...INTRO, "", "## Platform keys", ""];
  const platform: Row[] = [];
  const sections: [string, Node][] = [];
  for (const [key, node] of Object.entries(props)) {
    if (isObject(node)) sections.push([key, node]);
    else collect(node, key, required.has(key), platform, named);
  }
  lines.push(...table(platform.map((r) => ({ ...r, path: `ods:${r.path}` }))));
  for (const [key, node] of sections) {
    const rows: Row[] = [];
    collect(node, key, required.has(key), rows, named, true);
    const need = required.has(key) ? "Required." : "Optional: every key has a default.";
    lines.push("", `## \`ods:${key}\``, "", `${str(node.description) ?? ""} ${need}`.trim(), "", ...table(rows));
  }
  // Shapes first: the formats their keys use join the list below.
  const shapes: string[] = [];
  for (const [title, node] of [...named.shapes].sort(([a], [b]) => a.localeCompare(b))) {
    const rows: Row[] = [];
    collect(node, "", false, rows, named, true);
    const what = str(node[FORMAT_KEY]);
    // A shape's keys are relative to wherever it is used; none of them may hold a secret (a test checks).
    shapes.push("", `### ${title}`, "", ...(what ? [what, ""] : []), ...table(rows, "key", false));
  }
  lines.push("", "## Value formats", "");
  for (const [title, node] of [...named.formats].sort(([a], [b]) => a.localeCompare(b))) {
    const what = str(node[FORMAT_KEY]) ?? (typeof node.pattern === "string" ? `matches \`${node.pattern}\`` : typeName({ ...node, title: undefined }));
    lines.push(`- **${title}**: ${what}`);
  }
  lines.push("", "## Shapes", ...shapes);
  return `${lines.join("\n").trimEnd()}\n`;
}

/**
 * Where a committed reference differs from the rendered one: undefined when identical, else a message
 * naming the first differing line and the command that rewrites the file.
 */
export function configDocDrift(expected: string, actual: string | undefined, file = CONFIG_DOC): string | undefined {
  if (actual === expected) return undefined;
  if (actual === undefined) return `${file} is missing; run ${CONFIG_DOC_COMMAND}`;
  const want = expected.split("\n");
  const have = actual.split("\n");
  let i = 0;
  while (i < want.length && i < have.length && want[i] === have[i]) i++;
  const shown = (s: string | undefined) => (s === undefined ? "(end of file)" : JSON.stringify(s.length > 120 ? `${s.slice(0, 117)}...` : s));
  return `${file} is stale (line ${i + 1}: has ${shown(have[i])}, the schema gives ${shown(want[i])}); run ${CONFIG_DOC_COMMAND} and commit the result`;
}
