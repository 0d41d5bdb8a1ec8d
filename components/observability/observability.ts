// The monitoring stack: the Prometheus operator, Prometheus and Alertmanager from kube-prometheus-stack
// (CRDs from L1, subcharts off), the kit's alert rules as PrometheusRules, Alertmanager's routing to
// webhook receivers whose URLs stay in a Secret, NetworkPolicies for KEDA's queries, and Grafana.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../data/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";
import { quantityValue } from "../lib/quantity";
import { PROMETHEUS_CRDS_CHART } from "../infra/prometheusCrds";
import { Pushgateway } from "./pushgateway";
import { Grafana, GrafanaArgs } from "./grafana";

export const KUBE_PROMETHEUS_STACK_CHART = { chart: PROMETHEUS_CRDS_CHART.chart, version: PROMETHEUS_CRDS_CHART.version, repo: PROMETHEUS_CRDS_CHART.repo } as const;

/** Prometheus' web port (the operator's `prometheus-operated` Service). */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
/** The chart shortens its fullname to 26 characters; release names stay below so object names are predictable. */
export const MAX_RELEASE_NAME = 26;
/** Share of the volume Prometheus may fill before it drops the oldest blocks (the rest is WAL and compaction headroom). */
export const RETENTION_SIZE_SHARE = 0.85;

export const OPERATOR_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } };
export const RELOADER_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } };

/** Default rule groups of the chart that work without kube-state-metrics and node-exporter (both off). */
export const DEFAULT_RULE_GROUPS_KEPT = [
  "alertmanager",
  "configReloaders",
  "general",
  "prometheus",
  "prometheusOperator",
  "kubeApiserverAvailability",
  "kubeApiserverBurnrate",
  "kubeApiserverHistogram",
  "kubeApiserverSlos",
] as const;

/** Every default rule group of the chart 88.5.3; all but DEFAULT_RULE_GROUPS_KEPT are switched off. */
export const DEFAULT_RULE_GROUPS = [
  "alertmanager", "etcd", "configReloaders", "general", "k8sContainerCpuUsageSecondsTotal", "k8sContainerMemoryCache", "k8sContainerMemoryRss",
  "k8sContainerMemorySwap", "k8sContainerResource", "k8sContainerMemoryWorkingSetBytes", "k8sPodOwner", "kubeApiserverAvailability",
  "kubeApiserverBurnrate", "kubeApiserverHistogram", "kubeApiserverSlos", "kubeControllerManager", "kubelet", "kubeProxy", "kubePrometheusGeneral",
  "kubePrometheusNodeRecording", "kubernetesApps", "kubernetesResources", "kubernetesStorage", "kubernetesSystem", "kubeSchedulerAlerting",
  "kubeSchedulerRecording", "kubeStateMetrics", "network", "node", "nodeExporterAlerting", "nodeExporterRecording", "prometheus", "prometheusOperator", "windows",
] as const;

export interface AlertReceiver {
  /** DNS label; the key of its URL in the receivers Secret. */
  name: string;
  /** Webhook URL: a secret (it is only ever written into the Secret). */
  webhookUrl: pulumi.Input<string>;
  severities: string[];
  sendResolved: boolean;
}

/** Default Helm release name: the prefix of the chart's object names (the namespace is already the platform's own). */
export const DEFAULT_RELEASE = "monitoring";

export interface ObservabilityArgs {
  namespace: pulumi.Input<string>;
  /** Helm release name (a DNS label of at most MAX_RELEASE_NAME characters). Default DEFAULT_RELEASE. */
  releaseName?: string;
  highAvailability: boolean;
  storageClass: pulumi.Input<string>;
  prometheus: { retention: string; storageSize: string; replicas: number; resources: ContainerResources };
  alertmanager: { replicas: number; resources: ContainerResources; receivers: AlertReceiver[] };
  /** Grafana's args, less what this component derives (namespace, URLs, dashboards, HA). */
  grafana: Omit<GrafanaArgs, "namespace" | "prometheusUrl" | "alertmanagerUrl" | "dashboards" | "highAvailability">;
  /** Prometheus rule groups ({ name, rules: [...] }), each becomes a PrometheusRule. */
  ruleGroups: object[];
  /** Dashboards, name -> JSON text. */
  dashboards: Record<string, string>;
  /** Namespaces that query Prometheus from outside (KEDA in the model namespace). */
  queryNamespaces: pulumi.Input<string>[];
  /** The CRDs' release (L1): every custom resource here waits for it. */
  crds?: pulumi.Resource;
}

