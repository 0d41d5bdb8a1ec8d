// EKS control plane: envelope-encrypted Secrets, private API endpoint where required, no world-open
// API endpoint without a stated reason, audit logs.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
import { isWorldOpenCidr } from "./lib/cidrs";
import { at, bool, isUnknown, str, strings } from "./lib/values";

const CLUSTER = ["aws:eks/cluster:Cluster"];

export const eksSecretsEncryption: ResourceValidationPolicy = {
  name: "eks-secrets-encryption",
  description: "EKS clusters must envelope-encrypt Kubernetes Secrets with a KMS key (encryptionConfig with resources [\"secrets\"] and provider.keyArn).",
  enforcementLevel: "mandatory",
  remediationSteps: "Create an aws.kms.Key (with rotation) and set encryptionConfig: {resources: [\"secrets\"], provider: {keyArn: key.arn}} on the cluster.",
  validateResource: validateTypes(CLUSTER, {}, (props, _cfg, args, report) => {
    const ec = props["encryptionConfig"];
    if (isUnknown(ec)) return;
    // Older provider versions took a list of configs; accept either shape.
    const configs = Array.isArray(ec) ? ec : ec === undefined || ec === null ? [] : [ec];
    const ok = configs.some((c) => {
      const resources = strings(at(c, "resources"));
      const key = at(c, "provider", "keyArn");
      const coversSecrets = resources.unknown || resources.values.includes("secrets");
      return coversSecrets && (isUnknown(key) || (str(key) ?? "") !== "");
    });
    if (!ok) report(`Cluster ${args.name} has no encryptionConfig for "secrets" with a KMS key.`);
  }),
};

const endpointDefaults = { requirePrivateEndpoint: true };

export const eksPrivateEndpoint: ResourceValidationPolicy = {
  name: "eks-private-endpoint",
  description: "Where requirePrivateEndpoint is set (prod), the EKS API endpoint must be private only: endpointPrivateAccess true and endpointPublicAccess false.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set vpcConfig.endpointPrivateAccess: true and vpcConfig.endpointPublicAccess: false; reach the API through the VPC (VPN, bastion via SSM, or CI runners in the VPC).",
  configSchema: schemaWithDefaults(endpointDefaults, {
    requirePrivateEndpoint: { type: "boolean", description: "Require a private-only API endpoint in this environment." },
  }),
  validateResource: validateTypes(CLUSTER, endpointDefaults, (props, cfg, args, report) => {
    if (!cfg.requirePrivateEndpoint) return;
    const priv = at(props, "vpcConfig", "endpointPrivateAccess");
    const pub = at(props, "vpcConfig", "endpointPublicAccess");
    // EKS defaults: private access off, public access on.
    if (!isUnknown(priv) && bool(priv) !== true) report(`Cluster ${args.name} does not enable vpcConfig.endpointPrivateAccess.`);
    if (!isUnknown(pub) && bool(pub) !== false) report(`Cluster ${args.name} leaves the public API endpoint on (vpcConfig.endpointPublicAccess is not false).`);
  }),
};

/**
 * Why the cluster's API endpoint is open to (nearly) the whole internet, or undefined when it is not
 * (or that is not known yet). EKS turns public access on when endpointPublicAccess is unset, and
 * opens it to 0.0.0.0/0 when publicAccessCidrs is absent or empty.
 */
export function worldOpenEndpoint(vpcConfig: unknown): string | undefined {
  const pub = at(vpcConfig, "endpointPublicAccess");
  if (isUnknown(pub) || bool(pub) === false) return undefined;
  const cidrs = strings(at(vpcConfig, "publicAccessCidrs"));
  if (cidrs.unknown) return undefined;
  if (cidrs.values.length === 0) return "the public API endpoint has no publicAccessCidrs, so EKS opens it to 0.0.0.0/0";
  const wide = cidrs.values.filter(isWorldOpenCidr);
  return wide.length > 0 ? `the public API endpoint is open to ${wide.join(", ")} (wider than /8)` : undefined;
}

const worldOpenDefaults = { worldOpenReason: "" };

export const eksEndpointNotWorldOpen: ResourceValidationPolicy = {
  name: "eks-endpoint-not-world-open",
  description:
    "The EKS API endpoint must not be open to the whole internet (public access with no publicAccessCidrs, or a CIDR wider than /8 such as 0.0.0.0/0) unless the stack config states why (ods:infra.aws.endpoint.worldOpenReason).",
  enforcementLevel: "mandatory",
  remediationSteps:
    "List only the CIDRs of your office, VPN or CI runners in infra.aws.endpoint.publicAccessCidrs (or turn publicAccess off); if the API must be world-open, say why in infra.aws.endpoint.worldOpenReason.",
  configSchema: schemaWithDefaults(worldOpenDefaults, {
    worldOpenReason: { type: "string", description: "Why this stack's API endpoint may be world-open (a stack fact: ods:infra.aws.endpoint.worldOpenReason); empty = not allowed." },
  }),
  validateResource: validateTypes(CLUSTER, worldOpenDefaults, (props, cfg, args, report) => {
    if (cfg.worldOpenReason.trim() !== "") return;
    const problem = worldOpenEndpoint(props["vpcConfig"]);
    if (problem) report(`Cluster ${args.name}: ${problem}, and the stack config gives no worldOpenReason.`);
  }),
};

const loggingDefaults = { requiredLogTypes: ["api", "audit", "authenticator"] };

export const eksControlPlaneLogging: ResourceValidationPolicy = {
  name: "eks-control-plane-logging",
  description: "EKS clusters must send control-plane logs to CloudWatch: at least api, audit and authenticator.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set enabledClusterLogTypes to include api, audit and authenticator (controllerManager and scheduler are optional).",
  configSchema: schemaWithDefaults(loggingDefaults, {
    requiredLogTypes: { type: "array", items: { type: "string", enum: ["api", "audit", "authenticator", "controllerManager", "scheduler"] } },
  }),
  validateResource: validateTypes(CLUSTER, loggingDefaults, (props, cfg, args, report) => {
    const enabled = strings(props["enabledClusterLogTypes"]);
    if (enabled.unknown) return;
    const missing = cfg.requiredLogTypes.filter((t) => !enabled.values.includes(t));
    if (missing.length > 0) report(`Cluster ${args.name} does not enable control-plane log types: ${missing.join(", ")}.`);
  }),
};
