// Offline policy gate: `npm run policy -- --stack <name> [--config <file>] [--json]`.
// Plans the stack under the mock runtime, runs the policy pack's rules over it, exits 1 on a mandatory violation.
import * as path from "path";
import { policies } from "../policies/rules";
import { evaluate, failed } from "./policy/evaluate";
import { loadPackConfig } from "./policy/packConfig";
import { formatReport } from "./policy/report";

const USAGE = "usage: npm run policy -- --stack <local|dev|staging|prod> [--config <file>] [--json]";

function parseArgs(argv: string[]): { stack: string; config?: string; json: boolean } {
  let stack: string | undefined;
  let config: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") stack = argv[++i];
    else if (a === "--config") config = argv[++i];
    else if (a === "--json") json = true;
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!stack) throw new Error(`--stack is required\n${USAGE}`);
  return { stack, config, json };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const configFile = args.config ?? path.join(__dirname, "..", "policies", "config", `${args.stack}.json`);
  const config = loadPackConfig(configFile, policies);
  // Imported late: the plan module sets up the mock runtime, which is process-global.
  const { runPlan } = await import("./plan/run");
  const plan = await runPlan(args.stack);
  const result = await evaluate(plan.resources, policies, config);
  if (args.json) console.log(JSON.stringify(result, null, 2));
  else console.log(formatReport(args.stack, result));
  return failed(result) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
