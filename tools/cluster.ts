// `npm run cluster -- build|up|down|status`: the kit's local control plane (cluster/cli.ts).
import { cliMain, UsageError } from "../lib/cli";
import { CLUSTER_CLI, clusterAction, clusterActionMain } from "../cluster/cli";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = clusterAction(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\nusage: ${CLUSTER_CLI.command}`);
    return 2;
  }
  return cliMain(CLUSTER_CLI, parsed.rest, (args) => clusterActionMain(parsed.action, args), (err) => {
    console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof UsageError ? 2 : 1;
  });
}

main().then((code) => process.exit(code));
