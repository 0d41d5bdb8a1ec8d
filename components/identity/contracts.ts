// What the identity layer hands to the layers above: the realm, its issuer and token endpoint, and one
// OIDC client per UI and API, with the Secret (in the consumer's namespace) that holds a confidential
// client's credentials.
import type * as pulumi from "@pulumi/pulumi";
import type { ExposedService } from "../edge/contracts";
import { k8sName } from "../lib/naming";

/** Keycloak's ports: HTTP (the realm's endpoints, the admin API) and management (health, metrics). */
export const KEYCLOAK_PORTS = { http: 8080, management: 9000 } as const;

/** Keycloak's address inside the cluster (pure): its Service, named after the component, on the HTTP port. */
export function keycloakInternalUrl(componentName: string, namespace: string): string {
  return `http://${k8sName(componentName)}.${namespace}.svc.cluster.local:${KEYCLOAK_PORTS.http}`;
}

/**
 * The platform realm's endpoints (pure), known from config before anything is declared, so that
 * services of lower layers (the data API) can check its tokens: the issuer tokens carry (the public
 * host) and, inside the cluster, where the realm answers (Keycloak's Service, never the public name).
 */
export function realmEndpoints(o: { keycloakHost: string; realm: string; keycloakComponent: string; identityNamespace: string }) {
  const publicUrl = `https://${o.keycloakHost}`;
  const issuerUrl = `${publicUrl}/realms/${o.realm}`;
  const internalIssuerUrl = `${keycloakInternalUrl(o.keycloakComponent, o.identityNamespace)}/realms/${o.realm}`;
  return {
    name: o.realm,
    publicUrl,
    issuerUrl,
    tokenEndpoint: `${issuerUrl}/protocol/openid-connect/token`,
    internalIssuerUrl,
    internalJwksUrl: `${internalIssuerUrl}/protocol/openid-connect/certs`,
  };
}
export type RealmEndpoints = ReturnType<typeof realmEndpoints>;

/** Realm roles, each with a group of the same name. */
export const REALM_ROLES = ["admin", "data-engineer", "ml-engineer", "app-developer", "viewer"] as const;
export type RealmRole = (typeof REALM_ROLES)[number];

/** The OIDC clients of the platform, by the service that uses them. */
export const OIDC_CLIENTS = ["web", "agent-api", "data-api", "model-api", "grafana", "minio-console", "kubernetes"] as const;
export type OidcClientName = (typeof OIDC_CLIENTS)[number];

/** Keys of a client credentials Secret. */
export const CLIENT_SECRET_KEYS = { id: "client-id", secret: "client-secret" } as const;

export interface OidcClient {
  clientId: string;
  /** Confidential clients only: the Secret (keys CLIENT_SECRET_KEYS) in the namespace of the service that uses it. */
  secretName?: pulumi.Output<string>;
}

export interface IdentityHandle {
  /** Realm name. */
  realm: string;
  /** Issuer URL tokens carry: https://<keycloak host>/realms/<realm>. */
  issuerUrl: string;
  /**
   * The realm's URL inside the cluster (http://<keycloak svc>.<ns>.svc.cluster.local:8080/realms/<realm>):
   * what services use for back-channel calls (token exchange, userinfo, JWKS), so they never depend on the
   * public name resolving and its certificate being trusted inside the cluster. Tokens still carry issuerUrl.
   */
  internalIssuerUrl: string;
  /** OAuth 2.0 token endpoint of the realm (what the performance gate's auth flow calls). */
  tokenEndpoint: string;
  clients: Record<OidcClientName, OidcClient>;
  /** Keycloak's public endpoint, for the gateway. */
  exposed: ExposedService[];
}

/**
 * Callback paths on each UI's public host, the exact redirect URIs the realm allows (never a wildcard).
 * Grafana's generic OAuth and the MinIO console's OpenID login use these fixed paths; the web front end
 * handles its own callback at `web`.
 */
export const OIDC_CALLBACK_PATHS = {
  web: "/auth/callback",
  grafana: "/login/generic_oauth",
  "minio-console": "/oauth_callback",
} as const;

/**
 * Loopback redirect URIs of the `kubernetes` client: kubelogin (kubectl oidc-login) listens on
 * localhost:8000 and falls back to localhost:18000.
 */
export const KUBECTL_REDIRECT_URIS = ["http://localhost:8000", "http://localhost:18000"] as const;

/** The token claim that carries a user's realm groups (top-level names, no path). */
export const GROUPS_CLAIM = "groups";
