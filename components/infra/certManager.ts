// cert-manager: issues the certificates that operator webhooks (MOCO's now, the gateway's later) need.
// Installed with L1 because every upper layer may depend on it; the edge layer adds the issuers.
import * as k8s from "@pulumi/kubernetes";
import { CertManager as CertManagerChart } from "@pulumi/kubernetes-cert-manager";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../lib/naming";
import { tcpPorts } from "../lib/network";

export const CERT_MANAGER_CHART = { chart: "cert-manager", version: "v1.21.1", repo: "https://charts.jetstack.io" } as const;

/** Port of cert-manager's webhook (the API server calls it). */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;

export interface CertManagerArgs {
  namespace: pulumi.Input<string>;
  /** Two replicas of the controller, webhook and cainjector, with disruption budgets and spreading. */
  highAvailability: boolean;
  /** Chart version. Default CERT_MANAGER_CHART.version. */
  chartVersion?: string;
}

const small = (cpu: string, memory: string, limit: string) => ({ requests: { cpu, memory }, limits: { memory: limit } });

/** Helm values (pure). */
export function certManagerValues(args: Pick<CertManagerArgs, "highAvailability">): Record<string, unknown> {
  const replicas = args.highAvailability ? 2 : 1;
  const spread = (component: string) =>
    args.highAvailability
      ? {
          podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/component": component } } },
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/component": component } } },
          ],
        }
      : {};
  return {
    // CRDs with the release, kept on uninstall: deleting them would delete every Certificate and Issuer.
    crds: { enabled: true, keep: true },
    replicaCount: replicas,
    resources: small("50m", "128Mi", "512Mi"),
    ...spread("controller"),
    webhook: { replicaCount: replicas, resources: small("20m", "64Mi", "256Mi"), ...spread("webhook") },
    cainjector: { replicaCount: replicas, resources: small("20m", "128Mi", "512Mi"), ...spread("cainjector") },
    startupapicheck: { resources: small("10m", "64Mi", "128Mi") },
    // ACME HTTP-01 through the Gateway (gatewayHTTPRoute solver) needs cert-manager's Gateway API support;
    // its controller fails to start without the Gateway API CRDs, which L1 installs first.
    config: { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true },
    // The monitoring CRDs arrive with the observability layer; until then metrics are scraped by annotation.
    prometheus: { enabled: true, servicemonitor: { enabled: false } },
  };
}

export class CertManager extends pulumi.ComponentResource {
  readonly chart: CertManagerChart;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:CertManager", name, {}, opts);
    const version = args.chartVersion ?? CERT_MANAGER_CHART.version;
    this.chart = new CertManagerChart(`${name}-chart`, {
      helmOptions: {
        chart: CERT_MANAGER_CHART.chart,
        version,
        namespace: args.namespace,
        repositoryOpts: { repo: CERT_MANAGER_CHART.repo },
        values: certManagerValues(args),
      },
    }, { parent: this });

    // The namespace denies ingress by default; the API server calls the webhook from outside the pod network.
    new k8s.networking.v1.NetworkPolicy(`${name}-webhook`, {
      metadata: { name: "allow-cert-manager-webhook", namespace: args.namespace, labels: standardLabels("cert-manager", name, "webhook") },
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" } },
        policyTypes: ["Ingress"],
        ingress: [{ ports: tcpPorts(CERT_MANAGER_WEBHOOK_PORT) }],
      },
    }, { parent: this });

    this.registerOutputs({ chart: CERT_MANAGER_CHART.chart, version });
  }
}
