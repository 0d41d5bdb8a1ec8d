// Every boundary the schema accepts must plan: each number at its bounds, each enum value and each
// boolean flipped, one at a time on a stack's own config. A variant the schema accepts but the plan
// refuses is a rule that runs late, inside a component, after declaration has begun (issue 22's
// class 4); `npm run config-boundaries` lists them.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import type { CliSpec, Parsed } from "../lib/cli";
import { UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { checkStackName } from "../lib/stackName";
import { type ConfigPath, configPathText, parseRawConfig } from "./load";
import { CONFIG_NAMESPACE, configSchema } from "./schema";
import { readStackConfig } from "./stackFile";

type Node = Record<string, unknown>;
export interface Variant {
  path: ConfigPath;
  value: unknown;
}

/** `infra.gpuPools[0].minSize = 0`. */
export function variantName(v: Variant): string {
  return `${configPathText(v.path)} = ${JSON.stringify(v.value)}`;
}

/**
 * The boundary values of a JSON schema, walked along a config (lists: the config's first entry; maps
 * and absent objects: their declared properties). Pure.
 */
export function boundaryVariants(schema: Node, config: Record<string, unknown>): Variant[] {
  const defs = (schema.$defs ?? {}) as Record<string, Node>;
  const deref = (n: Node): Node => (typeof n.$ref === "string" ? deref(defs[n.$ref.split("/").pop() ?? ""] ?? {}) : n);
  const out: Variant[] = [];
  const walk = (raw: Node, at: ConfigPath, current: unknown) => {
    const n = deref(raw);
    const alternatives = (n.anyOf ?? n.oneOf) as Node[] | undefined;
    if (alternatives) return alternatives.forEach((a) => walk(a, at, current));
    if (n.type === "object" && n.properties) {
      for (const [k, child] of Object.entries(n.properties as Record<string, Node>)) walk(child, [...at, k], (current as Record<string, unknown> | undefined)?.[k]);
      return;
    }
    if (n.type === "array") {
      if (Array.isArray(current) && current.length > 0 && n.items) walk(n.items as Node, [...at, 0], current[0]);
      return;
    }
    if (n.type === "number" || n.type === "integer") {
      const step = n.type === "integer" ? 1 : 0.01;
      const values = [n.minimum, n.maximum, typeof n.exclusiveMinimum === "number" ? n.exclusiveMinimum + step : undefined, typeof n.exclusiveMaximum === "number" ? n.exclusiveMaximum - step : undefined];
      for (const v of values) if (typeof v === "number" && Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER) out.push({ path: at, value: v });
    } else if (Array.isArray(n.enum)) {
      for (const v of n.enum) out.push({ path: at, value: v });
    } else if (n.type === "boolean") {
      out.push({ path: at, value: current === undefined ? true : !current });
    }
  };
  for (const [k, n] of Object.entries((schema.properties ?? {}) as Record<string, Node>)) walk(n, [k], config[k]);
  // The same variant reached through two alternatives is planned once.
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(variantName(v)) && Boolean(seen.add(variantName(v))));
}

/** The config with one value set (parents created as needed); the input is not changed. */
export function withValue(config: Record<string, unknown>, v: Variant): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  let cur: Record<string | number, unknown> = copy;
  v.path.forEach((p, i) => {
    if (i === v.path.length - 1) cur[p] = v.value;
    else {
      if (cur[p] === undefined || cur[p] === null || typeof cur[p] !== "object") cur[p] = typeof v.path[i + 1] === "number" ? [] : {};
      cur = cur[p] as Record<string | number, unknown>;
    }
  });
  return copy;
}

/** Plans a stack file; resolves to undefined when it plans, else the first line of the failure. */
export type Planner = (stack: string, stackFile: string) => Promise<string | undefined>;

