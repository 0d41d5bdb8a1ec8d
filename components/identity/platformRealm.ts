// The platform realm through @pulumi/keycloak: SSL required, brute-force protection, a password policy and
// token lifetimes from config; one realm role per platform role with a group of the same name; one OIDC
// client per UI and API with exact redirect URIs; confidential clients' credentials as Kubernetes Secrets
// in the namespace of the service that uses them; login and admin events; optional initial users.
import * as k8s from "@pulumi/kubernetes";
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PublicHosts } from "../edge/contracts";
import type { Layer } from "../lib/cluster";
import { k8sName, standardLabels } from "../lib/naming";
import { CLIENT_SECRET_KEYS, GROUPS_CLAIM, KUBECTL_REDIRECT_URIS, OIDC_CALLBACK_PATHS, OIDC_CLIENTS, OidcClient, OidcClientName, REALM_ROLES, RealmRole } from "./contracts";

/** How one OIDC client is set up (pure data, see oidcClientSpecs). */
export interface OidcClientSpec {
  name: OidcClientName;
  description: string;
  accessType: "PUBLIC" | "CONFIDENTIAL";
  /** Authorization code flow (browser or kubectl login). */
  standardFlow: boolean;
  /** Require PKCE (S256) on the code flow: every public client, and confidential ones whose software sends it. */
  pkce: boolean;
  /** Client credentials (a service account). */
  serviceAccounts: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  webOrigins: string[];
  rootUrl?: string;
  /** Confidential clients: the layer whose namespace gets the credentials Secret. */
  secretIn?: Layer;
  /** Other clients added to this client's access tokens as audiences (the APIs it calls). */
  audiences: OidcClientName[];
}

/** Every client of the platform with its flows, exact URIs and Secret placement (pure). */
export function oidcClientSpecs(hosts: PublicHosts): OidcClientSpec[] {
  const url = (host: string, path = "") => `https://${host}${path}`;
  const none = { redirectUris: [], postLogoutRedirectUris: [], webOrigins: [] };
  return [
    {
      name: "web",
      description: "Web front end (browser, authorization code with PKCE)",
      accessType: "PUBLIC",
      standardFlow: true,
      pkce: true,
      serviceAccounts: false,
      rootUrl: url(hosts.web),
      redirectUris: [url(hosts.web, OIDC_CALLBACK_PATHS.web)],
      postLogoutRedirectUris: [url(hosts.web, "/")],
      webOrigins: [url(hosts.web)],
      audiences: ["agent-api", "data-api", "model-api"],
    },
    {
      name: "agent-api",
      description: "Agent API: validates users' tokens; its service account calls the data and model APIs",
      accessType: "CONFIDENTIAL",
      standardFlow: false,
      pkce: false,
      serviceAccounts: true,
      ...none,
      secretIn: "apps",
      audiences: ["data-api", "model-api"],
    },
    { name: "data-api", description: "Data API (resource server: token introspection only)", accessType: "CONFIDENTIAL", standardFlow: false, pkce: false, serviceAccounts: false, ...none, secretIn: "data", audiences: [] },
    { name: "model-api", description: "Model API (resource server: token introspection only)", accessType: "CONFIDENTIAL", standardFlow: false, pkce: false, serviceAccounts: false, ...none, secretIn: "model", audiences: [] },
    {
      name: "grafana",
      description: "Grafana (generic OAuth login)",
      accessType: "CONFIDENTIAL",
      standardFlow: true,
      // Grafana's generic OAuth sends PKCE (auth.generic_oauth use_pkce).
      pkce: true,
      serviceAccounts: false,
      rootUrl: url(hosts.grafana),
      redirectUris: [url(hosts.grafana, OIDC_CALLBACK_PATHS.grafana)],
      postLogoutRedirectUris: [url(hosts.grafana, "/login")],
      webOrigins: [url(hosts.grafana)],
      secretIn: "observability",
      audiences: [],
    },
    {
      name: "minio-console",
      description: "MinIO console (OpenID login)",
      accessType: "CONFIDENTIAL",
      standardFlow: true,
      // The console's OpenID login sends no PKCE; its client secret authenticates the code exchange.
      pkce: false,
      serviceAccounts: false,
      rootUrl: url(hosts.minioConsole),
      redirectUris: [url(hosts.minioConsole, OIDC_CALLBACK_PATHS["minio-console"])],
      postLogoutRedirectUris: [url(hosts.minioConsole, "/")],
      webOrigins: [url(hosts.minioConsole)],
      secretIn: "data",
      audiences: [],
    },
    {
      name: "kubernetes",
      description: "kubectl OIDC login (kubelogin, loopback redirect)",
      accessType: "PUBLIC",
      standardFlow: true,
      pkce: true,
      serviceAccounts: false,
      redirectUris: [...KUBECTL_REDIRECT_URIS],
      postLogoutRedirectUris: [],
      webOrigins: [],
      audiences: [],
    },
  ];
}

