// The plan command (`npm run plan`), with what it plans with given by the caller: tools/plan.ts runs it
// on the real planner; tests run it in-process on plans shared through plan/planCache.ts.
import * as fs from "fs";
import * as path from "path";
import { Parsed, UsageError } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { checkStackName } from "../lib/stackName";
import { ConfigError } from "../config/load";
import { planFiles, summary } from "./output";
import { configHash, defaultOut, kitVersion, OutputError, PlanOutput, readPlanRecord } from "./outputDir";
import { storePlan } from "./planCache";
import { FullPlanResult, PlanOptions, runPlan } from "./run";
import { readStackConfig } from "../config/stackFile";

export const PLAN_CLI = {
  command: "npm run plan --",
  summary:
    "Runs the program (index.ts) for one stack under Pulumi's mock runtime, renders its Helm charts, and writes resources.json, outputs.json and manifests/, with plan.json recording that the plan completed.",
  flags: {
    stack: { value: true, placeholder: "NAME", default: "local", help: "stack whose stacks/Pulumi.<name>.yaml is planned" },
    out: { value: true, placeholder: "DIR", help: "output folder (default out/<stack>, or out/<stack>--<file>-<hash> with --stack-file)" },
    "stack-file": { value: true, placeholder: "FILE", help: "plan this config file instead of the stack's own" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache (default: env ODS_CHART_CACHE, else .cache/charts); missing charts are pulled into it" },
    "no-charts": { help: "record each Helm chart as one resource with its values instead of rendering it (comparison and debugging only)" },
    verify: { value: true, placeholder: "DIR", help: "check that DIR holds a completed plan of --stack that matches the current config and kit, and exit" },
  },
  notes: [
    "exit codes: 0 planned (or verified), 1 an object fails its schema (or DIR is not a current, complete plan), 2 invalid config, a chart that cannot be rendered, a locked or foreign output folder, or usage.",
    "environment: ODS_CHART_CACHE (chart cache), ODS_HELM_BIN (Helm binary, default .tools/bin/helm from `npm run setup`).",
  ],
} as const;

/**
 * `--verify DIR`: 0 only for a complete plan of the stack whose files are as written, with charts
 * rendered, today's config and kit; 1 with the reason otherwise (including a config that no longer
 * reads, or a recorded --stack-file that is gone).
 */
function verify(dir: string, stack: string): number {
  try {
    const recorded = readPlanRecord(dir, { stack });
    let hash: string;
    try {
      hash = configHash(readStackConfig(repoPath(), stack, recorded.stackFile).config);
    } catch (e) {
      throw new OutputError(`${dir} cannot be checked against its config: ${(e as Error).message.split("\n")[0]}`);
    }
    readPlanRecord(dir, { stack, configHash: hash, kit: kitVersion(), contents: true });
    console.log(`${dir}: complete plan of stack ${stack}${recorded.stackFile ? ` (config ${recorded.stackFile})` : ""}, finished ${recorded.finishedAt}, kit ${recorded.kit?.version} (${recorded.kit?.commit}), ${recorded.files.length} files`);
    return 0;
  } catch (e) {
    if (!(e instanceof OutputError)) throw e;
    console.error(`not a current plan: ${e.message}`);
    return 1;
  }
}

/**
 * Test hooks at the named phases of writing the output: ODS_PLAN_TEST_STOP_AT=<phase> kills the plan
 * there (as a crash would), ODS_PLAN_TEST_HOLD_AT=<phase>:<ms> holds it there (to overlap two plans).
 */
function envTestHook(phase: string): void {
  if (process.env.ODS_PLAN_TEST_STOP_AT === phase) process.kill(process.pid, "SIGKILL");
  const [holdPhase, ms] = (process.env.ODS_PLAN_TEST_HOLD_AT ?? "").split(":");
  if (holdPhase === phase) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ms));
}

export interface PlanCommandDeps {
  /** Plans a stack; default runPlan (in this process). */
  plan?: (stack: string, opts: PlanOptions) => Promise<FullPlanResult>;
  /** Called at each phase of writing the output (tests); default the ODS_PLAN_TEST_* hooks. */
  hook?: (phase: string) => void;
}

type PlanFlags = keyof typeof PLAN_CLI.flags;

/** The command's main and its error handler, for lib/cli's runCli or cliMain. */
export function planCommand(deps: PlanCommandDeps = {}): { main: (args: Parsed<PlanFlags>) => Promise<number>; onError: (err: unknown) => number } {
  // The real planner also keeps what it planned in the plan cache (plan/planCache.ts), for the tests.
  const plan =
    deps.plan ??
    (async (stack: string, opts: PlanOptions) => {
      const planned = await runPlan(stack, opts);
      storePlan(stack, opts, planned);
      return planned;
    });
  const testHook = deps.hook ?? envTestHook;
  const main = async ({ values, switches }: Parsed<PlanFlags>): Promise<number> => {
    const stack = checkStackName(values.stack!);
    if (values.verify) {
      if (values.out || values["stack-file"]) throw new UsageError("--verify takes only --stack");
      return verify(path.resolve(values.verify), stack);
    }
    const stackFile = values["stack-file"] && path.resolve(values["stack-file"]);
    const out = path.resolve(values.out ?? defaultOut(stack, stackFile));
    const started = process.hrtime.bigint();
    const output = PlanOutput.open(out, { stack, stackFile });
    let files;
    let planned;
    try {
      testHook("locked");
      planned = await plan(stack, { stackFile, charts: !switches["no-charts"], chartCache: values["chart-cache"] });
      files = planFiles(planned);
      output.commit(files.staged, { configHash: planned.configHash, kit: kitVersion(), invalidObjects: files.schemaErrors.length, charts: planned.charts !== null }, testHook);
    } catch (e) {
      output.fail(e instanceof Error ? e.message.split("\n")[0] : String(e));
      throw e;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(summary(planned, { ...files, dir: out }, seconds));
    // For `npm run bench`: the in-process time and this process's peak memory.
    if (process.env.ODS_PLAN_STATS) {
      fs.writeFileSync(process.env.ODS_PLAN_STATS, JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, resources: planned.resources.length }));
    }
    if (files.schemaErrors.length > 0) {
      console.error(`\n${files.schemaErrors.length} Kubernetes object(s) fail their upstream schema:`);
      for (const e of files.schemaErrors) console.error(`  - manifests/${e.file} (${e.apiVersion} ${e.kind}): ${e.error}`);
      return 1;
    }
    return 0;
  };
  const onError = (err: unknown): number => {
    console.error(`plan failed: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
    return 2;
  };
  return { main, onError };
}
