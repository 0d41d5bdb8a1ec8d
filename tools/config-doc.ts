// `npm run config-doc`: writes the configuration reference (docs/config.md) from the zod schema (config/docCli.ts).
import { runCli } from "../lib/cli";
import { CONFIG_DOC_CLI, configDocMain } from "../config/docCli";

runCli(CONFIG_DOC_CLI, configDocMain);
