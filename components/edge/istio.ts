// Istio as the Gateway API implementation: the base chart (Istio's CRDs and its config validation) and
// istiod, which programs the gateway's Envoy pods from Gateway and HTTPRoute objects and injects the
// gateway pods' proxy. No namespace gets sidecars: only pods labelled for injection (the gateway's).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../data/contracts";
import { standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";

export const ISTIO_VERSION = "1.30.3";
export const ISTIO_REPO = "https://istio-release.storage.googleapis.com/charts";
export const ISTIO_CHARTS = { base: "base", istiod: "istiod", gateway: "gateway" } as const;

/** istiod's ports: XDS for proxies (same namespace), the injection/validation webhook the API server calls, metrics. */
export const ISTIOD_PORTS = { xds: 15012, webhook: 15017, metrics: 15014 } as const;
/** Labels of istiod's pods (the chart's). */
export const ISTIOD_POD_LABELS = { app: "istiod", istio: "pilot" } as const;

export interface IstioArgs {
  /** The edge namespace: istiod and, with EdgeGateway, the gateway. */
  namespace: pulumi.Input<string>;
  /** istiod replicas; more than one adds a disruption budget and spreads them over nodes and zones. */
  replicas: number;
  resources: ContainerResources;
  /** Namespace of Prometheus, allowed to scrape istiod's metrics. */
  monitoringNamespace: pulumi.Input<string>;
  /** Labels of the proxies istiod serves (the gateway's pods), allowed to its xDS port. Default none. */
  proxyPods?: Record<string, string>;
  /** Chart version (base and istiod). Default ISTIO_VERSION. */
  version?: string;
  /** What must exist first: the Gateway API CRDs (istiod watches them from its start). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Bad arguments, each named with what is allowed (pure). */
export function istioProblems(args: Pick<IstioArgs, "replicas" | "version">): string[] {
  const p: string[] = [];
  if (!Number.isInteger(args.replicas) || args.replicas < 1 || args.replicas > 10) p.push(`replicas ${JSON.stringify(args.replicas)} is out of range; allowed: an integer 1-10`);
  const v = args.version ?? ISTIO_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(v)) p.push(`version ${JSON.stringify(v)} is not a pinned chart version; allowed: x.y.z such as ${ISTIO_VERSION}`);
  return p;
}

/** Values of the base chart (pure): Istio's CRDs and the default-revision validation webhook, pointed at istiod's namespace. */
export function istioBaseValues(namespace: string) {
  return { global: { istioNamespace: namespace }, defaultRevision: "default" };
}

/** Values of the istiod chart (pure). */
export function istiodValues(namespace: string, args: Pick<IstioArgs, "replicas" | "resources">) {
  const ha = args.replicas > 1;
  const spread = ha
    ? [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...ISTIOD_POD_LABELS } } },
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...ISTIOD_POD_LABELS } } },
      ]
    : [];
  return {
    global: {
      istioNamespace: namespace,
      hub: "docker.io/istio",
      tag: ISTIO_VERSION,
      // A budget on one replica would block every node drain; with two or more, one may go at a time.
      defaultPodDisruptionBudget: { enabled: ha },
      logAsJson: true,
    },
    // A fixed count: the control plane's load follows the number of proxies (a few gateway pods), not traffic.
    autoscaleEnabled: false,
    replicaCount: args.replicas,
    resources: { requests: { cpu: args.resources.requests.cpu, memory: args.resources.requests.memory }, limits: { memory: args.resources.limits.memory, ...(args.resources.limits.cpu ? { cpu: args.resources.limits.cpu } : {}) } },
    seccompProfile: { type: "RuntimeDefault" },
    topologySpreadConstraints: spread,
    env: { PILOT_ENABLE_GATEWAY_API: "true", PILOT_ENABLE_ALPHA_GATEWAY_API: "false" },
    // Sidecars only where a pod asks for one (the gateway's pods do); never by namespace default.
    sidecarInjectorWebhook: { enableNamespacesByDefault: false },
    meshConfig: { enablePrometheusMerge: true, accessLogFile: "/dev/stdout", accessLogEncoding: "JSON" },
    telemetry: { enabled: true, v2: { enabled: true, prometheus: { enabled: true } } },
  };
}

/** Ingress of istiod through the namespace's default deny (pure): the API server's webhook calls, Prometheus, and its proxies' xDS. */
export function istiodIngress(monitoringNamespace: pulumi.Input<string>, proxyPods?: Record<string, string>) {
  return [
    // The API server calls the injection and validation webhooks from outside the pod network.
    { ports: tcpPorts(ISTIOD_PORTS.webhook) },
    { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(ISTIOD_PORTS.metrics) },
    // The gateway's Envoy gets its configuration and certificates from istiod (same namespace).
    ...(proxyPods ? [{ from: [{ podSelector: { matchLabels: { ...proxyPods } } }], ports: tcpPorts(ISTIOD_PORTS.xds) }] : []),
  ];
}

export class Istio extends pulumi.ComponentResource {
  readonly base: k8s.helm.v4.Chart;
  readonly istiod: k8s.helm.v4.Chart;

  constructor(name: string, args: IstioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:edge:Istio", name, {}, opts);
    const problems = istioProblems(args);
    if (problems.length > 0) throw new Error(`Istio "${name}": ${problems.join("; ")}`);
    const version = args.version ?? ISTIO_VERSION;
    const ns = pulumi.output(args.namespace);

    this.base = new k8s.helm.v4.Chart(`${name}-base`, {
      chart: ISTIO_CHARTS.base,
      version,
      repositoryOpts: { repo: ISTIO_REPO },
      name: "istio-base",
      namespace: args.namespace,
      values: ns.apply((n) => istioBaseValues(n)),
    }, { parent: this, dependsOn: args.dependsOn });

    this.istiod = new k8s.helm.v4.Chart(`${name}-istiod`, {
      chart: ISTIO_CHARTS.istiod,
      version,
      repositoryOpts: { repo: ISTIO_REPO },
      name: "istiod",
      namespace: args.namespace,
      values: ns.apply((n) => istiodValues(n, args)),
    }, { parent: this, dependsOn: [this.base, ...(args.dependsOn ?? [])] });

    new k8s.networking.v1.NetworkPolicy(`${name}-istiod`, {
      metadata: { name: "allow-istiod", namespace: args.namespace, labels: standardLabels("istiod", name, "control-plane") },
      spec: { podSelector: { matchLabels: { ...ISTIOD_POD_LABELS } }, policyTypes: ["Ingress"], ingress: istiodIngress(args.monitoringNamespace, args.proxyPods) },
    }, { parent: this });

    // istiod's own metrics (pushes, xDS errors, config conflicts), on its Service's monitoring port.
    new k8s.apiextensions.CustomResource(`${name}-istiod-monitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "istiod", namespace: args.namespace, labels: standardLabels("istiod", name, "control-plane") },
      spec: { selector: { matchLabels: { app: ISTIOD_POD_LABELS.app } }, endpoints: [{ port: "http-monitoring", interval: "30s" }] },
    }, { parent: this, dependsOn: [this.istiod] });

    this.registerOutputs({ version, istiodService: pulumi.interpolate`istiod.${ns}.svc` });
  }
}
