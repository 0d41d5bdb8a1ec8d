// One namespace per layer: Pod Security Admission level, quota (GPUs included), container defaults, default-deny ingress.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Layer, LAYERS } from "../lib/cluster";
import { namespaceName, standardLabels } from "../lib/naming";
import { quantityValue } from "../lib/quantity";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** ResourceQuota of a layer's namespace; unset optional limits are left out rather than set to zero. */
export interface QuotaSettings {
  requestsCpu: string;
  requestsMemory: string;
  limitsMemory: string;
  /** `requests.nvidia.com/gpu`: GPUs the namespace may hold; 0 = none. */
  gpus: number;
  pods: number;
  persistentVolumeClaims?: number;
  requestsStorage?: string;
}

/** Container defaults (LimitRange) of a layer's namespace. */
export interface LimitRangeSettings {
  defaultRequestCpu: string;
  defaultRequestMemory: string;
  defaultLimitMemory: string;
  defaultLimitCpu?: string;
  maxLimitMemory?: string;
}

export interface NamespaceSettings {
  layer: Layer;
  /** Kubernetes namespace name, `<prefix>-<layer>`. */
  name: string;
  /** Pod Security Admission level enforced on the namespace. */
  podSecurity: PodSecurityLevel;
  /** Why the level is lower than restricted (shown as an annotation), if it is. */
  podSecurityReason?: string;
  quota: QuotaSettings;
  limitRange: LimitRangeSettings;
}

export interface NamespacesArgs {
  /** One entry per layer (see namespaceSettings). */
  namespaces: NamespaceSettings[];
}

/** Pod Security levels below restricted, each with the reason a reviewer needs. */
const POD_SECURITY_EXCEPTIONS: Partial<Record<Layer, { level: PodSecurityLevel; reason: string }>> = {
  gpu: {
    level: "privileged",
    reason: "The NVIDIA GPU operator's DaemonSets (device plugin, DCGM exporter, validator, feature discovery) need privileged containers and host paths to manage GPUs on the node.",
  },
  data: {
    level: "baseline",
    reason:
      "MOCO (0.36.0) builds its backup Job pods without a seccomp profile, allowPrivilegeEscalation=false, dropped capabilities or runAsNonRoot, and its BackupPolicy has no field for any of them, so restricted refuses every backup pod (found by npm run cluster-check). Warn and audit stay at restricted; the kit's own pods here are restricted (the policy pack checks them).",
  },
};

/** The namespace of every layer: `<prefix>-<layer>`, restricted unless an exception says why not. */
export function namespaceSettings(prefix: string, layers: Record<Layer, { quota: QuotaSettings; limitRange: LimitRangeSettings }>): NamespaceSettings[] {
  return LAYERS.map((layer) => {
    const exception = POD_SECURITY_EXCEPTIONS[layer];
    return {
      layer,
      name: namespaceName(prefix, layer),
      podSecurity: exception?.level ?? "restricted",
      ...(exception ? { podSecurityReason: exception.reason } : {}),
      quota: layers[layer].quota,
      limitRange: layers[layer].limitRange,
    };
  });
}

/**
 * What the API server would reject in a LimitRange: for each resource, default request <= default
 * limit <= max (and default request <= max). Each problem names the key at fault.
 */
export function limitRangeProblems(lr: LimitRangeSettings): { key: keyof LimitRangeSettings; message: string }[] {
  const problems: { key: keyof LimitRangeSettings; message: string }[] = [];
  const le = (small: keyof LimitRangeSettings, big: keyof LimitRangeSettings) => {
    const a = lr[small];
    const b = lr[big];
    if (a === undefined || b === undefined) return;
    const av = quantityValue(a);
    const bv = quantityValue(b);
    if (av !== undefined && bv !== undefined && av > bv) problems.push({ key: small, message: `${small} ${a} is more than ${big} ${b}; allowed: ${small} <= ${big} (the API server rejects the LimitRange otherwise)` });
  };
  le("defaultRequestMemory", "defaultLimitMemory");
  le("defaultLimitMemory", "maxLimitMemory");
  le("defaultRequestMemory", "maxLimitMemory");
  le("defaultRequestCpu", "defaultLimitCpu");
  return problems;
}

