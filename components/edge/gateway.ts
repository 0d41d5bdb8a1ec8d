// The public entry point: Istio's gateway chart (the Envoy Deployment and its Service), one Gateway
// bound to it ("manual deployment": spec.addresses names the chart's Service) with an HTTPS listener per
// public host and one HTTP listener that only redirects (and answers ACME HTTP-01 challenges), and one
// cert-manager Certificate for every host, whose Secret the HTTPS listeners present.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../data/contracts";
import { standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";
import { PUBLIC_HOST_LABELS, PublicHostKey, PublicHosts } from "./contracts";
import { ISTIO_CHARTS, ISTIO_REPO, ISTIO_VERSION } from "./istio";

/** Fixed object names: the policy exemptions and the docs name them. */
export const GATEWAY_NAMES = {
  /** Helm release of the gateway chart: its Deployment, Service and pods' `app`/`istio` labels. */
  release: "gateway",
  /** The Gateway object. */
  gateway: "public",
  /** The Certificate and the Secret it writes. */
  certificate: "public-tls",
  /** The HTTPRoute that redirects HTTP to HTTPS. */
  redirect: "https-redirect",
  /** Name of the HTTP listener. */
  httpListener: "http",
} as const;

/** Labels of the gateway's pods (the chart's selector labels for release GATEWAY_NAMES.release). */
export const GATEWAY_POD_LABELS: Readonly<Record<string, string>> = { app: GATEWAY_NAMES.release, istio: GATEWAY_NAMES.release };

/** Ports of the gateway pods: listeners, the readiness/status port load balancers probe, and Envoy's Prometheus port. */
export const GATEWAY_PORTS = { http: 80, https: 443, status: 15021, metrics: 15090 } as const;

/** Namespaces whose routes the HTTPS listeners accept: the kit's (components/infra/namespaces.ts labels each). */
export const ROUTE_NAMESPACE_LABEL = "ods.io/layer";

export interface GatewayServiceSettings {
  type: "LoadBalancer" | "NodePort" | "ClusterIP";
  annotations: Record<string, string>;
  /** NodePort only. */
  nodePorts?: { http: number; https: number };
}

export interface EdgeGatewayArgs {
  /** The edge namespace (the gateway's pods, the Gateway, the Certificate's Secret). */
  namespace: pulumi.Input<string>;
  /** Every public host of the platform. */
  hosts: PublicHosts;
  /** Host keys that get an HTTPS listener (and a name on the certificate); at least one. */
  hostKeys: PublicHostKey[];
  replicas: number;
  resources: ContainerResources;
  service: GatewayServiceSettings;
  /** The ClusterIssuer that signs the certificate. */
  issuerRef: { name: string; kind: string; group: string };
  /** Namespace of Prometheus, allowed to scrape the gateway's metrics. */
  monitoringNamespace: pulumi.Input<string>;
  /** Chart version. Default ISTIO_VERSION. */
  version?: string;
  /** istiod (injects the gateway's proxy) and the Gateway API CRDs. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** What the Certificate waits for: cert-manager and the issuer. */
  certificateDependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The HTTPS listener of a host key: `https-<host label>` (listener names are DNS labels). */
export function listenerName(key: PublicHostKey): string {
  return `https-${PUBLIC_HOST_LABELS[key]}`;
}

/** Host keys in the order of PUBLIC_HOST_LABELS, each once (pure). */
export function orderedHostKeys(keys: PublicHostKey[]): PublicHostKey[] {
  const set = new Set(keys);
  return (Object.keys(PUBLIC_HOST_LABELS) as PublicHostKey[]).filter((k) => set.has(k));
}

export function edgeGatewayProblems(args: Pick<EdgeGatewayArgs, "hostKeys" | "replicas" | "service">): string[] {
  const p: string[] = [];
  if (args.hostKeys.length === 0) p.push("hostKeys is empty; allowed: at least one public host key (a gateway with nothing to serve)");
  for (const k of args.hostKeys) if (!(k in PUBLIC_HOST_LABELS)) p.push(`hostKeys: unknown host key ${JSON.stringify(k)}; allowed: ${Object.keys(PUBLIC_HOST_LABELS).join(", ")}`);
  if (!Number.isInteger(args.replicas) || args.replicas < 1 || args.replicas > 20) p.push(`replicas ${JSON.stringify(args.replicas)} is out of range; allowed: an integer 1-20`);
  if (args.service.type === "NodePort" && !args.service.nodePorts) p.push("service.nodePorts is required for service type NodePort");
  if (args.service.type !== "NodePort" && args.service.nodePorts) p.push(`service.nodePorts only applies to type NodePort (type is ${args.service.type})`);
  return p;
}

/** The Gateway's listeners (pure): HTTP for redirects and ACME challenges, then one HTTPS listener per host. */
export function gatewayListeners(hosts: PublicHosts, hostKeys: PublicHostKey[], certificateSecret: string) {
  return [
    // Only this namespace's routes: the redirect, and cert-manager's temporary ACME HTTP-01 route.
    { name: GATEWAY_NAMES.httpListener, protocol: "HTTP", port: GATEWAY_PORTS.http, allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ kind: "HTTPRoute" }] } },
    ...orderedHostKeys(hostKeys).map((k) => ({
      name: listenerName(k),
      protocol: "HTTPS",
      port: GATEWAY_PORTS.https,
      hostname: hosts[k],
      tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: certificateSecret }] },
      allowedRoutes: {
        namespaces: { from: "Selector", selector: { matchExpressions: [{ key: ROUTE_NAMESPACE_LABEL, operator: "Exists" }] } },
        kinds: [{ kind: "HTTPRoute" }],
      },
    })),
  ];
}

