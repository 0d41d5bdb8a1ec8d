// `npm run policy -- --stack <name>`: the policy check. Plans the stack under the mock runtime (Helm
// charts rendered into their objects), runs the policy pack's rules over every declared and rendered
// object, exits 1 on a mandatory violation.
import { runCli } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { policies } from "../policies/rules";
import { evaluate, failed } from "../policy-check/evaluate";
import { loadPackConfig } from "../policy-check/packConfig";
import { formatReport } from "../policy-check/report";

export const POLICY_CLI = {
  command: "npm run policy --",
  summary: "Checks one stack's offline plan against the CrossGuard policy pack with that stack's pack config.",
  flags: {
    stack: { value: true, required: true, placeholder: "NAME", help: "stack to plan and check" },
    config: { value: true, placeholder: "FILE", help: "pack config instead of policies/config/<stack>.json" },
    "chart-cache": { value: true, placeholder: "DIR", help: "Helm chart cache for rendering the plan's charts (default: env ODS_CHART_CACHE, else .cache/charts)" },
    json: { help: "print the evaluation as JSON on stdout" },
  },
  notes: ["exit codes: 0 no mandatory violation, 1 a mandatory violation or a rule error, 2 usage, config or pack config error, or a chart that cannot be rendered."],
} as const;

runCli(POLICY_CLI, async ({ values, switches }) => {
  const stack = values.stack!;
  const config = loadPackConfig(values.config ?? repoPath("policies", "config", `${stack}.json`), policies);
  // Imported late: the plan module sets up the mock runtime, which is process-global.
  const { runPlan } = await import("../plan/run");
  const plan = await runPlan(stack, { chartCache: values["chart-cache"] });
  const result = await evaluate(plan.resources, policies, config);
  if (switches.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatReport(stack, result));
  return failed(result) ? 1 : 0;
});
