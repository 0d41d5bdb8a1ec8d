// The operators whose pods the plan cannot see, run as local processes against the check's cluster,
// configured as the plan configures them: the arguments and environment of the planned Deployment
// that runs the operator's image, with every listening address moved to 127.0.0.1 and every path of
// the pod's filesystem moved into the cluster's folder. The operator's own planned pod stays as kwok
// runs it (ready, doing nothing); the local process does its work.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { GoModule } from "./build";
import { binaryName, binaryPath, CERT_MANAGER_MODULE, isBuilt, KEDA_MODULE, MOCO_MODULE, OPTIONAL_MODULES, PROMETHEUS_OPERATOR_MODULE } from "./build";
import { alive, tail } from "./controlPlane";
import type { KubeObject } from "./kubeClient";

export interface OperatorContext {
  /** A free port on 127.0.0.1. */
  port: () => Promise<number>;
  /** The cluster's folder (pki/, logs/). */
  dir: string;
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
}

export interface OperatorSpec {
  /** Binary name (and log file name). */
  name: string;
  module: GoModule;
  /** Matches the image of the planned container that runs the operator. */
  image: RegExp;
  /** Flags replaced or added (listening addresses, certificate folders, the kubeconfig). */
  overrides(ctx: OperatorContext): Promise<Record<string, string>>;
  /** Kinds whose readiness is this operator's work: checked only while it runs. */
  kinds?: readonly string[];
  /** Environment a pod has without asking for it, which the process needs (the namespace its service-account token file would tell). */
  podEnv?(namespace: string): Record<string, string>;
}

/** A folder holding tls.crt, tls.key and ca.crt from the cluster's CA (webhook and gRPC servers need one to start). */
function certDir(ctx: OperatorContext, name: string): string {
  const dir = path.join(ctx.dir, "operators", name);
  fs.mkdirSync(dir, { recursive: true });
  const pki = path.join(ctx.dir, "pki");
  fs.copyFileSync(path.join(pki, "apiserver.crt"), path.join(dir, "tls.crt"));
  fs.copyFileSync(path.join(pki, "apiserver.key"), path.join(dir, "tls.key"));
  fs.copyFileSync(path.join(pki, "ca.crt"), path.join(dir, "ca.crt"));
  return dir;
}

export const OPERATORS: readonly OperatorSpec[] = [
  {
    name: "moco-controller",
    module: MOCO_MODULE,
    image: /(^|\/)cybozu-go\/moco:/,
    overrides: async (ctx) => ({
      "--metrics-addr": `127.0.0.1:${await ctx.port()}`,
      "--health-probe-addr": `127.0.0.1:${await ctx.port()}`,
      "--webhook-addr": `127.0.0.1:${await ctx.port()}`,
      "--cert-dir": certDir(ctx, "moco-webhook"),
      "--grpc-cert-dir": certDir(ctx, "moco-grpc"),
    }),
  },
  {
    name: "operator",
    module: PROMETHEUS_OPERATOR_MODULE,
    image: /(^|\/)prometheus-operator\/prometheus-operator:/,
    overrides: async (ctx) => ({
      "--web.listen-address": `127.0.0.1:${await ctx.port()}`,
      // It takes no kubeconfig: the API server and the admin's client certificate instead.
      "--apiserver": ctx.server,
      "--ca-file": path.join(ctx.dir, "pki", "ca.crt"),
      "--cert-file": path.join(ctx.dir, "pki", "admin.crt"),
      "--key-file": path.join(ctx.dir, "pki", "admin.key"),
    }),
  },
  {
    // The release's issuer and certificate controllers, from its library packages (cluster/go/cert-manager/main.go).
    name: "cert-manager-controller",
    module: CERT_MANAGER_MODULE,
    image: /(^|\/)jetstack\/cert-manager-controller:/,
    kinds: ["Certificate"],
    overrides: async (ctx) => ({ "--kubeconfig": ctx.kubeconfig }),
  },
  {
    // Turns each ScaledObject into an HPA. Its admission webhook is skipped, so it neither rotates
    // certificates into a Secret nor patches the webhook's CA bundle here.
    name: "keda-operator",
    module: KEDA_MODULE,
    image: /(^|\/)kedacore\/keda:/,
    kinds: ["ScaledObject"],
    overrides: async (ctx) => ({
      "--kubeconfig": ctx.kubeconfig,
      "--leader-elect": "false",
      "--metrics-bind-address": `127.0.0.1:${await ctx.port()}`,
      "--health-probe-bind-address": `127.0.0.1:${await ctx.port()}`,
      "--metrics-service-bind-address": `127.0.0.1:${await ctx.port()}`,
      "--cert-dir": certDir(ctx, "keda"),
      "--enable-cert-rotation": "false",
      "--enable-webhook-patching": "false",
    }),
    podEnv: (namespace) => ({ KEDA_CLUSTER_OBJECT_NAMESPACE: namespace }),
  },
];

