// Observability: Prometheus (operator, rules, scraping of every monitor the kit declares), Alertmanager,
// Grafana with single sign-on and the kit's dashboards.
import * as pulumi from "@pulumi/pulumi";
import { ObservabilityConfig, OdsConfig, PlatformConfig } from "../config";
import { alertInputsFromConfig, alertRuleGroups } from "../components/observability/alerts";
import { DASHBOARDS, loadDashboard } from "../components/observability/dashboards";
import { ExposedService } from "../components/edge/contracts";
import { IdentityHandle } from "../components/identity/contracts";
import { GRAFANA_PORT } from "../components/observability/grafana";
import { Observability } from "../components/observability/observability";
import { baseName } from "../components/lib/naming";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";

export interface ObservabilityHandle {
  exposed: ExposedService[];
  /** In-cluster Prometheus URL: http://prometheus-operated.<observability ns>.svc.cluster.local:9090. */
  prometheusUrl: pulumi.Output<string>;
  /** Grafana's public URL. */
  grafanaUrl: string;
  /** Secret (observability namespace) with Grafana's break-glass admin (keys admin-user, admin-password). */
  grafanaAdminSecret: pulumi.Output<string>;
}

/**
 * What the layer is given that another part of the kit provides: the alert rule groups and dashboards
 * (the observability rules work) and nothing else; empty until they are wired in.
 */
export interface ObservabilityContent {
  ruleGroups: object[];
  dashboards: Record<string, string>;
}

/** The kit's alert rules for the stack (from its validated config: the LLM and API objectives) and its dashboards (pure). */
export function observabilityContent(cfg: OdsConfig): ObservabilityContent {
  return {
    ruleGroups: alertRuleGroups(alertInputsFromConfig(cfg.environment, cfg, cfg.observability.apiSlo)),
    dashboards: Object.fromEntries(DASHBOARDS.map((d) => [d.name, JSON.stringify(loadDashboard(d.name))])),
  };
}

export function observabilityLayer(
  platform: PlatformConfig,
  cfg: ObservabilityConfig,
  below: { infra: InfraHandle; data: DataHandle; identity: IdentityHandle },
  content: ObservabilityContent = { ruleGroups: [], dashboards: {} },
): ObservabilityHandle {
  const base = baseName(platform);
  const c = below.infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  const grafanaClient = below.identity.clients.grafana;

  const obs = new Observability(`${base}-observability`, {
    namespace: ns.observability,
    highAvailability: platform.highAvailability,
    storageClass: c.storageClass,
    prometheus: cfg.prometheus,
    alertmanager: {
      replicas: cfg.alertmanager.replicas,
      resources: cfg.alertmanager.resources,
      receivers: cfg.alertmanager.receivers.map((r) => ({ ...r, webhookUrl: pulumi.secret(r.webhookUrl) })),
    },
    grafana: {
      image: cfg.grafana.image,
      sidecarImage: cfg.grafana.sidecarImage,
      replicas: cfg.grafana.replicas,
      resources: cfg.grafana.resources,
      persistence: { size: cfg.grafana.persistence.size, storageClass: c.storageClass },
      // Several replicas share one database: the platform MySQL (HA only; the schema keeps 1 replica otherwise).
      database: platform.highAvailability ? { secretName: below.data.mysql.access["grafana"].secretName } : undefined,
      host: platform.hosts.grafana,
      oauth: { issuerUrl: below.identity.issuerUrl, internalIssuerUrl: below.identity.internalIssuerUrl, clientSecretName: grafanaClient.secretName },
    },
    ruleGroups: content.ruleGroups,
    dashboards: content.dashboards,
    // KEDA's Prometheus scaler runs in the model namespace.
    queryNamespaces: [ns.model],
    crds: c.prometheusCrds,
  }, k8sOpts);

  return {
    exposed: [
      {
        host: "grafana",
        namespace: ns.observability,
        service: obs.grafana.serviceName,
        port: GRAFANA_PORT,
        pods: obs.grafana.podLabels,
        targetPort: GRAFANA_PORT,
      },
    ],
    prometheusUrl: obs.prometheusUrl,
    grafanaUrl: `https://${platform.hosts.grafana}`,
    grafanaAdminSecret: obs.grafana.adminSecretName,
  };
}
