// `npm run cluster-check -- --stack <name>`: a stack's objects on a real API server (cluster/cli.ts).
import { runCli } from "../lib/cli";
import { CLUSTER_CHECK_CLI, clusterCheckMain } from "../cluster/cli";

runCli(CLUSTER_CHECK_CLI, clusterCheckMain);
