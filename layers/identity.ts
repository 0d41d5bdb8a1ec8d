// L4 identity: Keycloak on the platform's MySQL, the platform realm with its roles, groups and OIDC
// clients (through @pulumi/keycloak), and Kubernetes access through the same identities.
import { IdentityConfig, PlatformConfig } from "../config";
import { IdentityHandle, OIDC_CLIENTS } from "../components/identity/contracts";
import { Keycloak } from "../components/identity/keycloak";
import { KubernetesAccess } from "../components/identity/kubernetesAccess";
import { PlatformRealm } from "../components/identity/platformRealm";
import { baseName } from "../components/lib/naming";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";

export function identityLayer(platform: PlatformConfig, cfg: IdentityConfig, below: { infra: InfraHandle; data: DataHandle }): IdentityHandle {
  const base = baseName(platform);
  const c = below.infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  // The realm's URLs derive from config (config/schema: platform.realm), so lower layers know them too.
  const urls = platform.realm;
  const db = below.data.mysql.access["keycloak"];
  if (!db) throw new Error('identity layer: the data layer has no MySQL access for "keycloak" (databaseConsumers in layers/data.ts)');

  const server = new Keycloak(`${base}-keycloak`, {
    namespace: ns.identity,
    image: cfg.keycloak.image,
    replicas: cfg.keycloak.replicas,
    resources: cfg.keycloak.resources,
    publicUrl: urls.publicUrl,
    realm: cfg.realm.name,
    databaseSecret: db.secretName,
    access: cfg.access,
    // Services that validate tokens or introspect them without the gateway hop.
    // In-cluster callers: the data API and the agent API (the realm's keys), the agent API's token
    // exchange, and Grafana (its login's code exchange). The model API does not call Keycloak.
    clientNamespaces: [ns.data, ns.apps, ns.observability],
    monitoringNamespace: ns.observability,
    monitorDependsOn: c.prometheusCrds ? [c.prometheusCrds] : [],
  }, k8sOpts);

  const realm = new PlatformRealm(`${base}-realm`, {
    settings: cfg.realm,
    hosts: platform.hosts,
    namespaces: ns,
    users: cfg.users,
    // No MinIO console where the object store is S3.
    without: below.data.objectStore.kind === "minio" ? [] : ["minio-console"],
  }, { providers: { kubernetes: c.provider, keycloak: server.provider }, dependsOn: [server] });

  if (cfg.kubernetesAccess.enabled) {
    new KubernetesAccess(`${base}-kube-access`, {
      namespaces: ns,
      issuerUrl: urls.issuerUrl,
      clientId: realm.clients.kubernetes.clientId,
      usernameClaim: cfg.kubernetesAccess.usernameClaim,
      usernamePrefix: cfg.kubernetesAccess.usernamePrefix,
      groupsPrefix: cfg.kubernetesAccess.groupsPrefix,
      ...(c.aws ? { eks: { clusterName: c.name } } : {}),
    }, { providers: { kubernetes: c.provider, ...(c.aws ? { aws: c.aws.provider } : {}) }, dependsOn: [realm] });
  }

  const clients = Object.fromEntries(OIDC_CLIENTS.map((n) => [n, realm.clients[n]])) as IdentityHandle["clients"];
  return { realm: cfg.realm.name, issuerUrl: urls.issuerUrl, internalIssuerUrl: urls.internalIssuerUrl, tokenEndpoint: urls.tokenEndpoint, clients, exposed: server.exposed };
}
