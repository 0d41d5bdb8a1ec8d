// The policy check command (`npm run policy`), with the planner given by the caller: tools/policy.ts
// plans in its own process; tests run it in-process on plans shared through plan/planCache.ts.
import * as fs from "fs";
import * as path from "path";
import { Parsed } from "../lib/cli";
import { policies } from "../policies/rules";
import type { FullPlanResult, PlanOptions } from "../plan/run";
import { evaluate, failed } from "./evaluate";
import { loadPackConfig } from "./packConfig";
import { formatReport } from "./report";
import { stackPackConfig } from "./stackPackConfig";

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

type PolicyFlags = keyof typeof POLICY_CLI.flags;
type Planner = (stack: string, opts: PlanOptions) => Promise<FullPlanResult>;

/** The command's main; `plan` defaults to runPlan, imported only when a plan is needed (it sets up the process-wide mock runtime). */
export function policyCommand(deps: { plan?: Planner } = {}): { main: (args: Parsed<PolicyFlags>) => Promise<number> } {
  const main = async ({ values, switches }: Parsed<PolicyFlags>): Promise<number> => {
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
    const plan = deps.plan ?? (await import("../plan/run")).runPlan;
    const planned = await plan(stack, { chartCache: values["chart-cache"], stackFile });
    const result = await evaluate(planned.resources, policies, config);
    if (switches.json) console.log(JSON.stringify(result, null, 2));
    else console.log(formatReport(stack, result));
    return failed(result) ? 1 : 0;
  };
  return { main };
}
