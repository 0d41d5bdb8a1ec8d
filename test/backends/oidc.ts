// An in-process OpenID provider (oidc-provider) on 127.0.0.1 issuing Keycloak-shaped JWT access tokens for the services' integration tests.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import { inMainRealm, requireEsm, secret } from "./index";

/** What a token carries: realm roles (realm_access.roles), audience (Keycloak's default: "account"), lifetime. */
export interface TokenRequest {
  roles: readonly string[];
  audience?: string;
  /** Seconds; 300 unless given. */
  expiresIn?: number;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface OidcBackend {
  /** http://127.0.0.1:PORT, the `iss` of every token. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  /**
   * A confidential client (client_secret_basic, client_credentials grant only) whose tokens carry these
   * realm roles and last expiresIn seconds, like a Keycloak service account; one per distinct request.
   */
  client(request: TokenRequest): Promise<ClientCredentials>;
  /** An access token got the way a real client gets it: a client_credentials POST to the token endpoint. */
  token(request: TokenRequest): Promise<string>;
  /** Closes the server (and its open connections). */
  stop(): Promise<void>;
}

// The little of oidc-provider's API used here (the package ships no types).
interface Provider {
  callback(): http.RequestListener;
  on(event: "server_error", listener: (ctx: unknown, err: Error) => void): void;
}
type Payload = Record<string, unknown>;
interface TokenLike {
  clientId?: string;
}
interface ResourceServerLike {
  accessTokenTTL?: number;
}

const DEFAULT_TTL = 300;
/** Resource indicators must be absolute URIs; an audience such as "account" travels inside one. */
const AUDIENCE_URN = "urn:ods-test:audience:";

/** Starts the provider on a free 127.0.0.1 port with a fresh RS256 signing key. */
export async function startOidc(opts: { timeoutMs?: number } = {}): Promise<OidcBackend> {
  const { default: ProviderClass } = requireEsm<{ default: new (issuer: string, config: object) => Provider }>("oidc-provider");

  // The port is taken first and kept: the issuer (which names it) must be known to the provider.
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });

  try {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };

    // Per client: its realm roles and token lifetime (Keycloak keeps both on the service account).
    const clients = new Map<string, { roles: string[]; ttl: number }>();
    const byRequest = new Map<string, ClientCredentials>();
    const instanceId = randomBytes(4).toString("hex");
    const errors: string[] = [];

    // Objects handed to oidc-provider are made in the main realm (see inMainRealm); functions may not be.
    const config = inMainRealm({
      jwks: { keys: [jwk] },
      cookies: { keys: [secret()] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: { enabled: true },
      },
      ttl: {},
    }) as Record<string, unknown> & { features: { resourceIndicators: Record<string, unknown> }; ttl: Record<string, unknown> };
    // The provider's storage: clients come from `clientMetadata`; anything else it saves (nothing, for
    // client_credentials with JWT access tokens) lives in a Map for the provider's lifetime.
    const clientMetadata = new Map<string, Payload>();
    const stored = new Map<string, Payload>();
    config.adapter = (model: string) => {
      const key = (id: string) => `${model}:${id}`;
      const where = (field: string, value: unknown) => [...stored].find(([k, p]) => k.startsWith(`${model}:`) && p[field] === value);
      return {
        upsert: async (id: string, payload: Payload) => void stored.set(key(id), payload),
        find: async (id: string) => (model === "Client" ? clientMetadata.get(id) : stored.get(key(id))),
        findByUid: async (uid: string) => where("uid", uid)?.[1],
        findByUserCode: async (userCode: string) => where("userCode", userCode)?.[1],
        consume: async (id: string) => {
          const p = stored.get(key(id));
          if (p) p.consumed = Math.floor(Date.now() / 1000);
        },
        destroy: async (id: string) => void stored.delete(key(id)),
        revokeByGrantId: async (grantId: string) => {
          for (const [k, p] of stored) if (p.grantId === grantId) stored.delete(k);
        },
      };
    };
    config.features.resourceIndicators.defaultResource = async () => `${AUDIENCE_URN}account`;
    config.features.resourceIndicators.getResourceServerInfo = async (_ctx: unknown, indicator: string, client: { clientId: string }) => {
      const audience = indicator.startsWith(AUDIENCE_URN) ? decodeURIComponent(indicator.slice(AUDIENCE_URN.length)) : indicator;
      const ttl = clients.get(client.clientId)?.ttl ?? DEFAULT_TTL;
      return inMainRealm({ scope: "", audience, accessTokenFormat: "jwt", accessTokenTTL: ttl, jwt: { sign: { alg: "RS256" } } });
    };
    config.features.resourceIndicators.useGrantedResource = async () => true;
    config.ttl.ClientCredentials = (_ctx: unknown, token: { resourceServer?: ResourceServerLike }) => token.resourceServer?.accessTokenTTL ?? DEFAULT_TTL;
    config.extraTokenClaims = async (_ctx: unknown, token: TokenLike) => {
      const c = token.clientId ? clients.get(token.clientId) : undefined;
      if (!c || !token.clientId) return undefined;
      return inMainRealm({ typ: "Bearer", azp: token.clientId, preferred_username: `service-account-${token.clientId}`, realm_access: { roles: c.roles } });
    };

    const provider = new ProviderClass(issuer, config);
    provider.on("server_error", (_ctx, err) => errors.push(err.message));
    handler = provider.callback();

    // Answers once the discovery document names this issuer.
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10000) })).json()) as Record<string, string>;
    if (discovery.issuer !== issuer || !discovery.jwks_uri || !discovery.token_endpoint) throw new Error(`unexpected discovery document: ${JSON.stringify(discovery).slice(0, 300)}`);
    const { jwks_uri: jwksUri, token_endpoint: tokenEndpoint } = discovery;

    const client = async (request: TokenRequest): Promise<ClientCredentials> => {
      const roles = [...new Set(request.roles)].sort();
      const ttl = request.expiresIn ?? DEFAULT_TTL;
      if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new Error(`oidc: expiresIn must be a positive whole number of seconds, got ${ttl}`);
      const key = JSON.stringify([roles, ttl]);
      let found = byRequest.get(key);
      if (!found) {
        found = { clientId: `svc-${instanceId}-${byRequest.size + 1}`, clientSecret: secret() };
        clients.set(found.clientId, { roles, ttl });
        // Found by the provider through its adapter, like a client registered at runtime.
        clientMetadata.set(
          found.clientId,
          inMainRealm({
            client_id: found.clientId,
            client_secret: found.clientSecret,
            grant_types: ["client_credentials"],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: "client_secret_basic",
          }),
        );
        byRequest.set(key, found);
      }
      return { ...found };
    };

    const token = async (request: TokenRequest): Promise<string> => {
      const { clientId, clientSecret } = await client(request);
      const body = new URLSearchParams({ grant_type: "client_credentials", resource: `${AUDIENCE_URN}${encodeURIComponent(request.audience ?? "account")}` });
      const res = await fetch(tokenEndpoint, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body,
        signal: AbortSignal.timeout(10000),
      });
      const answer = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!res.ok || !answer.access_token) {
        throw new Error(`oidc: token request answered ${res.status} ${answer.error ?? ""} ${answer.error_description ?? ""}${errors.length ? `; server errors: ${errors.slice(-3).join("; ")}` : ""}`);
      }
      return answer.access_token;
    };

    return { issuer, jwksUri, tokenEndpoint, client, token, stop };
  } catch (err) {
    await stop();
    throw new Error(`oidc: the provider on ${issuer} did not start: ${(err as Error).message}`);
  }
}
