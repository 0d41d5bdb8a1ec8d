// `npm run gate -- --stack <name>`: the performance gate (k6) against a deployed stack's endpoints.
import * as path from "node:path";
import { parseCli, Parsed, runCli, UsageError } from "../lib/cli";
import { repoPath } from "../lib/repo";
import { checkStackName } from "../lib/stackName";
import { Endpoints, readEndpointsFile, readStackEndpoints } from "../loadtests/runner/endpoints";
import { runGate } from "../loadtests/runner/gate";
import { resolveK6 } from "../loadtests/runner/k6";
import { isService, readProfile, Service, SERVICES } from "../loadtests/runner/profile";
import { failedThresholds, verdictTable } from "../loadtests/runner/report";
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
  },
  notes: [
    "the gate passes when every service the profile lists under \"required\" was tested and passed, and every other tested service passed;",
    "a service without an endpoint is skipped, or missing (a failure) when required. --only narrows the run, never the requirement.",
    "exit codes: 0 passed, 1 a threshold failed, a required service was not tested or a run broke, 2 usage or setup error.",
    "the llm thresholds (TTFT, TPOT, E2E, goodput) come from the stack's SLO, ods:model.slo in stacks/Pulumi.<stack>.yaml, or from --slo when the stack has no stack file.",
    "credentials come from the environment: LLM_API_KEY, ODS_API_TOKEN, MILVUS_TOKEN, KEYCLOAK_CLIENT_SECRET.",
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
}

/** Checks what the parser cannot: the stack name's characters and the --only service names. */
export function gateArgs(p: Parsed<GateFlag>): GateArgs {
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
  return {
    stack,
    only,
    endpoints: p.values.endpoints,
    slo: p.values.slo,
    profile: p.values.profile ?? repoPath("loadtests", "profiles", `${stack}.json`),
    out: p.values.out ?? repoPath("out", "gate", stack),
    dashboard: !p.switches["no-dashboard"],
  };
}

/** Parses a gate command line (for tests and the CLI). */
export function parseGateArgs(argv: string[]): GateArgs {
  return gateArgs(parseCli(argv, GATE_CLI));
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
  return report.passed ? 0 : 1;
}

if (require.main === module) runCli(GATE_CLI, main);
