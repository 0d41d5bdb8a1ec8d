// The staging stack file with its EKS endpoint open to 0.0.0.0/0 (and a reason, if given): one text for
// every test that checks the world-open rule, so the plan cache plans it once.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../../lib/repo";

export const WORLD_OPEN_REASON = "CI runners on rotating public addresses until the VPN lands (ticket OPS-142)";

export function worldOpenStaging(dir: string, name: string, reason?: string): string {
  const staging = fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.staging.yaml"), "utf8");
  const cidrs = "publicAccessCidrs: [198.51.100.0/24]";
  if (!staging.includes(cidrs)) throw new Error(`stacks/Pulumi.staging.yaml no longer says "${cidrs}": update test/policy/worldOpen.ts`);
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  fs.writeFileSync(file, staging.replace(cidrs, `publicAccessCidrs: [0.0.0.0/0]${reason ? `\n        worldOpenReason: "${reason}"` : ""}`));
  return file;
}
