// The Prometheus operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule, ...), installed in L1 so
// every later layer can declare its monitors and rules in the same `pulumi up` on a bare cluster.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The CRDs come from the same chart (and so the same operator version, v0.93.1) that the observability
 * layer installs the operator from; this release renders nothing else.
 */
export const PROMETHEUS_CRDS_CHART = {
  chart: "kube-prometheus-stack",
  version: "88.5.3",
  repo: "https://prometheus-community.github.io/helm-charts",
  operatorVersion: "v0.93.1",
} as const;

/** The kinds this release defines (group monitoring.coreos.com). */
export const PROMETHEUS_CRD_KINDS = [
  "Alertmanager",
  "AlertmanagerConfig",
  "PodMonitor",
  "Probe",
  "Prometheus",
  "PrometheusAgent",
  "PrometheusRule",
  "ScrapeConfig",
  "ServiceMonitor",
  "ThanosRuler",
] as const;

/** Chart values that render the CRDs and nothing else: every component and default rule off. */
export function prometheusCrdsValues(): Record<string, unknown> {
  const off = { enabled: false };
  return {
    crds: { enabled: true, upgradeJob: off },
    defaultRules: { create: false },
    kubernetesServiceMonitors: off,
    alertmanager: off,
    grafana: off,
    kubeStateMetrics: off,
    nodeExporter: off,
    windowsMonitoring: off,
    prometheusOperator: off,
    prometheus: off,
    thanosRuler: off,
    // Scrape configs of the control plane (also behind kubernetesServiceMonitors).
    kubeApiServer: off,
    kubelet: off,
    kubeControllerManager: off,
    coreDns: off,
    kubeDns: off,
    kubeEtcd: off,
    kubeScheduler: off,
    kubeProxy: off,
  };
}

export interface PrometheusCrdsArgs {
  /** Release namespace (the CRDs themselves are cluster-scoped). */
  namespace: pulumi.Input<string>;
  /** Chart version. Default PROMETHEUS_CRDS_CHART.version. */
  chartVersion?: string;
}

export class PrometheusCrds extends pulumi.ComponentResource {
  /** The chart; depend on it to create ServiceMonitors, PodMonitors or PrometheusRules. */
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: PrometheusCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:PrometheusCrds", name, {}, opts);
    const version = args.chartVersion ?? PROMETHEUS_CRDS_CHART.version;
    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: PROMETHEUS_CRDS_CHART.chart,
      version,
      namespace: args.namespace,
      repositoryOpts: { repo: PROMETHEUS_CRDS_CHART.repo },
      values: prometheusCrdsValues(),
    }, { parent: this });
    this.registerOutputs({ chart: PROMETHEUS_CRDS_CHART.chart, version });
  }
}
