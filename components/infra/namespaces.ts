// One namespace per layer: Pod Security Admission level, quota (GPUs included), container defaults, default-deny ingress.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NamespaceSettings } from "../../config/defaults";
import { standardLabels } from "../lib/naming";

export interface NamespacesArgs {
  /** One entry per layer (see config/defaults.ts namespacePlan). */
  namespaces: NamespaceSettings[];
}

/** ResourceQuota `hard` entries for the settings; unset limits are left out rather than set to zero. */
export function quotaHard(q: NamespaceSettings["quota"]): Record<string, string> {
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

/** Pod Security Admission labels: enforce, and warn/audit at the same level so violations are visible. */
export function podSecurityLabels(level: string): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": level,
    "pod-security.kubernetes.io/audit": level,
  };
}

export class Namespaces extends pulumi.ComponentResource {
  /** Layer -> namespace name. */
  readonly names: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: NamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:Namespaces", name, {}, opts);
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

      // Nothing reaches a pod unless a policy of its own component allows it; traffic inside the namespace is allowed.
      new k8s.networking.v1.NetworkPolicy(`${name}-${ns.layer}-default-deny`, {
        metadata: { name: "default-deny-ingress", namespace: ns.name, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress"] },
      }, opts);
      new k8s.networking.v1.NetworkPolicy(`${name}-${ns.layer}-same-namespace`, {
        metadata: { name: "allow-same-namespace", namespace: ns.name, labels },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] },
      }, opts);

      this.names[ns.layer] = namespace.metadata.name;
    }
    this.registerOutputs({ names: this.names });
  }
}