/** Names the chart and the operator give the objects, from the release name (pure). */
export function stackNames(release: string) {
  return {
    release,
    prometheus: `${release}-prometheus`,
    alertmanager: `${release}-alertmanager`,
    /** Created by the operator for every Prometheus: what KEDA and Grafana query. */
    prometheusService: "prometheus-operated",
    alertmanagerService: "alertmanager-operated",
    alertmanagerConfig: `${release}-routing`,
    receiversSecret: `${release}-receivers`,
  };
}

/** Labels of the pods the chart and the operator run (the operator labels its StatefulSets' pods by app name). */
export const MONITORING_PODS = {
  prometheus: { "app.kubernetes.io/name": "prometheus" },
  alertmanager: { "app.kubernetes.io/name": "alertmanager" },
  operator: { app: "kube-prometheus-stack-operator" },
} as const;

/** Port of the operator's web (metrics) and of the config reloaders' sidecars. */
export const OPERATOR_PORT = 8080;
const RELOADER_PORT = 8080;
const ALERTMANAGER_MESH_PORT = 9094;

/**
 * Ingress of the monitoring stack's pods (pure), one policy per role: Prometheus scrapes every pod of
 * its namespace's stack on the metrics ports and is queried by Grafana (same namespace) and KEDA
 * (`queryNamespaces`); Alertmanager takes alerts from Prometheus and, with several replicas, gossips
 * with its peers; the operator is scraped. Grafana's own policy lives with Grafana.
 */
export function monitoringIngress(a: { namespace: pulumi.Input<string>; queryNamespaces: pulumi.Input<string>[]; alertmanagerReplicas: number }) {
  const own = [namespacePeer(a.namespace)];
  return {
    "prometheus-ingress": {
      pods: { ...MONITORING_PODS.prometheus },
      ingress: [
        { from: own, ports: tcpPorts(PROMETHEUS_PORT, RELOADER_PORT) },
        ...(a.queryNamespaces.length > 0 ? [{ from: a.queryNamespaces.map(namespacePeer), ports: tcpPorts(PROMETHEUS_PORT) }] : []),
      ],
    },
    "alertmanager-ingress": {
      pods: { ...MONITORING_PODS.alertmanager },
      ingress: [
        { from: own, ports: tcpPorts(ALERTMANAGER_PORT, RELOADER_PORT) },
        ...(a.alertmanagerReplicas > 1
          ? [{ from: [{ podSelector: { matchLabels: { ...MONITORING_PODS.alertmanager } } }], ports: [{ protocol: "TCP", port: ALERTMANAGER_MESH_PORT }, { protocol: "UDP", port: ALERTMANAGER_MESH_PORT }] }]
          : []),
      ],
    },
    "operator-ingress": { pods: { ...MONITORING_PODS.operator }, ingress: [{ from: own, ports: tcpPorts(OPERATOR_PORT) }] },
  };
}

/** retentionSize for a volume: RETENTION_SIZE_SHARE of it, in whole GiB (MiB below 1 GiB). Pure. */
export function retentionSize(storageSize: string): string {
  const bytes = quantityValue(storageSize);
  if (bytes === undefined || bytes <= 0) throw new Error(`prometheus.storageSize ${JSON.stringify(storageSize)} is not a Kubernetes quantity; allowed: e.g. 50Gi`);
  const gib = Math.floor((bytes * RETENTION_SIZE_SHARE) / 2 ** 30);
  return gib >= 1 ? `${gib}GB` : `${Math.max(1, Math.floor((bytes * RETENTION_SIZE_SHARE) / 2 ** 20))}MB`;
}

