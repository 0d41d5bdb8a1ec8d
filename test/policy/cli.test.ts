// The offline gate CLI end to end: exit codes and output for a clean and a failing run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policies/rules";

const ROOT = path.join(__dirname, "..", "..");

function gate(...args: string[]) {
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "tools/policy.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("npm run policy", () => {
  it("passes the prod plan with the prod config", () => {
    const r = gate("--stack", "prod");
    // prod runs every rule, all of them mandatory.
    expect(r.out).toContain(`policy gate, stack prod: ${policies.length} rules (${policies.length} mandatory)`);
    expect(r.out).toContain("mandatory violations: 0");
    expect(r.code).toBe(0);
  });

  it("exits 1 and prints the violation, rule and fix when a mandatory rule fails", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const config = path.join(dir, "prod-strict.json");
    // The prod GPU pools scale to 8 and 2 nodes; a cap of 1 must fail both. The rest of the prod config
    // stays, so the GPU operator's rendered DaemonSets keep their namespace exemptions.
    const prod = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "config", "prod.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(config, JSON.stringify({ ...prod, "gpu-nodegroup-max-size": { enforcementLevel: "mandatory", maxGpuNodes: 1 } }));
    const r = gate("--stack", "prod", "--config", config);
    expect(r.out).toMatch(/\[mandatory\] gpu-nodegroup-max-size: aws:eks\/nodeGroup:NodeGroup \S+\n {4}GPU node group \S+ can scale to 8 nodes; the cap here is 1\.\n {4}fix: Lower scalingConfig\.maxSize/);
    expect(r.out).toContain("mandatory violations: 2");
    expect(r.code).toBe(1);
  });

  it("rejects a config with an unknown rule before planning", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-policy-"));
    const config = path.join(dir, "typo.json");
    fs.writeFileSync(config, JSON.stringify({ "k8s-no-privileged": "mandatory" }));
    const r = gate("--stack", "prod", "--config", config);
    expect(r.out).toContain("k8s-no-privileged: no such rule");
    expect(r.code).toBe(2);
  });
});
