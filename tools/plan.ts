// `npm run plan -- --stack <name>`: the program's offline plan under the Pulumi mock runtime (plan/cli.ts).
import { runCli } from "../lib/cli";
import { PLAN_CLI, planCommand } from "../plan/cli";

export { PLAN_CLI };

const { main, onError } = planCommand();
runCli(PLAN_CLI, main, onError);
