// The component skeleton every `ods:` component follows, checked on what a plan recorded and on the sources.
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../plan/types";

/** Layers of `ods:<layer>:<Name>` type tokens (a component's folder under components/ is its layer). */
export const COMPONENT_LAYERS = ["infra", "data", "model", "edge", "identity", "apps", "observability"] as const;
const TOKEN = new RegExp(`^ods:(${COMPONENT_LAYERS.join("|")}):[A-Z][A-Za-z0-9]*$`);

/**
 * What breaks the skeleton in a recorded plan: a malformed `ods:` type token, a component that never
 * registered outputs, a resource without a parent (only components and providers may be top level),
 * and a child whose name is not derived from its parent's.
 */
export function skeletonProblems(resources: RecordedResource[]): string[] {
  const problems: string[] = [];
  const byKey = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
  for (const r of resources) {
    const where = `${r.type} "${r.name}"`;
    if (r.type.startsWith("ods:")) {
      if (!TOKEN.test(r.type)) problems.push(`${where}: type token is not ods:<${COMPONENT_LAYERS.join("|")}>:<PascalCaseName>`);
      if (!r.registeredOutputs?.length) problems.push(`${where}: never called registerOutputs with its outputs`);
    }
    if (r.parent === null) {
      if (!r.type.startsWith("ods:") && !r.type.startsWith("pulumi:providers:")) problems.push(`${where}: has no parent (create it with { parent: this } inside a component)`);
      continue;
    }
    const parent = byKey.get(`${r.parentType}::${r.parent}`);
    if (!parent) problems.push(`${where}: parent ${r.parentType} "${r.parent}" was not recorded`);
    if (!r.name.startsWith(r.parent)) problems.push(`${where}: name is not derived from its parent's ("${r.parent}-...")`);
  }
  return problems;
}

export interface SourceComponent {
  file: string;
  className: string;
  token?: string;
  registersOutputs: boolean;
}

/** Every `class X extends pulumi.ComponentResource` under components/, with its type token and whether it registers outputs. */
export function sourceComponents(root: string): SourceComponent[] {
  const found: SourceComponent[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) {
        const text = fs.readFileSync(p, "utf8");
        for (const m of text.matchAll(/class (\w+) extends pulumi\.ComponentResource \{([\s\S]*?)\n\}/g)) {
          const body = m[2];
          found.push({
            file: path.relative(root, p),
            className: m[1],
            token: /super\("([^"]+)"/.exec(body)?.[1],
            registersOutputs: /this\.registerOutputs\(\{/.test(body),
          });
        }
      }
    }
  };
  walk(path.join(root, "components"));
  return found;
}

/** Problems of a component's source: the token must be ods:<its folder>:<its class name>, and it must register outputs. */
export function sourceProblems(c: SourceComponent): string[] {
  const layer = c.file.split(path.sep)[1];
  const problems: string[] = [];
  if (c.token !== `ods:${layer}:${c.className}`) problems.push(`${c.file} ${c.className}: type token ${JSON.stringify(c.token)}; expected "ods:${layer}:${c.className}"`);
  if (!c.registersOutputs) problems.push(`${c.file} ${c.className}: no this.registerOutputs({...}) call`);
  return problems;
}
