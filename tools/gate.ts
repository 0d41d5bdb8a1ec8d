// `npm run gate -- --stack <name>`: the performance gate (k6) against a deployed stack's endpoints.
import * as path from "node:path";
import { parseCli, Parsed, runCli, UsageError } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { checkStackName } from "../lib/stackName";
import { Endpoints, readEndpointsFile, readStackEndpoints } from "../loadtests/runner/endpoints";
import { runGate } from "../loadtests/runner/gate";
import { resolveK6 } from "../loadtests/runner/k6";
import { isService, readProfile, Service, SERVICES } from "../loadtests/runner/profile";
import { pushGateMetrics, pushUrl } from "../loadtests/runner/push";
import { failedThresholds, GateReport, verdictTable } from "../loadtests/runner/report";
import { resolveSlo } from "../loadtests/runner/slo";

export const GATE_CLI = {
  command: "npm run gate --",
  summary: "Runs the k6 load tests of the stack's gate profile against its deployed endpoints (stack output `endpoints`) and fails on a missed threshold.",
  flags: {
    stack: { value: true, required: true, placeholder: "NAME", help: "stack whose endpoints and profile are used" },
    only: { value: true, placeholder: "SERVICES", help: `run only these (comma-separated: ${SERVICES.join(", ")}); required services left out fail the gate` },
    endpoints: { value: true, placeholder: "FILE", help: "endpoints JSON instead of `pulumi stack output endpoints`" },
    profile: { value: true, placeholder: "FILE", help: "gate profile instead of loadtests/profiles/<stack>.json" },
    slo: { value: true, placeholder: "percentile=P,ttftMs=N,tpotMs=N,goodput=G", help: "LLM SLO for a --stack without a stack file (e.g. a local target); refused when stacks/Pulumi.<stack>.yaml exists" },
    out: { value: true, placeholder: "DIR", help: "report folder instead of out/gate/<stack>" },
    "no-dashboard": { help: "skip k6's HTML dashboards" },
    pushgateway: { value: true, placeholder: "URL", help: "after the verdict, PUT it to this Prometheus Pushgateway (group job=ods-gate, stack=<stack>) for the gate dashboard; default $ODS_PUSHGATEWAY_URL" },
  },
  notes: [
    "the gate passes when every service the profile lists under \"required\" was tested and passed, and every other tested service passed;",
    "a service without an endpoint is skipped, or missing (a failure) when required. --only narrows the run, never the requirement.",
    "exit codes: 0 passed, 1 a threshold failed, a required service was not tested or a run broke, 2 usage or setup error.",
    "the llm thresholds (TTFT, TPOT, E2E, goodput) come from the stack's SLO, ods:model.slo in stacks/Pulumi.<stack>.yaml, or from --slo when the stack has no stack file.",
    "credentials come from the environment: LLM_API_KEY, ODS_API_TOKEN, MILVUS_TOKEN, KEYCLOAK_CLIENT_SECRET.",
    "a failed push (Pushgateway unreachable or not 2xx) is reported on stderr and leaves the exit code to the verdict.",
  ],
} as const;

type GateFlag = keyof typeof GATE_CLI.flags;

export interface GateArgs {
  stack: string;
  only?: Service[];
  endpoints?: string;
  /** --slo's value: the LLM SLO for a stack without a stack file. */
  slo?: string;
  profile: string;
  out: string;
  dashboard: boolean;
  /** Where the verdict is PUT (the stack's Pushgateway group URL), from --pushgateway or ODS_PUSHGATEWAY_URL; none = no push. */
  pushUrl?: string;
}