/** ResourceQuota `hard` entries for the settings; unset limits are left out rather than set to zero. */
export function quotaHard(q: QuotaSettings): Record<string, string> {
  const hard: Record<string, string> = {
    "requests.cpu": q.requestsCpu,
    "requests.memory": q.requestsMemory,
    "limits.memory": q.limitsMemory,
    "requests.nvidia.com/gpu": String(q.gpus),
    pods: String(q.pods),
  };
  if (q.persistentVolumeClaims !== undefined) hard.persistentvolumeclaims = String(q.persistentVolumeClaims);
  if (q.requestsStorage !== undefined) hard["requests.storage"] = q.requestsStorage;
  return hard;
}

/**
 * Pod Security Admission labels: enforce the level; warn and audit at restricted, so anything below
 * restricted is visible (in `kubectl` warnings and the audit log) even where it is allowed. A privileged
 * namespace warns at its own level: its pods are privileged by design.
 */
export function podSecurityLabels(level: string): Record<string, string> {
  const visible = level === "privileged" ? level : "restricted";
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": visible,
    "pod-security.kubernetes.io/audit": visible,
  };
}

/** Every layer present, every LimitRange one the API server accepts; throws naming the layer before anything is declared. */
export function checkNamespacesArgs(name: string, args: NamespacesArgs): void {
  const problems: string[] = [];
  const missing = LAYERS.filter((l) => !args.namespaces.some((n) => n.layer === l));
  if (missing.length > 0) problems.push(`no settings for layer(s) ${missing.join(", ")}`);
  for (const ns of args.namespaces) problems.push(...limitRangeProblems(ns.limitRange).map((p) => `${ns.layer}: ${p.message}`));
  if (problems.length > 0) throw new Error(`Namespaces ${name}: ${problems.join("; ")}`);
}

export class Namespaces extends pulumi.ComponentResource {
  /** Layer -> namespace name. */
  readonly names: Record<Layer, pulumi.Output<string>>;

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    checkNamespacesArgs(name, args);
    super("ods:infra:Namespaces", name, {}, opts);
    const names: Partial<Record<Layer, pulumi.Output<string>>> = {};
    for (const ns of args.namespaces) {
      const labels = { ...standardLabels("namespace", name, ns.layer), "ods.io/layer": ns.layer };
      const namespace = new k8s.core.v1.Namespace(`${name}-${ns.layer}`, {
        metadata: {
          name: ns.name,
          labels: { ...labels, ...podSecurityLabels(ns.podSecurity) },
          ...(ns.podSecurityReason ? { annotations: { "ods.io/pod-security-reason": ns.podSecurityReason } } : {}),
        },
      }, { parent: this });
      const opts = { parent: this, dependsOn: [namespace] };

      new k8s.core.v1.ResourceQuota(`${name}-${ns.layer}-quota`, {
        metadata: { name: "layer-quota", namespace: ns.name, labels },
        spec: { hard: quotaHard(ns.quota) },
      }, opts);

      const lr = ns.limitRange;
      new k8s.core.v1.LimitRange(`${name}-${ns.layer}-limits`, {
        metadata: { name: "container-defaults", namespace: ns.name, labels },
        spec: {
          limits: [
            {
              type: "Container",
              defaultRequest: { cpu: lr.defaultRequestCpu, memory: lr.defaultRequestMemory },
              default: { memory: lr.defaultLimitMemory, ...(lr.defaultLimitCpu ? { cpu: lr.defaultLimitCpu } : {}) },
              ...(lr.maxLimitMemory ? { max: { memory: lr.maxLimitMemory } } : {}),
            },
          ],
        },
      }, opts);

      // Nothing reaches a pod unless a policy of its own component allows it, inside the namespace too:
      // each component admits exactly its callers (the flow test, plan/flows.ts, checks every stack).
      new k8s.networking.v1.NetworkPolicy(`${name}-${ns.layer}-default-deny`, {
        metadata: { name: "default-deny-ingress", namespace: ns.name, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
      }, opts);

      names[ns.layer] = namespace.metadata.name;
    }
    this.names = names as Record<Layer, pulumi.Output<string>>;
    this.registerOutputs({ names: this.names });
  }
}
