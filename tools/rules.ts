// `npm run rules -- --stack <name> [--out DIR]`: writes the stack's Prometheus alert rules
// (<stack>.rules.yaml) and their promtool unit tests (<stack>.test.yaml); `--check` compares them
// with the files in DIR instead and fails when those are stale.
import * as fs from "fs";
import * as path from "path";
import { runCli, UsageError } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { checkStackName } from "../lib/stackName";
import { ruleFiles } from "../components/observability/rules/files";

const RULES_CLI = {
  command: "npm run rules --",
  summary: "Writes a stack's alert rules and their promtool unit tests, from the stack's config and gate profile.",
  flags: {
    stack: { value: true, placeholder: "NAME", default: "local", help: "stack whose stacks/Pulumi.<name>.yaml and loadtests/profiles/<name>.json are read" },
    out: { value: true, placeholder: "DIR", help: "output folder (default components/observability/rules)" },
    check: { help: "compare with the files in the output folder instead of writing; exit 1 if they differ" },
  },
  notes: ["then: promtool check rules DIR/<stack>.rules.yaml && promtool test rules DIR/<stack>.test.yaml", "exit codes: 0 written (or up to date), 1 stale files with --check, 2 invalid config or usage."],
} as const;

runCli(
  RULES_CLI,
  async ({ values, switches }) => {
    const stack = checkStackName(values.stack!);
    const out = path.resolve(values.out ?? repoPath("components", "observability", "rules"));
    const files = ruleFiles(stack);
    if (switches.check) {
      const stale = Object.entries(files).filter(([name, text]) => !fs.existsSync(path.join(out, name)) || fs.readFileSync(path.join(out, name), "utf8") !== text);
      for (const [name] of stale) console.error(`${path.join(out, name)} is stale or missing: run npm run rules -- --stack ${stack}`);
      if (stale.length === 0) console.log(`${Object.keys(files).join(", ")} in ${out}: up to date`);
      return stale.length ? 1 : 0;
    }
    if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out ${out} is not a folder`);
    fs.mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(out, name), text);
      console.log(`wrote ${path.join(out, name)}`);
    }
    return 0;
  },
  (err) => {
    console.error(`rules failed: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  },
);
