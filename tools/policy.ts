// `npm run policy -- --stack <name>`: the policy check (policy-check/cli.ts). Plans the stack under the
// mock runtime (Helm charts rendered into their objects), runs the policy pack's rules over every
// declared and rendered object, exits 1 on a mandatory violation.
import { runCli } from "../lib/cli";
import { POLICY_CLI, policyCommand } from "../policy-check/cli";

export { POLICY_CLI };

runCli(POLICY_CLI, policyCommand().main);