/** Every problem with the args (pure). */
export function observabilityProblems(args: Pick<ObservabilityArgs, "prometheus" | "alertmanager" | "ruleGroups" | "highAvailability" | "releaseName">): string[] {
  const p: string[] = [];
  const release = args.releaseName ?? DEFAULT_RELEASE;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(release) || release.length > MAX_RELEASE_NAME) p.push(`releaseName ${JSON.stringify(release)} is not a DNS label of at most ${MAX_RELEASE_NAME} characters (the chart cuts longer names); allowed: e.g. ${DEFAULT_RELEASE}`);
  if (args.prometheus.replicas < 1) p.push(`prometheus.replicas ${args.prometheus.replicas} is below 1; allowed: >= 1`);
  if (args.alertmanager.replicas < 1) p.push(`alertmanager.replicas ${args.alertmanager.replicas} is below 1; allowed: >= 1`);
  if (args.highAvailability && args.prometheus.replicas < 2) p.push(`prometheus.replicas ${args.prometheus.replicas} with highAvailability; allowed: >= 2`);
  if (args.highAvailability && args.alertmanager.replicas < 2) p.push(`alertmanager.replicas ${args.alertmanager.replicas} with highAvailability; allowed: >= 2`);
  if (quantityValue(args.prometheus.storageSize) === undefined) p.push(`prometheus.storageSize ${JSON.stringify(args.prometheus.storageSize)} is not a Kubernetes quantity; allowed: e.g. 50Gi`);
  const names = new Set<string>();
  args.ruleGroups.forEach((g, i) => {
    const group = g as { name?: unknown; rules?: unknown };
    if (typeof group.name !== "string" || group.name.length === 0) p.push(`ruleGroups[${i}].name is missing; allowed: a rule group { name, rules }`);
    else if (names.has(group.name)) p.push(`ruleGroups[${i}].name ${JSON.stringify(group.name)} is used twice; allowed: unique group names`);
    else names.add(group.name);
    if (!Array.isArray(group.rules) || group.rules.length === 0) p.push(`ruleGroups[${i}].rules is empty; allowed: at least one alert or record rule`);
  });
  const receivers = new Set<string>();
  for (const r of args.alertmanager.receivers) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.name) || r.name === "null") p.push(`alertmanager.receivers name ${JSON.stringify(r.name)} is not a DNS label (or is the reserved "null"); allowed: e.g. oncall`);
    if (receivers.has(r.name)) p.push(`alertmanager.receivers name ${JSON.stringify(r.name)} is used twice; allowed: unique names`);
    receivers.add(r.name);
    if (r.severities.length === 0) p.push(`alertmanager.receivers ${r.name}: severities is empty; allowed: at least one of critical, warning, info`);
  }
  return p;
}

const res = (r: ContainerResources) => ({ requests: { ...r.requests }, limits: { memory: r.limits.memory, ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}) } });