/** Problems with client specs (pure): the rules the realm must keep whatever the table says. */
export function oidcClientProblems(specs: OidcClientSpec[]): string[] {
  const p: string[] = [];
  const names = specs.map((s) => s.name);
  for (const n of OIDC_CLIENTS) if (!names.includes(n)) p.push(`client ${n} is missing`);
  if (new Set(names).size !== names.length) p.push("a client is listed twice");
  for (const s of specs) {
    for (const u of [...s.redirectUris, ...s.postLogoutRedirectUris, ...s.webOrigins]) {
      if (u.includes("*")) p.push(`client ${s.name}: ${u} has a wildcard; allowed: exact URIs`);
      else if (!/^https:\/\//.test(u) && !/^http:\/\/localhost:\d+$/.test(u)) p.push(`client ${s.name}: ${u} is not https (only kubectl's loopback may be http://localhost:<port>)`);
    }
    if (s.standardFlow && s.redirectUris.length === 0) p.push(`client ${s.name}: the authorization code flow needs redirect URIs`);
    if (s.accessType === "PUBLIC" && (s.serviceAccounts || s.secretIn)) p.push(`client ${s.name}: a public client has no secret and no service account`);
    if (s.accessType === "PUBLIC" && s.standardFlow && !s.pkce) p.push(`client ${s.name}: a public client's code flow needs PKCE`);
    if (s.accessType === "CONFIDENTIAL" && !s.secretIn) p.push(`client ${s.name}: a confidential client needs secretIn (where its credentials go)`);
    for (const a of s.audiences) if (!names.includes(a)) p.push(`client ${s.name}: audience ${a} is not a client`);
  }
  return p;
}

/** Keycloak's password policy string from the config's numbers (pure). */
export function passwordPolicyString(p: { minLength: number; digits: number; upperCase: number; lowerCase: number; specialChars: number; history: number }): string {
  const parts = [`length(${p.minLength})`, "notUsername", "notEmail"];
  if (p.digits > 0) parts.push(`digits(${p.digits})`);
  if (p.upperCase > 0) parts.push(`upperCase(${p.upperCase})`);
  if (p.lowerCase > 0) parts.push(`lowerCase(${p.lowerCase})`);
  if (p.specialChars > 0) parts.push(`specialChars(${p.specialChars})`);
  if (p.history > 0) parts.push(`passwordHistory(${p.history})`);
  return parts.join(" and ");
}

/** What each realm role (and its group) is for. */
export const ROLE_DESCRIPTIONS: Record<RealmRole, string> = {
  admin: "Platform administrators: every UI and API, cluster-admin on Kubernetes",
  "data-engineer": "Data engineers: datasets, databases, the data API; edit in the data namespace",
  "ml-engineer": "ML engineers: models and serving; edit in the model namespace",
  "app-developer": "Application developers: the agent API and the web front end; edit in the apps namespace",
  viewer: "Read-only access to the platform's UIs and namespaces",
};

export interface PlatformRealmSettings {
  name: string;
  displayName: string;
  tokens: { accessTokenMinutes: number; ssoSessionIdleMinutes: number; ssoSessionMaxHours: number; offlineSessionIdleDays: number };
  passwordPolicy: { minLength: number; digits: number; upperCase: number; lowerCase: number; specialChars: number; history: number };
  bruteForce: { maxLoginFailures: number; waitIncrementSeconds: number; maxFailureWaitSeconds: number; failureResetSeconds: number };
  events: { retentionDays: number };
}

/** The realm resource's inputs (pure). */
export function realmInputs(s: PlatformRealmSettings) {
  const retention = String(s.events.retentionDays * 86400);
  return {
    realm: s.name,
    displayName: s.displayName,
    enabled: true,
    sslRequired: "external",
    loginWithEmailAllowed: true,
    duplicateEmailsAllowed: false,
    registrationAllowed: false,
    resetPasswordAllowed: false,
    rememberMe: false,
    passwordPolicy: passwordPolicyString(s.passwordPolicy),
    accessTokenLifespan: `${s.tokens.accessTokenMinutes}m`,
    ssoSessionIdleTimeout: `${s.tokens.ssoSessionIdleMinutes}m`,
    ssoSessionMaxLifespan: `${s.tokens.ssoSessionMaxHours}h`,
    offlineSessionIdleTimeout: `${s.tokens.offlineSessionIdleDays * 24}h`,
    // A refresh token is used once: a stolen one stops working when the owner refreshes.
    revokeRefreshToken: true,
    refreshTokenMaxReuse: 0,
    securityDefenses: {
      headers: {
        xFrameOptions: "SAMEORIGIN",
        contentSecurityPolicy: "frame-src 'self'; frame-ancestors 'self'; object-src 'none';",
        xContentTypeOptions: "nosniff",
        xRobotsTag: "none",
        xXssProtection: "1; mode=block",
        strictTransportSecurity: "max-age=31536000; includeSubDomains",
        referrerPolicy: "no-referrer",
      },
      bruteForceDetection: {
        permanentLockout: false,
        maxLoginFailures: s.bruteForce.maxLoginFailures,
        waitIncrementSeconds: s.bruteForce.waitIncrementSeconds,
        maxFailureWaitSeconds: s.bruteForce.maxFailureWaitSeconds,
        failureResetTimeSeconds: s.bruteForce.failureResetSeconds,
        quickLoginCheckMilliSeconds: 1000,
        minimumQuickLoginWaitSeconds: 60,
      },
    },
    // Admin events have no retention field of their own in the provider; Keycloak reads it from this attribute.
    attributes: { adminEventsExpiration: retention },
  };
}

/** A generated temporary password that meets the realm's policy (pure); Keycloak forces a change at first login. */
export function initialPasswordSpec(p: PlatformRealmSettings["passwordPolicy"]) {
  const atLeast = (n: number) => Math.max(2, n);
  return {
    length: Math.max(24, p.minLength),
    minUpper: atLeast(p.upperCase),
    minLower: atLeast(p.lowerCase),
    minNumeric: atLeast(p.digits),
    minSpecial: atLeast(p.specialChars),
    overrideSpecial: "!#%*+-=?@^_",
  };
}

export interface InitialUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  groups: string[];
}

