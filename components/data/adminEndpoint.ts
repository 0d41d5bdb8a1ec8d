// The route from the machine that runs `pulumi up` to an admin API in the cluster (MinIO's S3 API,
// MySQL's primary): a NodePort (laptop clusters map it to the host) or an internal NLB open to the
// configured CIDRs, a NetworkPolicy that lets exactly that traffic through the default deny, and a
// readiness gate so the provider that uses the endpoint is configured only once the server answers.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EndpointReady } from "../lib/endpointReady";
import { standardLabels } from "../lib/naming";
import { tcpPorts } from "../lib/network";

export interface AdminAccessSettings {
  /** "nodePort" (fixed port on every node, mapped to `host` by the laptop cluster) or "loadBalancer" (internal NLB). */
  mode: "nodePort" | "loadBalancer";
  /** nodePort: the address where the node port is reachable from `pulumi up`. */
  host: string;
  /** loadBalancer: CIDRs allowed in (the NLB's source ranges and the NetworkPolicy's ipBlocks). */
  allowedCidrs: string[];
  /** Seconds to wait for the endpoint to accept connections. */
  readyTimeoutSeconds: number;
}

export interface AdminEndpointArgs {
  namespace: pulumi.Input<string>;
  /** Name of the Service (a DNS label). */
  serviceName: string;
  /** Labels of the pods that serve the admin API. */
  selector: Record<string, pulumi.Input<string>>;
  /** Container port of the admin API. */
  port: number;
  /** nodePort mode: the node port. */
  nodePort?: number;
  access: AdminAccessSettings;
  /** `app.kubernetes.io/name` of the labels. */
  app: string;
  /** Resources the server must exist after (the workload, the operator's CR). */
  serverReady?: pulumi.Resource[];
}

/** The Service spec for the mode (pure). */
export function adminServiceSpec(args: Pick<AdminEndpointArgs, "port" | "nodePort" | "access">): { annotations: Record<string, string>; spec: Record<string, unknown> } {
  const port = { name: "admin", protocol: "TCP", port: args.port, targetPort: args.port };
  if (args.access.mode === "nodePort") {
    if (args.nodePort === undefined) throw new Error("AdminEndpoint: nodePort mode needs args.nodePort");
    return { annotations: {}, spec: { type: "NodePort", ports: [{ ...port, nodePort: args.nodePort }] } };
  }
  if (args.access.allowedCidrs.length === 0) throw new Error("AdminEndpoint: loadBalancer mode needs access.allowedCidrs");
  return {
    // The in-tree AWS cloud provider's NLB, internal only; the source ranges become the NLB's security rules.
    annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb", "service.beta.kubernetes.io/aws-load-balancer-internal": "true" },
    spec: { type: "LoadBalancer", ports: [port], loadBalancerSourceRanges: args.access.allowedCidrs, externalTrafficPolicy: "Local" },
  };
}

/** Who may reach the admin port through the namespace's default deny (pure). */
export function adminIngressPeers(access: AdminAccessSettings): Record<string, unknown>[] | undefined {
  // NodePort on a laptop: the host's traffic arrives from the node's bridge, whose address the kit cannot know.
  if (access.mode === "nodePort") return undefined;
  // externalTrafficPolicy Local keeps the client's address, so the allowed CIDRs can be matched here too.
  return access.allowedCidrs.map((cidr) => ({ ipBlock: { cidr } }));
}

export class AdminEndpoint extends pulumi.ComponentResource {
  /** Host and port reachable from `pulumi up`; resolved only once the server accepts connections. */
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;

  constructor(name: string, args: AdminEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:data:AdminEndpoint", name, {}, opts);
    const labels = standardLabels(args.app, name, "admin-endpoint");
    const { annotations, spec } = adminServiceSpec(args);
    const svc = new k8s.core.v1.Service(`${name}-svc`, {
      metadata: { name: args.serviceName, namespace: args.namespace, labels, annotations },
      spec: { ...spec, selector: args.selector },
    }, { parent: this, dependsOn: args.serverReady });

    const peers = adminIngressPeers(args.access);
    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: { name: args.serviceName, namespace: args.namespace, labels },
      spec: {
        podSelector: { matchLabels: args.selector },
        policyTypes: ["Ingress"],
        ingress: [{ ...(peers ? { from: peers } : {}), ports: tcpPorts(args.port) }],
      },
    }, { parent: this });

    const host = args.access.mode === "nodePort" ? pulumi.output(args.access.host) : svc.status.loadBalancer.ingress.apply((i) => i?.[0]?.hostname ?? i?.[0]?.ip ?? "");
    const port = args.access.mode === "nodePort" ? args.nodePort! : args.port;
    const ready = new EndpointReady(`${name}-ready`, { host, port, timeoutSeconds: args.access.readyTimeoutSeconds }, { parent: this, dependsOn: [svc, ...(args.serverReady ?? [])] });
    this.host = ready.host;
    this.port = ready.port;
    this.registerOutputs({ host: this.host, port: this.port, service: svc.metadata.name });
  }
}