/** kube-prometheus-stack values: operator, Prometheus, Alertmanager; no CRDs, no subcharts, no secret (pure). */
export function stackValues(args: Pick<ObservabilityArgs, "prometheus" | "alertmanager" | "highAvailability" | "storageClass" | "releaseName">) {
  const names = stackNames(args.releaseName ?? DEFAULT_RELEASE);
  const ha = args.highAvailability;
  const off = { enabled: false };
  const podSecurity = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000, seccompProfile: { type: "RuntimeDefault" } };
  const rules = Object.fromEntries(DEFAULT_RULE_GROUPS.map((g) => [g, (DEFAULT_RULE_GROUPS_KEPT as readonly string[]).includes(g)]));
  const pdb = (replicas: number) => (replicas > 1 ? { enabled: true, minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" } : off);
  const volume = (size: string) => ({
    volumeClaimTemplate: { spec: { storageClassName: args.storageClass, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } },
  });
  const keep = { whenDeleted: "Retain", whenScaled: "Retain" };
  return {
    fullnameOverride: names.release,
    // L1 installs the CRDs from this chart version (infra.cluster.prometheusCrds).
    crds: off,
    // Not in the offline chart cache: their metrics (kube_*, node_*) and the rules that need them are absent.
    kubeStateMetrics: off,
    nodeExporter: off,
    grafana: { enabled: false, forceDeployDashboards: false, forceDeployDatasources: false },
    windowsMonitoring: off,
    thanosRuler: off,
    defaultRules: { create: true, rules },
    // The API server and the kubelets (cAdvisor: container CPU and memory) are scraped; control-plane parts EKS hides are not.
    kubernetesServiceMonitors: { enabled: true },
    kubeApiServer: { enabled: true },
    kubelet: { enabled: true },
    kubeControllerManager: off,
    kubeScheduler: off,
    kubeProxy: off,
    kubeEtcd: off,
    coreDns: off,
    kubeDns: off,
    prometheusOperator: {
      enabled: true,
      // Its validating webhook would need a certificate job and API-server ingress; the kit's rules are checked by promtool in CI.
      admissionWebhooks: { enabled: false, patch: off },
      tls: off,
      resources: res(OPERATOR_RESOURCES),
      securityContext: { ...podSecurity, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 },
      containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
      prometheusConfigReloader: { enableProbe: true, resources: res(RELOADER_RESOURCES) },
      serviceMonitor: { selfMonitor: true },
    },
    prometheus: {
      enabled: true,
      podDisruptionBudget: pdb(args.prometheus.replicas),
      prometheusSpec: {
        replicas: args.prometheus.replicas,
        retention: args.prometheus.retention,
        retentionSize: retentionSize(args.prometheus.storageSize),
        resources: res(args.prometheus.resources),
        storageSpec: volume(args.prometheus.storageSize),
        persistentVolumeClaimRetentionPolicy: keep,
        // Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in every namespace.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        serviceMonitorSelector: {},
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: {},
        podMonitorNamespaceSelector: {},
        ruleSelector: {},
        ruleNamespaceSelector: {},
        // Node labels on every target (the DCGM relabeling turns the node's GPU pool into `gpu_pool`).
        scrapeClasses: [{ name: "node-metadata", default: true, attachMetadata: { node: true } }],
        podAntiAffinity: ha ? "soft" : "",
        securityContext: podSecurity,
        externalUrl: "",
      },
    },
    alertmanager: {
      enabled: true,
      podDisruptionBudget: pdb(args.alertmanager.replicas),
      alertmanagerSpec: {
        replicas: args.alertmanager.replicas,
        resources: res(args.alertmanager.resources),
        // Silences and the notification log survive restarts.
        storage: volume("1Gi"),
        persistentVolumeClaimRetentionPolicy: keep,
        // Routing and receivers come from the AlertmanagerConfig this component declares (URLs from a Secret).
        alertmanagerConfiguration: { name: names.alertmanagerConfig },
        podAntiAffinity: ha ? "soft" : "",
        securityContext: podSecurity,
      },
    },
  };
}

/** The AlertmanagerConfig spec: every alert to "null" unless a receiver subscribes to its severity (pure). */
export function routingSpec(receivers: Pick<AlertReceiver, "name" | "severities" | "sendResolved">[], secretName: string) {
  return {
    route: {
      receiver: "null",
      groupBy: ["alertname", "namespace", "severity"],
      groupWait: "30s",
      groupInterval: "5m",
      repeatInterval: "4h",
      routes: [
        // The always-firing heartbeat of the default rules proves the pipeline; it pages nobody.
        { receiver: "null", matchers: [{ name: "alertname", matchType: "=", value: "Watchdog" }] },
        ...receivers.map((r) => ({ receiver: r.name, matchers: [{ name: "severity", matchType: "=~", value: r.severities.join("|") }], continue: true })),
      ],
    },
    receivers: [
      { name: "null" },
      ...receivers.map((r) => ({ name: r.name, webhookConfigs: [{ urlSecret: { name: secretName, key: r.name }, sendResolved: r.sendResolved }] })),
    ],
    inhibitRules: [
      // A critical alert silences the warnings of the same alert in the same namespace.
      { sourceMatch: [{ name: "severity", matchType: "=", value: "critical" }], targetMatch: [{ name: "severity", matchType: "=~", value: "warning|info" }], equal: ["alertname", "namespace"] },
    ],
  };
}

export class Observability extends pulumi.ComponentResource {
  /** In-cluster Prometheus URL (what KEDA and Grafana query). */
  readonly prometheusUrl: pulumi.Output<string>;
  readonly alertmanagerUrl: pulumi.Output<string>;
  readonly grafana: Grafana;
  /** Where the performance gate pushes its verdict (in-cluster URL). */
  readonly pushgatewayUrl: pulumi.Output<string>;
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:observability:Observability", name, {}, opts);
    const problems = observabilityProblems(args);
    if (problems.length > 0) throw new Error(`Observability ${name}: ${problems.join("; ")}`);
    const names = stackNames(args.releaseName ?? DEFAULT_RELEASE);
    const meta = (n: string, component: string) => ({ name: n, namespace: args.namespace, labels: standardLabels("prometheus-stack", names.release, component) });
    const crds = args.crds ? [args.crds] : [];

    // Webhook URLs carry tokens: only here, as Secret data, never in values or the AlertmanagerConfig.
    const receivers = new k8s.core.v1.Secret(`${name}-receivers`, {
      metadata: meta(names.receiversSecret, "alertmanager"),
      type: "Opaque",
      stringData: Object.fromEntries(args.alertmanager.receivers.map((r) => [r.name, pulumi.secret(r.webhookUrl)])),
    }, { parent: this });

    const routing = new k8s.apiextensions.CustomResource(`${name}-routing`, {
      apiVersion: "monitoring.coreos.com/v1alpha1",
      kind: "AlertmanagerConfig",
      metadata: meta(names.alertmanagerConfig, "alertmanager"),
      spec: routingSpec(args.alertmanager.receivers, names.receiversSecret),
    }, { parent: this, dependsOn: [...crds, receivers] });

    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: KUBE_PROMETHEUS_STACK_CHART.chart,
      version: KUBE_PROMETHEUS_STACK_CHART.version,
      repositoryOpts: { repo: KUBE_PROMETHEUS_STACK_CHART.repo },
      name: names.release,
      namespace: args.namespace,
      skipCrds: true,
      values: stackValues(args),
    }, { parent: this, dependsOn: [...crds, routing] });

    for (const group of args.ruleGroups as { name: string }[]) {
      new k8s.apiextensions.CustomResource(`${name}-rules-${k8sName(group.name)}`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: meta(k8sName(names.release, group.name), "rules"),
        spec: { groups: [group] },
      }, { parent: this, dependsOn: crds });
    }

    // Exactly the monitoring stack's own traffic through the default deny (see monitoringIngress).
    for (const [role, policy] of Object.entries(monitoringIngress({ namespace: args.namespace, queryNamespaces: args.queryNamespaces, alertmanagerReplicas: args.alertmanager.replicas }))) {
      new k8s.networking.v1.NetworkPolicy(`${name}-${role}`, {
        metadata: meta(k8sName(names.release, role), role.split("-")[0]),
        spec: { podSelector: { matchLabels: policy.pods }, policyTypes: ["Ingress"], ingress: policy.ingress },
      }, { parent: this });
    }

    this.prometheusUrl = pulumi.interpolate`http://${names.prometheusService}.${args.namespace}.svc.cluster.local:${PROMETHEUS_PORT}`;
    this.alertmanagerUrl = pulumi.interpolate`http://${names.alertmanagerService}.${args.namespace}.svc.cluster.local:${ALERTMANAGER_PORT}`;

    this.grafana = new Grafana(`${name}-grafana`, {
      ...args.grafana,
      namespace: args.namespace,
      prometheusUrl: this.prometheusUrl,
      alertmanagerUrl: this.alertmanagerUrl,
      dashboards: args.dashboards,
      highAvailability: args.highAvailability,
    }, { parent: this, dependsOn: crds });

    this.pushgatewayUrl = new Pushgateway(`${name}-pushgateway`, { namespace: args.namespace }, { parent: this, dependsOn: crds }).url;

    this.registerOutputs({ prometheusUrl: this.prometheusUrl, alertmanagerUrl: this.alertmanagerUrl, grafanaUrl: this.grafana.url, pushgatewayUrl: this.pushgatewayUrl, chart: KUBE_PROMETHEUS_STACK_CHART.version });
  }
}
