// `npm run config-doc`: writes the configuration reference (docs/config.md) from the zod schema;
// `--check` compares the file with the schema instead and fails when it is stale.
import * as fs from "fs";
import * as path from "path";
import { Parsed } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { CONFIG_DOC, configDocDrift, renderConfigDoc } from "./doc";

export const CONFIG_DOC_CLI = {
  command: "npm run config-doc --",
  summary: "Writes the configuration reference, every key of every ods:<key> with its type, default, allowed values and description, from config/schema/.",
  flags: {
    out: { value: true, placeholder: "FILE", default: CONFIG_DOC, help: "file to write (relative to the repository root)" },
    check: { help: "compare with the file instead of writing; exit 1 if it differs" },
  },
  notes: ["exit codes: 0 written (or up to date), 1 stale file with --check, 2 usage."],
} as const;

/** The command's main, for lib/cli's runCli (tools/config-doc.ts) or cliMain (tests, in-process). */
export async function configDocMain({ values, switches }: Parsed<keyof typeof CONFIG_DOC_CLI.flags>): Promise<number> {
  const file = path.resolve(repoPath(), values.out!);
  const text = renderConfigDoc();
  if (switches.check) {
    const drift = configDocDrift(text, fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined, values.out);
    console[drift ? "error" : "log"](drift ?? `${values.out}: up to date`);
    return drift ? 1 : 0;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
  return 0;
}