/** Service ports of the gateway chart (pure); node ports pinned where the Service is a NodePort. */
export function gatewayServicePorts(service: GatewayServiceSettings) {
  const np = service.type === "NodePort" ? service.nodePorts : undefined;
  return [
    { name: "status-port", port: GATEWAY_PORTS.status, protocol: "TCP", targetPort: GATEWAY_PORTS.status },
    { name: "http2", port: GATEWAY_PORTS.http, protocol: "TCP", targetPort: GATEWAY_PORTS.http, ...(np ? { nodePort: np.http } : {}) },
    { name: "https", port: GATEWAY_PORTS.https, protocol: "TCP", targetPort: GATEWAY_PORTS.https, ...(np ? { nodePort: np.https } : {}) },
  ];
}

/** Values of Istio's gateway chart (pure). */
export function gatewayValues(args: Pick<EdgeGatewayArgs, "replicas" | "resources" | "service">) {
  const ha = args.replicas > 1;
  const spread = (topologyKey: string, when: string) => ({ maxSkew: 1, topologyKey, whenUnsatisfiable: when, labelSelector: { matchLabels: { ...GATEWAY_POD_LABELS } } });
  const r = args.resources;
  return {
    name: GATEWAY_NAMES.release,
    // A fixed count: scale it in config; an HPA would fight the disruption budget on small clusters.
    replicaCount: args.replicas,
    autoscaling: { enabled: false },
    resources: { requests: { cpu: r.requests.cpu, memory: r.requests.memory }, limits: { memory: r.limits.memory, ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}) } },
    service: {
      type: args.service.type,
      annotations: args.service.annotations,
      ports: gatewayServicePorts(args.service),
      // The client's address reaches Envoy's access log; NLB health checks use the status port.
      ...(args.service.type === "ClusterIP" ? {} : { externalTrafficPolicy: "Local" }),
    },
    // Setting the pod security context replaces the chart's, so its sysctl (Envoy binds 80/443 without root) is repeated.
    securityContext: {
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
      sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
    },
    containerSecurityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    readinessProbe: { httpGet: { path: "/healthz/ready", port: GATEWAY_PORTS.status }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 4 },
    podDisruptionBudget: ha ? { maxUnavailable: 1 } : {},
    topologySpreadConstraints: ha ? [spread("kubernetes.io/hostname", "DoNotSchedule"), spread("topology.kubernetes.io/zone", "ScheduleAnyway")] : [],
    // Envoy drains connections before the pod goes.
    terminationGracePeriodSeconds: 30,
  };
}

/** Ingress of the gateway's pods (pure): anyone on the listener and status ports, Prometheus on the metrics port. */
export function gatewayIngress(monitoringNamespace: pulumi.Input<string>) {
  return [
    { ports: tcpPorts(GATEWAY_PORTS.http, GATEWAY_PORTS.https, GATEWAY_PORTS.status) },
    { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(GATEWAY_PORTS.metrics) },
  ];
}

