// Pieces of the NetworkPolicies every component writes to open its port through the namespace's default deny.
import type * as pulumi from "@pulumi/pulumi";

/** A peer: every pod of one namespace (selected by the label Kubernetes sets on each namespace). */
export function namespacePeer(namespace: pulumi.Input<string>): { namespaceSelector: { matchLabels: Record<string, pulumi.Input<string>> } } {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** `ports` of an ingress rule: TCP on each port. */
export function tcpPorts(...ports: number[]): { protocol: "TCP"; port: number }[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}
