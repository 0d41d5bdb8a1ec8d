// `npm run policy -- --stack <name>`: the policy check. Plans the stack under the mock runtime (Helm
// charts rendered into their objects), runs the policy pack's rules over every declared and rendered
// object, exits 1 on a mandatory violation.
import * as fs from "fs";
import * as path from "path";
import { runCli } from "../lib/cli";
import { policies } from "../policies/rules";
import { evaluate, failed } from "../policy-check/evaluate";
import { loadPackConfig } from "../policy-check/packConfig";
import { formatReport } from "../policy-check/report";
import { stackPackConfig } from "../policy-check/stackPackConfig";

export const POLICY_CLI = {
  command: "npm run policy --",
  summary:
    "Checks one stack's offline plan against the CrossGuard policy pack. The pack config is policies/config/base.json, the stack's differences (policies/config/<stack>.json) and the facts its stack config states (high availability, GPU node budget, world-open reason, namespace names). The report lists the exemptions used (and stale ones) and the rules that had nothing to check.",
  flags: {
    stack: { value: true, required: true, placeholder: "NAME", help: "stack to plan and check" },
    "stack-file": { value: true, placeholder: "FILE", help: "plan and take the facts from this config file instead of the stack's own" },
    config: { value: true, placeholder: "FILE", help: "a complete pack config to use instead of the stack's own" },
    "emit-config": { value: true, placeholder: "FILE", help: "write the stack's effective pack config (for `pulumi preview --policy-pack-config`) and exit" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache for rendering the plan's charts (default: env ODS_CHART_CACHE, else .cache/charts)" },
    json: { help: "print the evaluation as JSON on stdout (violations, rules with the resources each had in scope, exemptions used, errors)" },
  },
  notes: ["exit codes: 0 no mandatory violation, 1 a mandatory violation or a rule error, 2 usage, config or pack config error, or a chart that cannot be rendered."],
} as const;

runCli(POLICY_CLI, async ({ values, switches }) => {
  const stack = values.stack!;
  const stackFile = values["stack-file"] && path.resolve(values["stack-file"]);
  const config = values.config ? loadPackConfig(values.config, policies) : stackPackConfig(stack, policies, { stackFile }).config;
  if (values["emit-config"]) {
    const file = path.resolve(values["emit-config"]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");
    console.log(`pack config of stack ${stack} written to ${file}`);
    return 0;
  }
  // Imported late: the plan module sets up the mock runtime, which is process-global.
  const { runPlan } = await import("../plan/run");
  const plan = await runPlan(stack, { chartCache: values["chart-cache"], stackFile });
  const result = await evaluate(plan.resources, policies, config);
  if (switches.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatReport(stack, result));
  return failed(result) ? 1 : 0;
});