export interface PlatformRealmArgs {
  settings: PlatformRealmSettings;
  hosts: PublicHosts;
  /** Layer -> namespace, where confidential clients' credentials Secrets go. */
  namespaces: Record<Layer, pulumi.Input<string>>;
  /** People to create with temporary generated passwords (their Secret goes to `namespaces.identity`). */
  users: InitialUser[];
  /** Clients not to create (the MinIO console where the object store is S3); their handle keeps the clientId only. */
  without?: OidcClientName[];
}

/** The realm's groups (same names as its roles) and each client's Secret placement: used by the layer and tests. */
export class PlatformRealm extends pulumi.ComponentResource {
  readonly realm: keycloak.Realm;
  readonly clients: Record<OidcClientName, OidcClient>;
  readonly groups: Record<RealmRole, keycloak.Group>;
  /** Name of the Secret (identity namespace) with each initial user's temporary password, keyed by username. */
  readonly initialPasswordsSecret?: pulumi.Output<string>;

  constructor(name: string, args: PlatformRealmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:identity:PlatformRealm", name, {}, opts);
    const all = oidcClientSpecs(args.hosts);
    const problems = oidcClientProblems(all);
    const without = args.without ?? [];
    const specs = all.filter((s) => !without.includes(s.name)).map((s) => ({ ...s, audiences: s.audiences.filter((a) => !without.includes(a)) }));
    if (problems.length > 0) throw new Error(`PlatformRealm ${name}: ${problems.join("; ")}`);
    for (const u of args.users) {
      for (const g of u.groups) if (!(REALM_ROLES as readonly string[]).includes(g)) throw new Error(`PlatformRealm ${name}: user ${u.username}: group ${JSON.stringify(g)} is not one of ${REALM_ROLES.join(", ")}`);
    }
    const child = { parent: this };
    // Users, groups and sessions live in the realm: dropping it from the program must not delete them.
    this.realm = new keycloak.Realm(`${name}-realm`, realmInputs(args.settings), { ...child, retainOnDelete: true });
    const realmId = this.realm.id;

    new keycloak.RealmEvents(`${name}-events`, {
      realmId,
      eventsEnabled: true,
      eventsExpiration: args.settings.events.retentionDays * 86400,
      adminEventsEnabled: true,
      adminEventsDetailsEnabled: true,
      eventsListeners: ["jboss-logging"],
    }, child);

    const roles = {} as Record<RealmRole, keycloak.Role>;
    this.groups = {} as Record<RealmRole, keycloak.Group>;
    for (const r of REALM_ROLES) {
      roles[r] = new keycloak.Role(`${name}-role-${r}`, { realmId, name: r, description: ROLE_DESCRIPTIONS[r] }, child);
      this.groups[r] = new keycloak.Group(`${name}-group-${r}`, { realmId, name: r }, child);
      new keycloak.GroupRoles(`${name}-group-${r}-roles`, { realmId, groupId: this.groups[r].id, roleIds: [roles[r].id], exhaustive: true }, child);
    }

    const created = {} as Record<OidcClientName, keycloak.openid.Client>;
    this.clients = Object.fromEntries(OIDC_CLIENTS.map((n) => [n, { clientId: n }])) as Record<OidcClientName, OidcClient>;
    for (const s of specs) {
      const secret = s.accessType === "CONFIDENTIAL" ? new random.RandomPassword(`${name}-client-${s.name}-secret`, { length: 48, special: false }, child) : undefined;
      const client = new keycloak.openid.Client(`${name}-client-${s.name}`, {
        realmId,
        clientId: s.name,
        name: s.name,
        description: s.description,
        enabled: true,
        accessType: s.accessType,
        ...(secret ? { clientSecret: pulumi.secret(secret.result) } : {}),
        standardFlowEnabled: s.standardFlow,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
        serviceAccountsEnabled: s.serviceAccounts,
        ...(s.standardFlow && s.pkce ? { pkceCodeChallengeMethod: "S256" } : {}),
        validRedirectUris: s.redirectUris,
        validPostLogoutRedirectUris: s.postLogoutRedirectUris,
        webOrigins: s.webOrigins,
        ...(s.rootUrl ? { rootUrl: s.rootUrl, baseUrl: s.rootUrl } : {}),
        frontchannelLogoutEnabled: false,
        consentRequired: false,
      }, child);
      created[s.name] = client;
      new keycloak.openid.GroupMembershipProtocolMapper(`${name}-client-${s.name}-groups`, {
        realmId,
        clientId: client.id,
        name: GROUPS_CLAIM,
        claimName: GROUPS_CLAIM,
        fullPath: false,
        addToIdToken: true,
        addToAccessToken: true,
        addToUserinfo: true,
      }, child);

      let secretName: pulumi.Output<string> | undefined;
      if (secret && s.secretIn) {
        const objectName = k8sName("oidc", s.name);
        const k8sSecret = new k8s.core.v1.Secret(`${name}-client-${s.name}-credentials`, {
          metadata: { name: objectName, namespace: args.namespaces[s.secretIn], labels: standardLabels(s.name, objectName, "oidc-client") },
          type: "Opaque",
          stringData: { [CLIENT_SECRET_KEYS.id]: s.name, [CLIENT_SECRET_KEYS.secret]: pulumi.secret(secret.result) },
        }, { ...child, dependsOn: [client] });
        secretName = k8sSecret.metadata.name;
      }
      this.clients[s.name] = { clientId: s.name, ...(secretName ? { secretName } : {}) };
    }
    for (const s of specs) {
      for (const aud of s.audiences) {
        new keycloak.openid.AudienceProtocolMapper(`${name}-client-${s.name}-aud-${aud}`, {
          realmId,
          clientId: created[s.name].id,
          name: `audience-${aud}`,
          includedClientAudience: aud,
          addToAccessToken: true,
          addToIdToken: false,
        }, { ...child, dependsOn: [created[aud]] });
      }
    }

    if (args.users.length > 0) {
      const passwords: Record<string, pulumi.Output<string>> = {};
      for (const u of args.users) {
        const pw = new random.RandomPassword(`${name}-user-${u.username}-password`, initialPasswordSpec(args.settings.passwordPolicy), child);
        passwords[u.username] = pulumi.secret(pw.result);
        const user = new keycloak.User(`${name}-user-${u.username}`, {
          realmId,
          username: u.username,
          email: u.email,
          emailVerified: true,
          firstName: u.firstName,
          lastName: u.lastName,
          enabled: true,
          initialPassword: { value: pulumi.secret(pw.result), temporary: true },
        }, { ...child, retainOnDelete: true });
        new keycloak.UserGroups(`${name}-user-${u.username}-groups`, { realmId, userId: user.id, groupIds: u.groups.map((g) => this.groups[g as RealmRole].id), exhaustive: true }, child);
      }
      const objectName = k8sName(name, "initial-passwords");
      const s = new k8s.core.v1.Secret(`${name}-initial-passwords`, {
        metadata: { name: objectName, namespace: args.namespaces.identity, labels: standardLabels("keycloak", objectName, "initial-users") },
        type: "Opaque",
        stringData: passwords,
      }, child);
      this.initialPasswordsSecret = s.metadata.name;
    }

    this.registerOutputs({ realm: this.realm.realm, clients: Object.fromEntries(Object.entries(this.clients).map(([k, v]) => [k, v.clientId])), initialPasswordsSecret: this.initialPasswordsSecret });
  }
}
