// KEDA (operator, metrics API server, admission webhooks) from its chart: the ScaledObject CRDs the
// model layer's autoscaling uses, restricted pods, Prometheus ServiceMonitors, and the NetworkPolicies
// that let the Kubernetes API server reach the metrics API and the webhook through the default deny.
import * as k8s from "@pulumi/kubernetes";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../data/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";
import { quantityValue } from "../lib/quantity";

export const KEDA_CHART = {
  chart: "keda",
  version: "2.20.2",
  repo: "https://kedacore.github.io/charts",
} as const;

/** KEDA's images, pinned to the chart's appVersion (the chart would default to it silently). */
export const KEDA_IMAGE_TAG = "2.20.2";

/** Ports of the chart's pods (chart defaults, stated so the NetworkPolicies and the values agree). */
export const KEDA_PORTS = {
  /** The metrics API server's HTTPS port, the target of the APIService's Service (443 -> 6443). */
  metricsApi: 6443,
  /** The admission webhook's HTTPS port (Service 443 -> 9443). */
  webhook: 9443,
  /** The operator's gRPC service, which the metrics API server queries for scaler metrics. */
  operatorGrpc: 9666,
  /** Prometheus metrics of every KEDA pod. */
  metrics: 8080,
} as const;

/** Pod labels (`app`) the chart gives each Deployment; its Services and PDBs select on them. */
export const KEDA_APPS = {
  operator: "keda-operator",
  metricsApiServer: "keda-operator-metrics-apiserver",
  webhooks: "keda-admission-webhooks",
} as const;

export type KedaPart = keyof typeof KEDA_APPS;

/** Requests and limits per part (KEDA's documented production sizing). */
export const KEDA_DEFAULT_RESOURCES: Record<KedaPart, ContainerResources> = {
  operator: { requests: { cpu: "100m", memory: "100Mi" }, limits: { memory: "1000Mi", cpu: "1" } },
  metricsApiServer: { requests: { cpu: "100m", memory: "100Mi" }, limits: { memory: "1000Mi", cpu: "1" } },
  webhooks: { requests: { cpu: "100m", memory: "100Mi" }, limits: { memory: "1000Mi", cpu: "1" } },
};

export interface KedaArgs {
  /** Namespace KEDA runs in (the model namespace or its own). */
  namespace: pulumi.Input<string>;
  /** Two replicas of each part, PDBs and spreading (staging, prod); one of each otherwise. */
  highAvailability: boolean;
  /** Namespace of Prometheus: its ServiceMonitors scrape KEDA from there. */
  monitoringNamespace: pulumi.Input<string>;
  /** Resources per part. Default KEDA_DEFAULT_RESOURCES. */
  resources?: Partial<Record<KedaPart, ContainerResources>>;
  /** Namespace whose ScaledObjects KEDA acts on; default "" (all namespaces). */
  watchNamespace?: string;
}

const UID = 1000;

export function kedaProblems(args: Pick<KedaArgs, "resources" | "watchNamespace">): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  for (const [part, r] of Object.entries(args.resources ?? {})) {
    if (!(part in KEDA_APPS)) {
      p.push(`resources.${part} is not a part of KEDA; allowed: ${Object.keys(KEDA_APPS).join(", ")}`);
      continue;
    }
    if (!r) continue;
    for (const [key, q] of [["requests.cpu", r.requests.cpu], ["requests.memory", r.requests.memory], ["limits.memory", r.limits.memory], ["limits.cpu", r.limits.cpu]] as const) {
      if (q !== undefined && quantityValue(q) === undefined) p.push(`resources.${part}.${key} ${v(q)} is not a Kubernetes quantity; allowed: e.g. 100m, 1, 128Mi`);
    }
    const req = quantityValue(r.requests.memory);
    const lim = quantityValue(r.limits.memory);
    if (req !== undefined && lim !== undefined && req > lim) p.push(`resources.${part}.requests.memory ${r.requests.memory} is above the limit ${r.limits.memory}; allowed: request <= limit`);
  }
  const w = args.watchNamespace ?? "";
  if (w !== "" && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(w)) p.push(`watchNamespace ${v(w)} is not a namespace name; allowed: "" (all) or a DNS label`);
  return p;
}

