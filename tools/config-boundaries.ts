// `npm run config-boundaries -- --stack <name>`: every boundary the schema accepts must plan (config/boundaries.ts).
import { runCli } from "../lib/cli";
import { CONFIG_BOUNDARIES_CLI, configBoundariesMain } from "../config/boundaries";

runCli(CONFIG_BOUNDARIES_CLI, configBoundariesMain);
