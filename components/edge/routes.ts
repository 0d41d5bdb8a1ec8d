// One HTTPRoute per exposed service, in the service's own namespace, attached to the HTTPS listener of
// its host; and there a NetworkPolicy admitting the gateway's pods to the service's pods on its port.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { k8sName, standardLabels } from "../lib/naming";
import { tcpPorts } from "../lib/network";
import { ExposedService, PUBLIC_HOST_LABELS, PublicHosts } from "./contracts";
import { listenerName } from "./gateway";

export interface PublicRoutesArgs {
  /** Services to publish; every (host, pathPrefix) pair once. */
  services: ExposedService[];
  hosts: PublicHosts;
  /** The Gateway the routes attach to. */
  gateway: { name: string; namespace: pulumi.Input<string> };
  /** Labels of the gateway's pods (the NetworkPolicies' peer). */
  gatewayPods: Record<string, string>;
  /** The Gateway and the Gateway API CRDs. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A path prefix an HTTPRoute takes: absolute, no query, fragment or double slash. */
const PATH_PREFIX = /^\/([A-Za-z0-9._~!$&'()*+,;=:@%-]+\/?)*$/;

/** The route of one service (pure): its name and spec. */
export interface RoutePlan {
  /** Name of the HTTPRoute and of its NetworkPolicy stem: `public-<host label>[-<path>]`. */
  name: string;
  host: string;
  sectionName: string;
  pathPrefix: string;
}

export function routeProblems(services: ExposedService[]): string[] {
  const p: string[] = [];
  const seen = new Map<string, number>();
  services.forEach((s, i) => {
    if (!(s.host in PUBLIC_HOST_LABELS)) p.push(`services[${i}].host ${JSON.stringify(s.host)} is not a public host key; allowed: ${Object.keys(PUBLIC_HOST_LABELS).join(", ")}`);
    const prefix = s.pathPrefix ?? "/";
    if (!PATH_PREFIX.test(prefix)) p.push(`services[${i}].pathPrefix ${JSON.stringify(prefix)} is not an absolute path prefix such as / or /api`);
    for (const [what, port] of [["port", s.port], ["targetPort", s.targetPort]] as const) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) p.push(`services[${i}].${what} ${JSON.stringify(port)} is not a TCP port (1-65535)`);
    }
    if (Object.keys(s.pods).length === 0) p.push(`services[${i}].pods is empty; allowed: the labels of the Service's pods (an empty selector would open every pod of the namespace)`);
    const key = `${s.host} ${prefix}`;
    if (seen.has(key)) p.push(`services[${i}]: host ${s.host} path ${prefix} is already published by services[${seen.get(key)}]; each host and path prefix routes to one service`);
    seen.set(key, i);
  });
  return p;
}

export function routePlans(services: ExposedService[], hosts: PublicHosts): RoutePlan[] {
  const problems = routeProblems(services);
  if (problems.length > 0) throw new Error(`PublicRoutes: ${problems.join("; ")}`);
  return services.map((s) => {
    const pathPrefix = s.pathPrefix ?? "/";
    const label = PUBLIC_HOST_LABELS[s.host];
    return { name: k8sName("public", label, pathPrefix === "/" ? "" : pathPrefix), host: hosts[s.host], sectionName: listenerName(s.host), pathPrefix };
  });
}

/** The HTTPRoute spec of one service (pure). */
export function routeSpec(plan: RoutePlan, s: Pick<ExposedService, "service" | "port">, gateway: { name: string; namespace: pulumi.Input<string> }) {
  return {
    parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name, namespace: gateway.namespace, sectionName: plan.sectionName }],
    hostnames: [plan.host],
    rules: [{ matches: [{ path: { type: "PathPrefix", value: plan.pathPrefix } }], backendRefs: [{ group: "", kind: "Service", name: s.service, port: s.port }] }],
  };
}

/** Ingress from the gateway's pods only, on the service's container port (pure). */
export function gatewayPeerIngress(gatewayNamespace: pulumi.Input<string>, gatewayPods: Record<string, string>, targetPort: number) {
  return [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": gatewayNamespace } }, podSelector: { matchLabels: { ...gatewayPods } } }], ports: tcpPorts(targetPort) }];
}

export class PublicRoutes extends pulumi.ComponentResource {
  /** Route names by host key and path prefix ("web /"). */
  readonly routes: Record<string, string>;

  constructor(name: string, args: PublicRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:edge:PublicRoutes", name, {}, opts);
    const plans = routePlans(args.services, args.hosts);
    this.routes = {};
    args.services.forEach((s, i) => {
      const plan = plans[i];
      const role = plan.name.replace(/^public-/, "");
      const labels = standardLabels("gateway-route", plan.name, "route");
      new k8s.apiextensions.CustomResource(`${name}-${role}`, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: plan.name, namespace: s.namespace, labels },
        spec: routeSpec(plan, s, args.gateway),
      }, { parent: this, dependsOn: args.dependsOn });
      new k8s.networking.v1.NetworkPolicy(`${name}-${role}-allow`, {
        metadata: { name: k8sName("allow-gateway", plan.name), namespace: s.namespace, labels },
        spec: { podSelector: { matchLabels: s.pods }, policyTypes: ["Ingress"], ingress: gatewayPeerIngress(args.gateway.namespace, args.gatewayPods, s.targetPort) },
      }, { parent: this });
      this.routes[`${s.host} ${plan.pathPrefix}`] = plan.name;
    });
    this.registerOutputs({ routes: this.routes });
  }
}
