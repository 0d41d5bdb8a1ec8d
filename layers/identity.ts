// L4 identity: Keycloak on the platform's MySQL, the platform realm with its roles, groups and OIDC
// clients (through @pulumi/keycloak), and Kubernetes access through the same identities.
import { IdentityConfig, PlatformConfig } from "../config";
import { IdentityHandle, OIDC_CLIENTS } from "../components/identity/contracts";
import { Keycloak, keycloakInternalUrl } from "../components/identity/keycloak";
import { KubernetesAccess } from "../components/identity/kubernetesAccess";
import { PlatformRealm } from "../components/identity/platformRealm";
import { baseName, namespaceName } from "../components/lib/naming";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";

/** The realm's public URLs (pure): issuer and token endpoint on the gateway's host for Keycloak. */
export function realmUrls(keycloakHost: string, realm: string): { publicUrl: string; issuerUrl: string; tokenEndpoint: string } {
  const publicUrl = `https://${keycloakHost}`;
  const issuerUrl = `${publicUrl}/realms/${realm}`;
  return { publicUrl, issuerUrl, tokenEndpoint: `${issuerUrl}/protocol/openid-connect/token` };
}

export function identityLayer(platform: PlatformConfig, cfg: IdentityConfig, below: { infra: InfraHandle; data: DataHandle }): IdentityHandle {
  const base = baseName(platform);
  const c = below.infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  const urls = realmUrls(platform.hosts.keycloak, cfg.realm.name);
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
    // In-cluster callers: the agent API (JWKS, token exchange) and Grafana (its login's code exchange).
    // The data and model APIs hold client credentials for token introspection but do not call Keycloak yet.
    clientNamespaces: [ns.apps, ns.observability],
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
  const internalIssuerUrl = `${keycloakInternalUrl(`${base}-keycloak`, namespaceName(platform.namePrefix, "identity"))}/realms/${cfg.realm.name}`;
  return { realm: cfg.realm.name, issuerUrl: urls.issuerUrl, internalIssuerUrl, tokenEndpoint: urls.tokenEndpoint, clients, exposed: server.exposed };
}
