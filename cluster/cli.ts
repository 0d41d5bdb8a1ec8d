// The command lines: `npm run cluster -- build|up|down|status` and `npm run cluster-check -- --stack <name>`.
import type { CliSpec, Parsed } from "../lib/cli";
import { UsageError } from "../lib/cli";
import { REPO_ROOT } from "../lib/repo";
import { cachedPlan } from "../plan/planCache";
import { readStackConfig, validateStackConfig } from "../config/stackFile";
import { ALL_MODULES, buildModules, CONTROL_PLANE_MODULES, OPTIONAL_MODULES } from "./build";
import { applyObjects, awaitWorkloads, createNodes, type Finding, orderedObjects, quotaHeadroom } from "./check";
import { clusterDir, down, freePort, readState, recordProcess, up } from "./controlPlane";
import { KubeClient } from "./kubeClient";
import { clusterProvidedObjects, nodeShapes } from "./nodes";
import { exitedOperators, startOperators } from "./operators";

export const CLUSTER_ACTIONS = ["build", "up", "down", "status"] as const;

export const CLUSTER_CLI = {
  command: "npm run cluster -- <build|up|down|status>",
  summary:
    "The kit's local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok), built from the Go module proxy and run on 127.0.0.1 only. build: build the programs (setup does); up: start a fresh cluster; down: stop it; status: say whether one runs.",
  flags: { "with-keda": { help: "build: also KEDA's operator (about 8 minutes more when Go's build cache is cold)" } },
  notes: ["environment: ODS_CLUSTER_DIR (state, logs, kubeconfig; default .cache/cluster), ODS_CLUSTER_BIN (programs; default .tools/cluster/bin)"],
} satisfies CliSpec<"with-keda">;

/** Splits the action off the arguments (`up --help` works too). */
export function clusterAction(argv: readonly string[]): { action: (typeof CLUSTER_ACTIONS)[number] | undefined; rest: string[] } {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith("-")) return { action: undefined, rest: [...argv] };
  if (!(CLUSTER_ACTIONS as readonly string[]).includes(first)) throw new UsageError(`unknown action ${JSON.stringify(first)}; allowed: ${CLUSTER_ACTIONS.join(", ")}`);
  return { action: first as (typeof CLUSTER_ACTIONS)[number], rest };
}

export async function clusterActionMain(action: (typeof CLUSTER_ACTIONS)[number] | undefined, args?: Parsed<"with-keda">): Promise<number> {
  switch (action) {
    case "build":
      buildModules(args?.switches["with-keda"] ? [...ALL_MODULES, ...OPTIONAL_MODULES] : ALL_MODULES);
      return 0;
    case "up": {
      buildModules(CONTROL_PLANE_MODULES);
      const s = await up();
      console.log(`export KUBECONFIG=${s.kubeconfig}`);
      return 0;
    }
    case "down":
      await down();
      return 0;
    case "status": {
      const s = readState();
      if (!s) {
        console.log(`no cluster in ${clusterDir()}`);
        return 1;
      }
      const client = KubeClient.fromKubeconfig(s.kubeconfig);
      const ready = await client.raw("GET", "/readyz").then((r) => r.status === 200, () => false);
      client.close();
      console.log(`${ready ? "up" : "not answering"} at ${s.server} since ${s.startedAt}; kubeconfig ${s.kubeconfig}`);
      return ready ? 0 : 1;
    }
    default:
      throw new UsageError(`an action is required: ${CLUSTER_ACTIONS.join(", ")}`);
  }
}

export const CLUSTER_CHECK_CLI = {
  command: "npm run cluster-check --",
  summary:
    "Applies a stack's planned objects to a real API server in `pulumi up` order. Without --kubeconfig: on a fresh local cluster with fake nodes shaped like the stack's node groups, then every workload (the operators' too) must become ready and every quota must hold a rolling surge and the scheduled Jobs. With --kubeconfig and --dry-run=server: asks your cluster whether it would admit each object, changing nothing.",
  flags: {
    stack: { value: true, required: true, placeholder: "NAME", help: "stack to check (stacks/Pulumi.<NAME>.yaml)" },
    kubeconfig: { value: true, placeholder: "FILE", help: "check against this cluster instead of a local one (needs --dry-run=server)" },
    context: { value: true, placeholder: "NAME", help: "context of --kubeconfig (default: its current context)" },
    "dry-run": { value: true, placeholder: "server", help: "only `server`: the API server admits each object without storing it" },
    timeout: { value: true, placeholder: "SECONDS", default: "180", help: "how long workloads may take to become ready" },
    keep: { help: "leave the local cluster running afterwards (for a look with kubectl)" },
  },
  notes: ["exit codes: 0 no findings, 1 findings (each names the object and the reason), 2 usage or setup error"],
} satisfies CliSpec<string>;

export interface CheckReport {
  stack: string;
  applied: number;
  skipped: { object: string; reason: string }[];
  unchecked: { object: string; reason: string }[];
  ready: string[];
  cronJobs: string[];
  /** Operators run as local processes, and the planned Deployment each stands for. */
  operators: string[];
  findings: Finding[];
}

export interface CheckOptions {
  stack: string;
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  timeoutMs?: number;
  keep?: boolean;
  /** Local cluster folder (default: clusterDir()). */
  dir?: string;
  /** Workloads a planted defect keeps from ever being ready: waiting ends once only they are left, each with its reason. */
  expectFailing?: readonly string[];
  /** Applied to the plan's objects before they go out: the tests' way of planting a defect. */
  mutate?: (objects: ReturnType<typeof orderedObjects>) => void;
  log?: (line: string) => void;
}

