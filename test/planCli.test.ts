// The plan as a user runs it: files written, summary printed, exit codes for schema and config errors.
// The command runs in this process on plans shared through the plan cache (each planned once, by the
// real planner in a process of its own); `npm run plan`'s entry point runs in its own process too.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PLAN_CLI, planCommand } from "../plan/cli";
import { cachedPlan } from "../plan/planCache";
import { runInProcess } from "./cli";

const ROOT = path.resolve(__dirname, "..");

function spawnedPlan(args: string[]) {
  return spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "tools/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
}

function plan(args: string[]) {
  return runInProcess(PLAN_CLI, args, planCommand({ plan: cachedPlan, hook: () => undefined }));
}

test("writes resources.json, manifests and a per-layer summary; the command in its own process verifies them", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "ods-plan-"));
  const res = await plan(["--stack", "staging", "--out", out]);
  expect(res.stderr).toBe("");
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/^Offline plan of stack "staging": \d+ resources/);
  expect(res.stdout).toMatch(/ {2}infra \(\d+\)\n/);
  expect(res.stdout).toContain("schema errors: 0");
  // Staging renders the GPU operator, cert-manager, MOCO, redis-ha and Milvus.
  expect(res.stdout).toMatch(/Kubernetes objects: \d+, \d+ declared and \d+ rendered from charts \(schema errors: 0\); Helm charts\/releases: 12, rendered with Helm into \d+ objects/);
  expect(res.stdout).toContain("placeholders");
  const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; parent: string | null; urn: string; inputs: Record<string, unknown> }[];
  expect(Object.keys(resources[0]).sort()).toEqual(["inputs", "name", "parent", "type", "urn"]);
  const daemonSet = resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!;
  expect(daemonSet.parent).toBe("ods-staging-gpu-operator-chart");
  expect(daemonSet.urn).toBe(`urn:pulumi:staging::ods::ods:infra:GpuOperator$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:DaemonSet::${daemonSet.name}`);
  const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
  expect(provider.inputs.kubeconfig).toBe("[secret]");
  expect(fs.readFileSync(path.join(out, "resources.json"), "utf8")).not.toContain("get-token");
  const manifests = fs.readdirSync(path.join(out, "manifests"));
  expect(manifests).toContain("namespace.ods-model.yaml");
  expect(manifests).toContain("resourcequota.ods-model.layer-quota.yaml");
  expect(manifests).toContain("helm.ods-staging-gpu-operator-chart.values.yaml");
  expect(fs.readFileSync(path.join(out, "manifests", "helm.ods-staging-gpu-operator-chart.values.yaml"), "utf8")).toContain("version: v26.7.0");
  expect(fs.readFileSync(path.join(out, "manifests", "clusterpolicy.cluster-policy.yaml"), "utf8")).toMatch(
    /^# from kubernetes:nvidia.com\/v1:ClusterPolicy "ods-staging-gpu-operator-chart:cluster-policy", rendered by kubernetes:helm.sh\/v4:Chart "ods-staging-gpu-operator-chart" \(chart gpu-operator v26.7.0\)\n/,
  );
  // `npm run plan`'s own entry point, in a process of its own: the folder is a complete, current plan.
  const verified = spawnedPlan(["--stack", "staging", "--verify", out]);
  expect([verified.status, verified.stderr]).toEqual([0, ""]);
  expect(verified.stdout.startsWith(`${out}: complete plan of stack staging, finished `)).toBe(true);
  const wrong = await plan(["--stack", "prod", "--verify", out]);
  expect(wrong.status).toBe(1);
  expect(wrong.stderr).toContain("is a plan of stack staging, not prod");
  fs.rmSync(out, { recursive: true, force: true });
});

test("--no-charts records each chart as one resource with its values, for comparison", async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "ods-plan-"));
  const res = await plan(["--stack", "staging", "--out", out, "--no-charts"]);
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/Kubernetes objects: \d+ \(schema errors: 0\); Helm charts\/releases: 12, not rendered \(--no-charts; custom resources of chart-installed CRDs unchecked\)/);
  const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; parent: string | null }[];
  expect(resources.filter((r) => r.parent === "ods-staging-gpu-operator-chart")).toEqual([]);
  expect(fs.readdirSync(path.join(out, "manifests"))).not.toContain("clusterpolicy.cluster-policy.yaml");
  fs.rmSync(out, { recursive: true, force: true });
});

test("invalid config exits 2 with the key, the value and what is allowed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-bad-"));
  const file = path.join(dir, "Pulumi.bad.yaml");
  fs.writeFileSync(file, "config:\n  ods:environment: t\n  ods:domain: t.example.com\n  ods:infra:\n    kind: gcp\n");
  const res = await plan(["--stack", "bad", "--stack-file", file, "--out", path.join(dir, "out")]);
  expect(res.status).toBe(2);
  expect(res.stderr).toContain(`ods:infra.kind = "gcp": allowed: one of "aws", "existing"`);
  expect(res.stdout).toBe("");
  expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a stack without a config file is named, with the stacks that exist", async () => {
  const res = await plan(["--stack", "nope"]);
  expect(res.status).toBe(2);
  expect(res.stderr).toContain('no config for stack "nope": stacks/Pulumi.nope.yaml does not exist; stacks with config: dev, local, prod, staging');
});

test("unknown flags are refused", async () => {
  const res = await plan(["--stak", "prod"]);
  expect(res.status).toBe(2);
  expect(res.stderr).toContain("unknown flag --stak; allowed flags: --stack, --out, --stack-file, --chart-cache, --no-charts, --verify, --help");
});

test("--help prints every option with its meaning and the exit codes, and plans nothing", async () => {
  const res = await plan(["--help"]);
  expect(res.status).toBe(0);
  expect(res.stdout).toMatch(/^usage: npm run plan -- \[--stack NAME\] \[--out DIR\]/);
  for (const flag of ["--stack NAME", "--out DIR", "--stack-file FILE", "--chart-cache DIR", "--no-charts", "--verify DIR", "--help"]) expect(res.stdout).toContain(flag);
  expect(res.stdout).toContain("exit codes: 0 planned");
  expect(res.stdout).not.toContain("Offline plan of stack");
});
