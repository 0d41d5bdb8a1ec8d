// Who calls: an OIDC bearer token from the platform realm, verified against the issuer's keys (found
// through its discovery document), with the realm's roles deciding read, write and admin.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { ACCESS, type AccessLevel } from "./contract";

export interface Caller {
  /** preferred_username, else the subject: recorded as created_by. */
  name: string;
  roles: string[];
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
  ) {
    super(message);
  }
}

export interface Verifier {
  verify(authorization: string | undefined): Promise<Caller>;
}

/** Roles of a Keycloak access token: realm_access.roles. */
export function realmRoles(payload: JWTPayload): string[] {
  const roles = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
}

export function allowed(caller: Caller, level: AccessLevel): boolean {
  return caller.roles.some((r) => (ACCESS[level] as readonly string[]).includes(r));
}

/**
 * Verifies tokens of one issuer. Its keys come from `jwksUrl` when given (inside the cluster, where the
 * public issuer name may not resolve), else from the issuer's discovery document; fetched on first use
 * and refreshed by jose when they rotate.
 */
export function oidcVerifier(o: { issuer: string; jwksUrl?: string; audience?: string }, fetchImpl: typeof fetch = fetch): Verifier {
  const { issuer, audience } = o;
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined = o.jwksUrl ? createRemoteJWKSet(new URL(o.jwksUrl), { timeoutDuration: 5000 }) : undefined;
  const jwks = async () => {
    if (keys) return keys;
    let uri: string;
    try {
      const res = await fetchImpl(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const doc = (await res.json()) as { issuer?: string; jwks_uri?: string };
      if (doc.issuer !== issuer || typeof doc.jwks_uri !== "string") throw new Error("the discovery document names another issuer or no jwks_uri");
      uri = doc.jwks_uri;
    } catch (e) {
      throw new AuthError(503, `the identity provider's discovery document could not be read (${(e as Error).message})`);
    }
    keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000 });
    return keys;
  };
  return {
    async verify(authorization) {
      const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? "");
      if (!m) throw new AuthError(401, "a bearer token from the platform realm is required");
      const set = await jwks();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(m[1], set, { issuer, audience, algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"], clockTolerance: 30 }));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === "ERR_JWKS_TIMEOUT" || code === "ERR_JOSE_GENERIC") throw new AuthError(503, "the identity provider's keys could not be read");
        throw new AuthError(401, code === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is not valid for this service");
      }
      const name = typeof payload.preferred_username === "string" ? payload.preferred_username : String(payload.sub ?? "unknown");
      return { name, roles: realmRoles(payload) };
    },
  };
}