/** The whole check of one stack; findings are returned, not thrown. */
export async function clusterCheck(opts: CheckOptions): Promise<CheckReport> {
  const log = opts.log ?? ((l: string) => console.error(l));
  if (opts.kubeconfig && !opts.dryRun) throw new UsageError("against your own cluster the check only asks (--dry-run=server); `pulumi up` is what changes it");
  const stackConfig = readStackConfig(REPO_ROOT, opts.stack);
  const config = validateStackConfig(stackConfig);
  const plan = await cachedPlan(opts.stack);
  const ordered = orderedObjects(plan.resources);
  opts.mutate?.(ordered);
  const report: CheckReport = { stack: opts.stack, applied: 0, skipped: ordered.skipped, unchecked: [], ready: [], cronJobs: [], operators: [], findings: [] };

  if (opts.kubeconfig) {
    const client = KubeClient.fromKubeconfig(opts.kubeconfig, opts.context);
    try {
      await client.checkAccess();
      const applied = await applyObjects(client, ordered.objects, { dryRun: true, log });
      return { ...report, applied: applied.applied.length, unchecked: applied.unchecked, findings: applied.findings };
    } finally {
      client.close();
    }
  }

  buildModules(ALL_MODULES, log);
  const started = Date.now();
  const secs = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const state = await up({ dir: opts.dir, log });
  log(`cluster-check: cluster up after ${secs()}`);
  const dir = opts.dir ?? clusterDir();
  const client = KubeClient.fromKubeconfig(state.kubeconfig);
  try {
    const shapes = nodeShapes(plan.resources, config);
    await createNodes(client, shapes);
    for (const o of clusterProvidedObjects(config)) await client.apply(o);
    log(`cluster-check: ${shapes.length} fake nodes (${[...new Set(shapes.map((s) => `${s.group}: ${s.instanceType ?? `${s.cpuMilli / 1000} CPU`}`))].join(", ")})`);
    const applied = await applyObjects(client, ordered.objects, { dryRun: opts.dryRun, log });
    report.applied = applied.applied.length;
    report.findings.push(...applied.findings);
    log(`cluster-check: ${applied.applied.length} objects accepted, ${applied.findings.length} refused, ${ordered.skipped.length} skipped (after ${secs()})`);
    if (!opts.dryRun) {
      const ops = await startOperators(
        ordered.objects.map((p) => p.object),
        { port: freePort, dir, kubeconfig: state.kubeconfig, server: state.server },
      );
      for (const o of ops.started) recordProcess(o.name, o.pid, dir);
      report.operators = ops.started.map((o) => `${o.name} (for ${o.for})`);
      if (ops.notRun.length) log(`cluster-check: not run (optional, not built): ${ops.notRun.join(", ")}; \`npm run cluster -- build --with-keda\` builds it`);
      for (const n of ops.notBuilt) report.findings.push({ class: "not-ready", object: n, reason: "the plan deploys this operator but its binary is not built; run `npm run cluster -- build`" });
      log(`cluster-check: operators running as local processes: ${report.operators.join(", ") || "none"}`);
      const waited = await awaitWorkloads(client, { timeoutMs: opts.timeoutMs ?? 180_000, log, operatorKinds: ops.kinds, expectFailing: opts.expectFailing && new Set(opts.expectFailing) });
      report.ready = waited.ready;
      log(`cluster-check: workloads settled after ${secs()}`);
      report.cronJobs = waited.cronJobs;
      report.unchecked.push(...waited.unchecked);
      report.findings.push(...waited.findings);
      report.findings.push(...(await quotaHeadroom(client)));
      for (const e of exitedOperators(ops.started, dir)) report.findings.push({ class: "not-ready", object: `operator ${e.name}`, reason: `exited while the check ran; the end of its log:\n${e.log}` });
    }
    return report;
  } finally {
    client.close();
    if (!opts.keep) await down({ dir: opts.dir, log });
  }
}

export function reportText(r: CheckReport): string {
  const lines = [`cluster-check ${r.stack}: ${r.applied} objects accepted, ${r.ready.length} workloads ready, ${r.cronJobs.length} CronJobs run once, ${r.findings.length} findings`];
  if (r.operators.length) lines.push(`  operators run: ${r.operators.join(", ")}`);
  for (const s of r.skipped) lines.push(`  skipped ${s.object}: ${s.reason}`);
  for (const u of r.unchecked) lines.push(`  unchecked ${u.object}: ${u.reason}`);
  for (const f of r.findings) lines.push(`  FAIL [${f.class}] ${f.object}: ${f.reason}`);
  return lines.join("\n");
}

export async function clusterCheckMain({ values, switches }: Parsed<keyof typeof CLUSTER_CHECK_CLI.flags>): Promise<number> {
  const dryRun = values["dry-run"];
  if (dryRun !== undefined && dryRun !== "server") throw new UsageError(`--dry-run=${dryRun}: allowed: server`);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 3600) throw new UsageError(`--timeout ${values.timeout}: allowed: whole seconds from 1 to 3600`);
  const report = await clusterCheck({
    stack: values.stack as string,
    kubeconfig: values.kubeconfig,
    context: values.context,
    dryRun: dryRun === "server",
    timeoutMs: timeout * 1000,
    keep: switches.keep,
  });
  console.log(reportText(report));
  return report.findings.length > 0 ? 1 : 0;
}
