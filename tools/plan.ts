// `npm run plan -- --stack <name>`: the program's offline plan under the Pulumi mock runtime.
import * as fs from "fs";
import * as path from "path";
import { runCli } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { ConfigError } from "../config/load";
import { summary, writePlan } from "../plan/output";
import { runPlan } from "../plan/run";

export const PLAN_CLI = {
  command: "npm run plan --",
  summary: "Runs the program (index.ts) for one stack under Pulumi's mock runtime, renders its Helm charts, and writes resources.json, outputs.json and manifests/.",
  flags: {
    stack: { value: true, placeholder: "NAME", default: "local", help: "stack whose stacks/Pulumi.<name>.yaml is planned" },
    out: { value: true, placeholder: "DIR", help: "output folder (default out/<stack>)" },
    "stack-file": { value: true, placeholder: "FILE", help: "plan this config file instead of the stack's own" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache (default: env ODS_CHART_CACHE, else .cache/charts); missing charts are pulled into it" },
    "no-charts": { help: "record each Helm chart as one resource with its values instead of rendering it (comparison and debugging only)" },
  },
  notes: [
    "exit codes: 0 planned, 1 an object fails its schema, 2 invalid config, a chart that cannot be rendered, or usage.",
    "environment: ODS_CHART_CACHE (chart cache), ODS_HELM_BIN (Helm binary, default .tools/bin/helm from `npm run setup`).",
  ],
} as const;

runCli(
  PLAN_CLI,
  async ({ values, switches }) => {
    const stack = values.stack!;
    const out = path.resolve(values.out ?? repoPath("out", stack));
    const started = process.hrtime.bigint();
    const plan = await runPlan(stack, {
      stackFile: values["stack-file"] && path.resolve(values["stack-file"]),
      charts: !switches["no-charts"],
      chartCache: values["chart-cache"],
    });
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
  },
  (err) => {
    console.error(`plan failed: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
    return 2;
  },
);
