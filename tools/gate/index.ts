// CLI: npm run gate -- --stack <name> [--only <service>[,<service>]] [--endpoints <file.json>]
//      [--profile <file.json>] [--out <dir>] [--no-dashboard]
import * as path from "node:path";
import { Endpoints, readEndpointsFile, readStackEndpoints } from "./endpoints";
import { runGate } from "./gate";
import { REPO_ROOT, resolveK6 } from "./k6";
import { isService, readProfile, Service, SERVICES } from "./profile";
import { verdictTable, failedThresholds } from "./report";

export interface CliArgs {
  stack: string;
  only?: Service[];
  endpoints?: string;
  profile: string;
  out: string;
  dashboard: boolean;
}

const USAGE = "usage: npm run gate -- --stack <name> [--only <service>[,...]] [--endpoints <file.json>] [--profile <file.json>] [--out <dir>] [--no-dashboard]";

/** Pure argument parsing; throws a usage error naming the bad flag. */
export function parseArgs(argv: string[]): CliArgs {
  const flags: Record<string, string> = {};
  let dashboard = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--no-dashboard") {
      dashboard = false;
      continue;
    }
    if (!["--stack", "--only", "--endpoints", "--profile", "--out"].includes(a)) throw new Error(`unknown argument "${a}"\n${USAGE}`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
    flags[a.slice(2)] = v;
    i++;
  }
  if (!flags.stack) throw new Error(`--stack is required\n${USAGE}`);
  if (!/^[A-Za-z0-9_.-]+$/.test(flags.stack)) throw new Error(`--stack "${flags.stack}": only letters, digits, ".", "_" and "-" are allowed`);
  let only: Service[] | undefined;
  if (flags.only) {
    const names = flags.only.split(",").map((s) => s.trim());
    const bad = names.filter((s) => !isService(s));
    if (bad.length) throw new Error(`--only: unknown service ${bad.join(", ")}; allowed: ${SERVICES.join(", ")}`);
    only = names.filter(isService);
  }
  return {
    stack: flags.stack,
    only,
    endpoints: flags.endpoints,
    profile: flags.profile ?? path.join(REPO_ROOT, "loadtests", "gates", `${flags.stack}.json`),
    out: flags.out ?? path.join(REPO_ROOT, "out", "gate", flags.stack),
    dashboard,
  };
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const k6 = resolveK6();
  const profile = readProfile(args.profile);
  const { endpoints, warnings } = args.endpoints ? readEndpointsFile(args.endpoints) : readStackEndpoints(args.stack);
  warnings.forEach((w) => console.warn(`warning: ${w}`));
  const report = await runGate({
    stack: args.stack,
    profile,
    endpoints: endpoints as Endpoints,
    k6,
    outDir: args.out,
    only: args.only,
    dashboard: args.dashboard,
    echo: (s) => process.stdout.write(s),
  });
  console.log(`\n${verdictTable(report)}\n`);
  for (const v of report.services) {
    for (const f of failedThresholds(v)) console.error(`FAILED threshold [${v.service}] ${f}`);
    if (v.status === "error") console.error(`ERROR [${v.service}] ${v.reason ?? ""}`);
  }
  console.log(`reports: ${args.out}/{summary.json,junit.xml,report.md}`);
  if (!report.services.some((s) => s.status !== "skipped")) console.error("nothing was tested: every service was skipped");
  return report.passed ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`gate: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}
