// Edge: the certificate issuer, Istio with the Gateway API, one Gateway with an HTTPS listener per public
// host (HTTP redirected), and an HTTPRoute per service the layers below expose.
import type * as pulumi from "@pulumi/pulumi";
import { EdgeConfig, PlatformConfig } from "../config";
import { ExposedService, PublicHostKey } from "../components/edge/contracts";
import { EdgeGateway, GATEWAY_NAMES, GATEWAY_POD_LABELS, orderedHostKeys } from "../components/edge/gateway";
import { CertIssuer } from "../components/edge/issuer";
import { Istio } from "../components/edge/istio";
import { PublicRoutes } from "../components/edge/routes";
import { IdentityHandle } from "../components/identity/contracts";
import { baseName } from "../components/lib/naming";
import { AppsHandle } from "./apps";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";
import { ModelHandle } from "./model";
import { ObservabilityHandle } from "./observability";

export interface EdgeHandle {
  /** Public base URL (https://<host>) of every exposed service, by host key. */
  urls: Partial<Record<ExposedService["host"], string>>;
}

/** Every service the layers below ask the gateway to publish, in layer order. */
export function exposedServices(below: { data: { exposed: ExposedService[] }; model: { exposed: ExposedService[] }; identity: { exposed: ExposedService[] }; apps: { exposed: ExposedService[] }; observability: { exposed: ExposedService[] } }): ExposedService[] {
  return [...below.data.exposed, ...below.model.exposed, ...below.identity.exposed, ...below.apps.exposed, ...below.observability.exposed];
}

/** https://<host> of each exposed host key (pure); the gateway listens on 443 (kind maps the host's 443 to it on local). */
export function publicUrls(hosts: PlatformConfig["hosts"], keys: PublicHostKey[]): Partial<Record<PublicHostKey, string>> {
  return Object.fromEntries(orderedHostKeys(keys).map((k) => [k, `https://${hosts[k]}`]));
}

export function edgeLayer(platform: PlatformConfig, cfg: EdgeConfig, below: { infra: InfraHandle; data: DataHandle; model: ModelHandle; identity: IdentityHandle; apps: AppsHandle; observability: ObservabilityHandle }): EdgeHandle {
  const base = baseName(platform);
  const c = below.infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  const exposed = exposedServices(below);
  const hostKeys = orderedHostKeys(exposed.map((s) => s.host));
  // cert-manager's CRDs (Certificate, ClusterIssuer) arrive with its chart in L1, where the kit installs it.
  const certManager = c.certManager ? [c.certManager] : [];

  // The Gateway API CRDs come with L1 (before cert-manager); on clusters that already had them, nothing to wait for.
  const crds: pulumi.Resource[] = c.gatewayApiCrds ? [c.gatewayApiCrds] : [];
  // istiod's and the gateway's monitors need the Prometheus operator's CRDs (children wait for their component).
  const monitors = c.prometheusCrds ? [c.prometheusCrds] : [];

  const istio = new Istio(`${base}-istio`, {
    namespace: ns.edge,
    replicas: cfg.istiod.replicas,
    resources: cfg.istiod.resources,
    monitoringNamespace: ns.observability,
    proxyPods: { ...GATEWAY_POD_LABELS },
    dependsOn: crds,
  }, { ...k8sOpts, dependsOn: monitors });

  const i = cfg.issuer;
  if (i.kind === "acme-dns01" && !c.aws) throw new Error('edge.issuer.kind "acme-dns01" needs an AWS cluster (Route53 and IAM roles for service accounts)');
  const issuer = new CertIssuer(`${base}-issuer`, {
    kind: i.kind,
    certManagerNamespace: ns.infra,
    caCommonName: `ONE-DATA-STUDIO ${platform.environment} CA`,
    ...(i.acme ? { acme: i.acme } : {}),
    ...(i.kind === "acme-http01" ? { http01: { gateway: GATEWAY_NAMES.gateway, namespace: ns.edge, sectionName: GATEWAY_NAMES.httpListener, gatewayPods: { ...GATEWAY_POD_LABELS } } } : {}),
    ...(i.kind === "acme-dns01" && i.route53 && c.aws
      ? { dns01: { hostedZoneId: i.route53.hostedZoneId, region: c.aws.region, oidcProviderArn: c.aws.oidcProviderArn, oidcIssuerUrl: c.aws.oidcIssuerUrl } }
      : {}),
  }, { providers: { kubernetes: c.provider, ...(c.aws ? { aws: c.aws.provider } : {}) }, dependsOn: certManager });

  if (hostKeys.length === 0) return { urls: {} };

  const gateway = new EdgeGateway(`${base}-gateway`, {
    namespace: ns.edge,
    hosts: platform.hosts,
    hostKeys,
    replicas: cfg.gateway.replicas,
    resources: cfg.gateway.resources,
    service: cfg.gateway.service,
    issuerRef: issuer.issuerRef,
    monitoringNamespace: ns.observability,
    dependsOn: [...crds, istio],
    certificateDependsOn: [...certManager, issuer],
  }, { ...k8sOpts, dependsOn: monitors });

  new PublicRoutes(`${base}-routes`, {
    services: exposed,
    hosts: platform.hosts,
    gateway: gateway.gateway,
    gatewayPods: gateway.podLabels,
    dependsOn: [...crds, gateway.resource],
  }, k8sOpts);

  return { urls: publicUrls(platform.hosts, hostKeys) };
}