/** Helm values of the keda chart (pure); throws naming every bad argument. */
export function kedaValues(args: Pick<KedaArgs, "highAvailability" | "resources" | "watchNamespace">) {
  const problems = kedaProblems(args);
  if (problems.length > 0) throw new Error(`Keda: ${problems.join("; ")}`);
  const ha = args.highAvailability;
  const replicas = ha ? 2 : 1;
  const resources = (part: KedaPart) => {
    const r = args.resources?.[part] ?? KEDA_DEFAULT_RESOURCES[part];
    return { requests: { ...r.requests }, limits: { memory: r.limits.memory, ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}) } };
  };
  const container = {
    runAsNonRoot: true,
    runAsUser: UID,
    runAsGroup: UID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  const pod = { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID, seccompProfile: { type: "RuntimeDefault" } };
  // Over nodes strictly, over zones as far as they allow; counted per ReplicaSet so a rollout spreads too.
  const spread = (part: KedaPart) =>
    ha
      ? [
          { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: KEDA_APPS[part] } }, matchLabelKeys: ["pod-template-hash"] },
          { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: KEDA_APPS[part] } }, matchLabelKeys: ["pod-template-hash"] },
        ]
      : [];
  const pdb = ha ? { maxUnavailable: 1 } : {};
  const serviceMonitor = { enabled: true, interval: "30s", scrapeTimeout: "10s" };
  const image = (repository: string) => ({ registry: "ghcr.io", repository, tag: KEDA_IMAGE_TAG });
  return {
    image: { keda: image("kedacore/keda"), metricsApiServer: image("kedacore/keda-metrics-apiserver"), webhooks: image("kedacore/keda-admission-webhooks"), pullPolicy: "IfNotPresent" },
    crds: { install: true },
    watchNamespace: args.watchNamespace ?? "",
    operator: { replicaCount: replicas },
    metricsServer: { enabled: true, replicaCount: replicas },
    // Validates ScaledObjects on admission (e.g. two on one Deployment); failurePolicy Ignore (chart default)
    // keeps an unavailable webhook from blocking every ScaledObject change.
    webhooks: { enabled: true, replicaCount: replicas, failurePolicy: "Ignore" },
    podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
    topologySpreadConstraints: { operator: spread("operator"), metricsServer: spread("metricsApiServer"), webhooks: spread("webhooks") },
    securityContext: { operator: container, metricServer: container, webhooks: container },
    podSecurityContext: { operator: pod, metricServer: pod, webhooks: pod },
    resources: { operator: resources("operator"), metricServer: resources("metricsApiServer"), webhooks: resources("webhooks") },
    prometheus: {
      operator: { enabled: true, port: KEDA_PORTS.metrics, serviceMonitor },
      metricServer: { enabled: true, port: KEDA_PORTS.metrics, serviceMonitor },
      webhooks: { enabled: true, port: KEDA_PORTS.metrics, serviceMonitor },
    },
    // The kit writes its own, ingress-only NetworkPolicies (the chart's admit every namespace).
    networkPolicy: { enabled: false },
    // Self-signed certificates the operator generates and rotates for the metrics API and the webhook.
    certificates: { autoGenerated: true },
    service: { portHttpsTarget: KEDA_PORTS.metricsApi },
  };
}

/**
 * Ingress of each part through the namespace's default deny (pure). The API server is no pod, so the
 * metrics API and the webhook admit their HTTPS ports from any source; the operator's gRPC port only from
 * the metrics API server's pods; Prometheus on the metrics port of each.
 */
export function kedaIngress(monitoringNamespace: pulumi.Input<string>): Record<KedaPart, k8sTypes.networking.v1.NetworkPolicyIngressRule[]> {
  const scrape = { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(KEDA_PORTS.metrics) };
  return {
    operator: [{ from: [{ podSelector: { matchLabels: { app: KEDA_APPS.metricsApiServer } } }], ports: tcpPorts(KEDA_PORTS.operatorGrpc) }, scrape],
    metricsApiServer: [{ ports: tcpPorts(KEDA_PORTS.metricsApi) }, scrape],
    webhooks: [{ ports: tcpPorts(KEDA_PORTS.webhook) }, scrape],
  };
}

export class Keda extends pulumi.ComponentResource {
  /** The chart: ScaledObjects depend on it (their CRD and the operator come with it). */
  readonly ready: k8s.helm.v4.Chart;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:model:Keda", name, {}, opts);
    const values = kedaValues(args);
    const instance = k8sName(name);

    this.ready = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: KEDA_CHART.chart,
      version: KEDA_CHART.version,
      repositoryOpts: { repo: KEDA_CHART.repo },
      name: instance,
      namespace: args.namespace,
      values,
    }, { parent: this });

    const ingress = kedaIngress(args.monitoringNamespace);
    for (const part of Object.keys(KEDA_APPS) as KedaPart[]) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${part}`, {
        metadata: { name: `${KEDA_APPS[part]}-allow`, namespace: args.namespace, labels: standardLabels("keda", instance, part) },
        spec: { podSelector: { matchLabels: { app: KEDA_APPS[part] } }, policyTypes: ["Ingress"], ingress: ingress[part] },
      }, { parent: this });
    }

    this.namespace = pulumi.output(args.namespace);
    this.registerOutputs({ namespace: this.namespace, chart: KEDA_CHART.chart, version: KEDA_CHART.version });
  }
}
