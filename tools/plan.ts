// `npm run plan -- --stack <name> [--out <dir>] [--stack-file <file>]`: the program's offline plan under the Pulumi mock runtime.
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config/load";
import { writePlan, summary } from "./plan/output";
import { REPO_ROOT, runPlan } from "./plan/run";
import { parseArgs } from "./args";

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), { stack: "local" }, ["stack", "out", "stack-file"]);
  const stack = args.stack ?? "local";
  const out = path.resolve(args.out ?? path.join(REPO_ROOT, "out", stack));
  const started = process.hrtime.bigint();
  const plan = await runPlan(stack, { stackFile: args["stack-file"] && path.resolve(args["stack-file"]) });
  const written = writePlan(plan, out);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(summary(plan, written, seconds));
  // For `npm run bench`: the in-process time and this process's peak memory.
  if (process.env.ODS_PLAN_STATS) {
    fs.writeFileSync(process.env.ODS_PLAN_STATS, JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, resources: plan.resources.length }));
  }
  if (written.schemaErrors.length > 0) {
    console.error(`\n${written.schemaErrors.length} Kubernetes object(s) fail their upstream schema:`);
    for (const e of written.schemaErrors) console.error(`  - manifests/${e.file} (${e.apiVersion} ${e.kind}): ${e.error}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`plan failed: ${err.message}`);
    else console.error(`plan failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
