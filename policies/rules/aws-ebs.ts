// Block storage at rest is encrypted: EBS volumes, launch-template disks, node root volumes.
import type { StackValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { typesScope, validateStackOf } from "./lib/rule";
import { at, bool, isUnknown, records } from "./lib/values";

const VOLUME = "aws:ebs/volume:Volume";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

const defaults = {
  /** Attests that the account/region has EBS encryption by default on, set outside this stack. */
  accountEncryptionByDefault: false,
};

export const ebsEncrypted: StackValidationPolicy = {
  name: "aws-ebs-encrypted",
  description: "EBS storage must be encrypted: volumes (encrypted: true), launch-template block devices (ebs.encrypted: \"true\"), and node groups without a launch template (their root disk follows the account default, so that default must be on). An aws.ebs.EncryptionByDefault in the stack, or accountEncryptionByDefault in the config, satisfies all three.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set encrypted: true on aws.ebs.Volume and ebs.encrypted: \"true\" (with a kmsKeyId) on every launch-template block device; give node groups a launch template with an encrypted root device, or enable aws.ebs.EncryptionByDefault in the stack.",
  configSchema: schemaWithDefaults(defaults, {
    accountEncryptionByDefault: { type: "boolean", description: "The account already enforces EBS encryption by default (managed elsewhere)." },
  }),
  validateStack: validateStackOf(typesScope([VOLUME, LAUNCH_TEMPLATE, NODE_GROUP]), defaults, (resources, cfg, _args, report) => {
    // With encryption by default on, AWS encrypts every new volume whatever the request says.
    const byDefault = resources.some((r) => r.type === "aws:ebs/encryptionByDefault:EncryptionByDefault" && r.props["enabled"] !== false);
    if (cfg.accountEncryptionByDefault || byDefault) return;

    for (const r of resources) {
      if (r.type === VOLUME) {
        const enc = r.props["encrypted"];
        if (!isUnknown(enc) && bool(enc) !== true) report(`EBS volume ${r.name} is not encrypted.`, r.urn);
      } else if (r.type === LAUNCH_TEMPLATE) {
        const mappings = r.props["blockDeviceMappings"];
        if (isUnknown(mappings)) continue;
        const withEbs = records(mappings).filter((m) => m["ebs"] !== undefined && m["ebs"] !== null);
        if (withEbs.length === 0) {
          report(`Launch template ${r.name} has no block device mapping, so the root volume is created unencrypted from the AMI.`, r.urn);
          continue;
        }
        for (const m of withEbs) {
          const enc = at(m, "ebs", "encrypted");
          if (!isUnknown(enc) && bool(enc) !== true) report(`Launch template ${r.name} block device ${String(m["deviceName"] ?? "?")} is not encrypted.`, r.urn);
        }
      } else if (r.type === NODE_GROUP) {
        const lt = r.props["launchTemplate"];
        if (isUnknown(lt)) continue;
        if (lt === undefined || lt === null) {
          report(`Node group ${r.name} has no launch template, so its root volumes (diskSize) are unencrypted unless EBS encryption by default is on.`, r.urn);
        }
      }
    }
  }),
};
