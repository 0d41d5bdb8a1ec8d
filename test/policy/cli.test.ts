// The policy check CLI: exit codes and output for a clean and a failing run, in this process on plans
// shared through the plan cache (each planned once, by the real planner in a process of its own), and
// `npm run policy` itself in a process of its own.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedPlan } from "../../plan/planCache";
import { POLICY_CLI, policyCommand } from "../../policy-check/cli";
import { policies } from "../../policies/rules";
import { runInProcess } from "../cli";
import { WORLD_OPEN_REASON, worldOpenStaging } from "./worldOpen";

const ROOT = path.join(__dirname, "..", "..");

async function gate(...args: string[]) {
  const r = await runInProcess(POLICY_CLI, args, policyCommand({ plan: cachedPlan }));
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm run policy", () => {
  it("passes the prod plan with the prod config", async () => {
    const r = await gate("--stack", "prod");
    // prod runs every rule, all of them mandatory.
    expect(r.out).toContain(`policy check, stack prod: ${policies.length} rules (${policies.length} mandatory)`);
    expect(r.out).toContain("mandatory violations: 0");
    // The GPU operator's four exemptions are listed with their reasons; the empty passes are named.
    expect(r.out).toMatch(/exemptions used \(\d+\):\n {2}k8s-no-privilege-escalation: Deployment ods-gpu\/gpu-operator \(1 finding suppressed\)\n {6}reason: /);
    expect(r.out).toContain("  k8s-no-host-access: DaemonSet ods-gpu/ods-prod-gpu-operator-chart-node-feature-discovery-worker (7 findings suppressed)");
    expect(r.out).toMatch(/\n {2}k8s-image-pinned +\d+ {2}mandatory\n/);
    expect(r.out).toMatch(/nothing to check \(no resource of the kinds they look at, so they passed empty\): .*minio-no-public-buckets/);
    expect(r.out).toMatch(/\n {2}keycloak-realm-ssl-required +1 {2}mandatory\n/);
    expect(r.code).toBe(0);
  });

  it("exits 1 and prints the violation, rule and fix when a mandatory rule fails", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const config = path.join(dir, "prod-strict.json");
    // The prod pack config with the GPU node cap lowered to 1: the pools' total (8 + 2 nodes) must fail it,
    // and nothing else (the GPU operator's rendered objects keep their exemptions).
    expect((await gate("--stack", "prod", "--emit-config", config)).code).toBe(0);
    const cfg = JSON.parse(fs.readFileSync(config, "utf8")) as Record<string, Record<string, unknown>>;
    cfg["gpu-nodegroup-max-size"].maxGpuNodes = 1;
    fs.writeFileSync(config, JSON.stringify(cfg));
    const r = await gate("--stack", "prod", "--config", config);
    expect(r.out).toContain(
      "[mandatory] gpu-nodegroup-max-size: (stack)\n    GPU node groups can scale to 10 nodes in total, over the cap of 1: ods-prod-gpu-l40s-ng 8 (g6e.2xlarge), ods-prod-gpu-h100-ng 2 (p5.48xlarge).\n    fix: Lower scalingConfig.maxSize",
    );
    expect(r.out).toContain("mandatory violations: 1");
    expect(r.code).toBe(1);
  });

  it("rejects a config with an unknown rule before planning", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const config = path.join(dir, "typo.json");
    fs.writeFileSync(config, JSON.stringify({ "k8s-no-privileged": "mandatory" }));
    const r = await gate("--stack", "prod", "--config", config);
    expect(r.out).toContain("k8s-no-privileged: no such rule");
    expect(r.code).toBe(2);
  });

  it("--emit-config writes the stack's effective pack config, which a real preview and --config accept", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const file = path.join(dir, "out", "staging.json");
    const r = await gate("--stack", "staging", "--emit-config", file);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
    expect(cfg["k8s-pdb-required"]).toEqual({ enforcementLevel: "mandatory", highAvailability: true });
    expect(cfg["gpu-nodegroup-max-size"]).toEqual({ enforcementLevel: "mandatory", maxGpuNodes: 4 });
    expect(cfg["eks-endpoint-not-world-open"]).toEqual({ enforcementLevel: "mandatory", worldOpenReason: "" });
    expect(cfg["eks-private-endpoint"]).toEqual({ enforcementLevel: "disabled", requirePrivateEndpoint: false });
    expect(JSON.stringify(cfg)).not.toMatch(/\{(namespace|base|prefix|environment)/);
    expect(Object.keys(cfg).sort()).toEqual(policies.map((p) => p.name).sort());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("--json prints parseable JSON on stdout, nothing else", async () => {
    const r = await runInProcess(POLICY_CLI, ["--stack", "local", "--json"], policyCommand({ plan: cachedPlan }));
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const parsed = JSON.parse(r.stdout) as { violations: unknown[]; evaluated: { policy: string; inScope: number }[]; exemptions: unknown[] };
    expect(parsed.violations).toEqual([]);
    // Every exemption used carries its reason (the MOCO controller's, on local).
    for (const x of parsed.exemptions as { exemption: { reason: string } }[]) expect(x.exemption.reason.length).toBeGreaterThanOrEqual(20);
    // Each rule carries how many resources it had to check: local has namespaces but no cloud resources.
    const inScope = Object.fromEntries(parsed.evaluated.map((e) => [e.policy, e.inScope]));
    expect(inScope["k8s-default-deny-ingress"]).toBeGreaterThan(0);
    expect(inScope["eks-secrets-encryption"]).toBe(0);
    expect(inScope["k8s-no-privileged-containers"]).toBeGreaterThan(0);
  });

  it("through `npm run`, in a process of its own: stdout carries only what the command prints, errors exit 2 on stderr", () => {
    const missing = spawnSync("npm", ["run", "policy", "--", "--stack", "prdo"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain('no config for stack "prdo"');
  });

  it("--stack-file checks another config under a stack's name, its facts included", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const file = worldOpenStaging(dir, "open", WORLD_OPEN_REASON);
    const r = await gate("--stack", "staging", "--stack-file", file);
    expect(r.out).toContain("mandatory violations: 0");
    expect(r.out).toMatch(/\n {2}eks-endpoint-not-world-open +1 {2}mandatory\n/);
    expect(r.code).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a stack that does not exist is named, with the stacks that do", async () => {
    const r = await gate("--stack", "prdo");
    expect(r.code).toBe(2);
    expect(r.out).toContain('no config for stack "prdo": stacks/Pulumi.prdo.yaml does not exist; stacks with config: dev, local, prod, staging');
  });

  it("--help prints every option and the exit codes, and checks nothing", async () => {
    const r = await gate("--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: npm run policy -- --stack NAME/);
    for (const flag of ["--config FILE", "--emit-config FILE", "--chart-cache DIR", "--json", "--help"]) expect(r.out).toContain(flag);
    expect(r.out).toContain("exit codes: 0 no mandatory violation");
    expect(r.out).not.toContain("policy check, stack");
  });
});