/** ["--a", "x", "--b=y", "--c"] -> [["--a", "x"], ["--b", "y"], ["--c", undefined]]. */
export function flagPairs(args: readonly string[]): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf("=");
    if (a.startsWith("-") && eq > 0) out.push([a.slice(0, eq), a.slice(eq + 1)]);
    else if (a.startsWith("-") && i + 1 < args.length && !args[i + 1].startsWith("-")) out.push([a, args[++i]]);
    else out.push([a, undefined]);
  }
  return out;
}

/**
 * The planned arguments with `$(VAR)` expanded from the container's environment (as the kubelet
 * expands them) and the overrides applied (replaced where given, added where not).
 */
export function operatorArgs(planned: readonly string[], overrides: Record<string, string>, env: Record<string, string> = {}): string[] {
  const expanded = planned.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m));
  const kept = flagPairs(expanded).filter(([f]) => !(f in overrides));
  return [...kept, ...Object.entries(overrides)].map(([f, v]) => (v === undefined ? f : `${f}=${v}`));
}

interface Container {
  image?: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

/**
 * HTTP(S) and gRPC requests to anything but the API server (a Service's DNS name, an ACME server) go to
 * a loopback port where nothing listens: refused at once, with no DNS lookup leaving the machine. Go
 * never proxies requests to loopback addresses, so the API server is reached directly.
 */
async function closedProxy(ctx: OperatorContext): Promise<Record<string, string>> {
  const proxy = `http://127.0.0.1:${await ctx.port()}`;
  return { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy, NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost" };
}

/** The planned Deployment and container that run an operator's image. */
export function plannedOperator(objects: readonly KubeObject[], spec: OperatorSpec): { deployment: KubeObject; container: Container } | undefined {
  for (const o of objects) {
    if (o.kind !== "Deployment") continue;
    const containers = ((o.spec as { template?: { spec?: { containers?: Container[] } } }).template?.spec?.containers ?? []) as Container[];
    const c = containers.find((x) => x.image && spec.image.test(x.image));
    if (c) return { deployment: o, container: c };
  }
  return undefined;
}

/** The container's environment as the process gets it: plain values, and the pod's namespace and name from the downward API. */
function operatorEnv(d: KubeObject, c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    const f = e.valueFrom?.fieldRef?.fieldPath;
    if (f === "metadata.namespace") env[e.name] = d.metadata.namespace ?? "default";
    if (f === "metadata.name") env[e.name] = `${d.metadata.name}-local`;
  }
  return env;
}

export interface StartedOperator {
  name: string;
  pid: number;
  /** "<namespace>/<name>" of the planned Deployment it stands for. */
  for: string;
  args: string[];
}

/** Starts each operator the plan deploys (and whose binary is built); the rest are reported by the caller. */
export async function startOperators(
  objects: readonly KubeObject[],
  ctx: OperatorContext,
  specs: readonly OperatorSpec[] = OPERATORS,
): Promise<{ started: StartedOperator[]; notBuilt: string[]; notRun: string[]; kinds: Set<string> }> {
  const started: StartedOperator[] = [];
  const notBuilt: string[] = [];
  const notRun: string[] = [];
  const kinds = new Set<string>();
  for (const spec of specs) {
    const planned = plannedOperator(objects, spec);
    if (!planned) continue;
    if (!isBuilt(spec.module)) {
      if (OPTIONAL_MODULES.includes(spec.module)) notRun.push(spec.name);
      else notBuilt.push(spec.name);
      continue;
    }
    for (const k of spec.kinds ?? []) kinds.add(k);
    const env = { ...(spec.podEnv?.(planned.deployment.metadata.namespace ?? "default") ?? {}), ...operatorEnv(planned.deployment, planned.container) };
    const args = operatorArgs(planned.container.args ?? [], await spec.overrides(ctx), env);
    const logDir = path.join(ctx.dir, "logs");
    fs.mkdirSync(logDir, { recursive: true });
    const log = fs.openSync(path.join(logDir, `${spec.name}.log`), "a");
    const child = spawn(binaryPath(binaryName(spec.module.packages[0], spec.module)), args, {
      detached: true,
      stdio: ["ignore", log, log],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, KUBECONFIG: ctx.kubeconfig, ...(await closedProxy(ctx)) },
    });
    fs.closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`${spec.name} did not start`);
    started.push({ name: spec.name, pid: child.pid, for: `${planned.deployment.metadata.namespace}/${planned.deployment.metadata.name}`, args });
  }
  return { started, notBuilt, notRun, kinds };
}

/** Operators that have exited (each with the end of its log): a finding, as their work is not done. */
export function exitedOperators(started: readonly StartedOperator[], dir: string): { name: string; log: string }[] {
  const out: { name: string; log: string }[] = [];
  for (const o of started) {
    if (!alive(o.pid)) out.push({ name: o.name, log: tail(path.join(dir, "logs", `${o.name}.log`), 5) });
  }
  return out;
}