/** The HTTP-to-HTTPS redirect (pure): every request on the HTTP listener, 301 to the same host and path on 443. */
export function redirectRouteSpec(namespace: pulumi.Input<string>) {
  return {
    parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: GATEWAY_NAMES.gateway, namespace, sectionName: GATEWAY_NAMES.httpListener }],
    rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
  };
}

export class EdgeGateway extends pulumi.ComponentResource {
  /** The Gateway object's name and namespace (routes' parentRefs). */
  readonly gateway: { name: string; namespace: pulumi.Output<string> };
  /** Labels of the gateway's pods (NetworkPolicies admitting it). */
  readonly podLabels: Record<string, string>;
  /** The Gateway resource: routes wait for it. */
  readonly resource: k8s.apiextensions.CustomResource;
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: EdgeGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:edge:EdgeGateway", name, {}, opts);
    const problems = edgeGatewayProblems(args);
    if (problems.length > 0) throw new Error(`EdgeGateway "${name}": ${problems.join("; ")}`);
    const ns = pulumi.output(args.namespace);
    const keys = orderedHostKeys(args.hostKeys);
    const labels = (component: string) => standardLabels("gateway", GATEWAY_NAMES.release, component);

    const certificate = new k8s.apiextensions.CustomResource(`${name}-cert`, {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: GATEWAY_NAMES.certificate, namespace: args.namespace, labels: labels("certificate") },
      spec: {
        secretName: GATEWAY_NAMES.certificate,
        // One certificate for every host: HTTP-01 cannot issue a wildcard.
        commonName: args.hosts[keys[0]],
        dnsNames: keys.map((k) => args.hosts[k]),
        issuerRef: args.issuerRef,
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        secretTemplate: { labels: labels("certificate") },
      },
    }, { parent: this, dependsOn: args.certificateDependsOn });

    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: ISTIO_CHARTS.gateway,
      version: args.version ?? ISTIO_VERSION,
      repositoryOpts: { repo: ISTIO_REPO },
      name: GATEWAY_NAMES.release,
      namespace: args.namespace,
      values: gatewayValues(args),
    }, { parent: this, dependsOn: args.dependsOn });

    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: { name: "allow-gateway-listeners", namespace: args.namespace, labels: labels("network-policy") },
      spec: { podSelector: { matchLabels: { ...GATEWAY_POD_LABELS } }, policyTypes: ["Ingress"], ingress: gatewayIngress(args.monitoringNamespace) },
    }, { parent: this });

    // Envoy's own metrics (requests, response codes, upstream latency per route), on its Prometheus port.
    new k8s.apiextensions.CustomResource(`${name}-monitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: { name: GATEWAY_NAMES.release, namespace: args.namespace, labels: labels("monitoring") },
      spec: { selector: { matchLabels: { ...GATEWAY_POD_LABELS } }, podMetricsEndpoints: [{ port: "http-envoy-prom", path: "/stats/prometheus", interval: "30s" }] },
    }, { parent: this });

    this.resource = new k8s.apiextensions.CustomResource(`${name}-gateway`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: GATEWAY_NAMES.gateway, namespace: args.namespace, labels: labels("gateway") },
      spec: {
        gatewayClassName: "istio",
        // Manual deployment: istiod programs the chart's pods behind this Service instead of deploying its own.
        addresses: [{ type: "Hostname", value: pulumi.interpolate`${GATEWAY_NAMES.release}.${ns}.svc.cluster.local` }],
        listeners: gatewayListeners(args.hosts, keys, GATEWAY_NAMES.certificate),
      },
    }, { parent: this, dependsOn: [this.chart, certificate, ...(args.dependsOn ?? [])] });

    new k8s.apiextensions.CustomResource(`${name}-redirect`, {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: GATEWAY_NAMES.redirect, namespace: args.namespace, labels: labels("redirect") },
      spec: redirectRouteSpec(args.namespace),
    }, { parent: this, dependsOn: [this.resource] });

    this.gateway = { name: GATEWAY_NAMES.gateway, namespace: ns };
    this.podLabels = { ...GATEWAY_POD_LABELS };
    this.registerOutputs({ gateway: GATEWAY_NAMES.gateway, namespace: ns, certificateSecret: GATEWAY_NAMES.certificate, hosts: keys.map((k) => args.hosts[k]) });
  }
}
