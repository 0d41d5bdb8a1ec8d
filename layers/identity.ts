// L4 identity: Keycloak on the platform's MySQL, the platform realm with its roles, groups and OIDC
// clients (through @pulumi/keycloak), and Kubernetes access through the same identities.
import { IdentityConfig, PlatformConfig } from "../config";
import { IdentityHandle, OIDC_CLIENTS, OidcClient, OidcClientName } from "../components/identity/contracts";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";

export function identityLayer(platform: PlatformConfig, cfg: IdentityConfig, below: { infra: InfraHandle; data: DataHandle }): IdentityHandle {
  // SCAFFOLD (replaced by the identity work before it lands): the realm's URLs, no resources yet.
  void cfg;
  void below;
  const realm = "ods";
  const issuerUrl = `https://${platform.hosts.keycloak}/realms/${realm}`;
  const clients = Object.fromEntries(OIDC_CLIENTS.map((c) => [c, { clientId: c }])) as Record<OidcClientName, OidcClient>;
  return { realm, issuerUrl, tokenEndpoint: `${issuerUrl}/protocol/openid-connect/token`, clients, exposed: [] };
}
