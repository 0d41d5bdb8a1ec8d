// EKS control plane: envelope-encrypted Secrets, private API endpoint where required, audit logs.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
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