/** The real planner: `npm run plan -- --no-charts` in a child process (the mock runtime is per process). */
export const planInChild: Planner = (stack, stackFile) =>
  new Promise((resolve) => {
    const out = `${stackFile}.plan`;
    const child = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"), ["tools/plan.ts", "--stack", stack, "--stack-file", stackFile, "--no-charts", "--out", out], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("close", (code) => {
      fs.rmSync(out, { recursive: true, force: true });
      resolve(code === 0 ? undefined : (err.split("\n").find((l) => l.trim().length > 0) ?? `exit ${code}`));
    });
  });

export interface BoundaryReport {
  variants: number;
  refusedBySchema: number;
  planned: number;
  /** Accepted by the schema, refused by the plan: each a rule that runs late. */
  late: { variant: string; error: string }[];
}

/**
 * Plans every boundary variant of a stack's config that the schema accepts, `parallel` at a time. The
 * stack file's YAML is rewritten per variant in a temporary folder (removed after).
 */
export async function probeBoundaries(stack: string, opts: { planner?: Planner; parallel?: number; root?: string; only?: (v: Variant) => boolean } = {}): Promise<BoundaryReport> {
  const root = opts.root ?? REPO_ROOT;
  const planner = opts.planner ?? planInChild;
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  readStackConfig(root, stack); // the stack's own file must be valid first
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  const prefix = `${CONFIG_NAMESPACE}:`;
  const config = Object.fromEntries(Object.entries(doc.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const others = Object.fromEntries(Object.entries(doc.config).filter(([k]) => !k.startsWith(prefix)));
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Node;
  const variants = boundaryVariants(schema, config).filter(opts.only ?? (() => true));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ods-boundaries-${stack}-`));
  const report: BoundaryReport = { variants: variants.length, refusedBySchema: 0, planned: 0, late: [] };
  try {
    const jobs: { name: string; file: string }[] = [];
    variants.forEach((v, i) => {
      const edited = withValue(config, v);
      const f = path.join(dir, `Pulumi.${stack}-${i}.yaml`);
      fs.writeFileSync(f, YAML.stringify({ ...doc, config: { ...others, ...Object.fromEntries(Object.entries(edited).map(([k, val]) => [prefix + k, val])) } }));
      try {
        const sc = readStackConfig(root, stack, f);
        parseRawConfig(sc.config, sc.secretKeys, sc.securePaths);
        jobs.push({ name: variantName(v), file: f });
      } catch {
        report.refusedBySchema++;
      }
    });
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let job = jobs[next++]; job; job = jobs[next++]) {
        const error = await planner(stack, job.file);
        report.planned++;
        if (error !== undefined) report.late.push({ variant: job.name, error });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 2) }, worker));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  report.late.sort((a, b) => a.variant.localeCompare(b.variant));
  return report;
}

export const CONFIG_BOUNDARIES_CLI = {
  command: "npm run config-boundaries --",
  summary:
    "Plans (without charts) every boundary value the schema accepts on a stack's own config, one at a time: each number at its bounds, each enum value, each boolean flipped. A variant the schema accepts and the plan refuses is a config rule that runs late, inside a component; each is listed.",
  flags: {
    stack: { value: true, required: true, placeholder: "NAME", help: "stack whose config is varied (stacks/Pulumi.<NAME>.yaml)" },
    parallel: { value: true, placeholder: "N", default: "2", help: "plans at a time" },
  },
  notes: ["exit codes: 0 every accepted variant plans, 1 some are refused late (listed), 2 usage or setup error"],
} satisfies CliSpec<"stack" | "parallel">;

export async function configBoundariesMain(args: Parsed<"stack" | "parallel">): Promise<number> {
  const stack = checkStackName(args.values.stack!);
  const parallel = Number(args.values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new UsageError(`--parallel ${JSON.stringify(args.values.parallel)}: allowed: 1 to 16`);
  const started = Date.now();
  const r = await probeBoundaries(stack, { parallel });
  console.log(`${stack}: ${r.variants} boundary variants, ${r.refusedBySchema} refused by the schema, ${r.planned} planned in ${((Date.now() - started) / 1000).toFixed(0)} s, ${r.late.length} refused late`);
  for (const l of r.late) console.log(`  - ${l.variant}: ${l.error}`);
  return r.late.length === 0 ? 0 : 1;
}