/** Checks what the parser cannot: the stack name's characters and the --only service names. */
export function gateArgs(p: Parsed<GateFlag>, env: NodeJS.ProcessEnv = process.env): GateArgs {
  const stack = p.values.stack as string;
  try {
    checkStackName(stack);
  } catch (e) {
    throw new UsageError(`--stack: ${(e as Error).message}`);
  }
  let only: Service[] | undefined;
  if (p.values.only) {
    const names = p.values.only.split(",").map((s) => s.trim());
    const bad = names.filter((s) => !isService(s));
    if (bad.length) throw new UsageError(`--only: unknown service ${bad.join(", ")}; allowed: ${SERVICES.join(", ")}`);
    only = names.filter(isService);
  }
  // The flag wins over the variable; an empty variable means none (CI templates often set it empty).
  const [push, from] = p.values.pushgateway !== undefined ? [p.values.pushgateway, "--pushgateway"] : [env.ODS_PUSHGATEWAY_URL || undefined, "ODS_PUSHGATEWAY_URL"];
  let pushTo: string | undefined;
  if (push !== undefined) {
    try {
      pushTo = pushUrl(push, stack, from);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return {
    stack,
    only,
    endpoints: p.values.endpoints,
    slo: p.values.slo,
    profile: p.values.profile ?? repoPath("loadtests", "profiles", `${stack}.json`),
    out: p.values.out ?? repoPath("out", "gate", stack),
    dashboard: !p.switches["no-dashboard"],
    ...(pushTo ? { pushUrl: pushTo } : {}),
  };
}

/** Parses a gate command line (for tests and the CLI). */
export function parseGateArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): GateArgs {
  return gateArgs(parseCli(argv, GATE_CLI), env);
}

/**
 * After the verdict: pushes it when a Pushgateway is configured and returns the exit code, which is
 * the verdict's (0 passed, 1 failed) whether or not the push worked. A monitoring outage must neither
 * block a release that passed nor mask a failed gate; a failed push is an ERROR line on stderr, and the
 * dashboard's "last run" age shows that the verdict there is old.
 */
export async function publishVerdict(report: GateReport, pushTo: string | undefined, finishedAt: Date, log: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (pushTo) {
    const r = await pushGateMetrics(pushTo, report, finishedAt);
    if (r.ok) log.out(`verdict pushed to ${r.url} (HTTP ${r.status})`);
    else log.err(`ERROR pushing the verdict to ${r.url}: ${r.error}; the exit code is the verdict's`);
  }
  return report.passed ? 0 : 1;
}

async function main(parsed: Parsed<GateFlag>): Promise<number> {
  const args = gateArgs(parsed);
  const k6 = resolveK6();
  const profile = readProfile(args.profile);
  // The SLO is needed only when the llm service may run; resolved before anything runs, so a stack
  // without ods:model.slo fails as a setup error, not halfway through.
  const llmSelected = profile.services.llm !== undefined && (!args.only || args.only.includes("llm"));
  const slo = llmSelected || args.slo !== undefined ? resolveSlo({ stack: args.stack, flag: args.slo }) : undefined;
  if (slo) console.log(`llm SLO: p(${slo.percentile}) TTFT < ${slo.ttftMs} ms, p(${slo.percentile}) TPOT < ${slo.tpotMs} ms, goodput >= ${slo.goodput}`);
  const { endpoints, warnings } = args.endpoints ? readEndpointsFile(args.endpoints) : readStackEndpoints(args.stack);
  warnings.forEach((w) => console.warn(`warning: ${w}`));
  const report = await runGate({
    stack: args.stack,
    profile,
    slo,
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
    if (v.status === "missing") console.error(`MISSING [${v.service}] ${v.reason ?? ""}`);
  }
  console.log(`reports: ${path.join(args.out, "{summary.json,junit.xml,report.md}")}`);
  if (!report.services.some((s) => s.status === "passed" || s.status === "failed" || s.status === "error")) console.error("nothing was tested: every service was skipped or missing");
  return publishVerdict(report, args.pushUrl, new Date(), { out: (s) => console.log(s), err: (s) => console.error(s) });
}

if (require.main === module) runCli(GATE_CLI, main);
