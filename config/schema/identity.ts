// L4 identity (`ods:identity`): Keycloak, the platform realm, its roles, groups and OIDC clients, Kubernetes access.
import { z } from "zod";
import { cidr, dnsLabel, isWorldOpenCidr } from "./common";
import { image, resourcesSchema, ResourcesConfig } from "./data";
import type { PlatformFacts } from "./platform";
import { REALM_ROLES } from "../../components/identity/contracts";

/** Keycloak 26.5 (the keycloakx 7.1.11 chart's default tag), the official image. */
export const KEYCLOAK_IMAGE = "quay.io/keycloak/keycloak:26.5.6";

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });
const int = (what: string, min: number, max: number) =>
  z
    .number()
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be between ${min} and ${max}` })
    .max(max, { error: `${what} must be between ${min} and ${max}` });

export const keycloakSchema = z.strictObject({
  /** Keycloak image, pinned. Default quay.io/keycloak/keycloak:26.5.6. */
  image: image.default(KEYCLOAK_IMAGE),
  /** Keycloak pods (clustered through the database when more than one). Default: 2 where highAvailability, else 1. */
  replicas: int("replicas", 1, 10).optional(),
  /** Requests and limits of each pod. Default requests 500m CPU / 1Gi, memory limit 2Gi. */
  resources: resourcesSchema.default(res("500m", "1Gi", "2Gi")),
});

/**
 * How the machine that runs `pulumi up` reaches Keycloak's admin API (what @pulumi/keycloak talks to);
 * the same shape as `ods:data.access`.
 */
export const identityAccessSchema = z.strictObject({
  /** "nodePort" (laptop clusters) or "loadBalancer" (an internal AWS NLB). Default: nodePort on an existing cluster, loadBalancer on AWS. */
  mode: z.enum(["nodePort", "loadBalancer"]).optional(),
  /** nodePort: the address where the node port is reachable from `pulumi up`. Default 127.0.0.1. */
  host: z.string().min(1).default("127.0.0.1"),
  /** nodePort: the node port of Keycloak's HTTP port. Default 30880. */
  nodePort: int("nodePort", 30000, 32767).default(30880),
  /** loadBalancer: CIDRs allowed to reach the internal load balancer (CI runners, VPN); required in that mode. */
  allowedCidrs: z.array(cidr).default([]),
  /** Seconds `pulumi up` waits for Keycloak to accept connections before configuring the realm. Default 900. */
  readyTimeoutSeconds: int("readyTimeoutSeconds", 30, 3600).default(900),
});

/** Token and session lifetimes of the realm. */
export const tokensSchema = z.strictObject({
  /** Access token lifetime, minutes (1-60). Default 5. */
  accessTokenMinutes: int("accessTokenMinutes", 1, 60).default(5),
  /** A browser session ends after this idle time, minutes (5-1440). Default 30. */
  ssoSessionIdleMinutes: int("ssoSessionIdleMinutes", 5, 1440).default(30),
  /** A browser session ends after this time whatever happens, hours (1-720). Default 10. */
  ssoSessionMaxHours: int("ssoSessionMaxHours", 1, 720).default(10),
  /** Offline tokens expire after this idle time, days (1-365). Default 30. */
  offlineSessionIdleDays: int("offlineSessionIdleDays", 1, 365).default(30),
});

export const passwordPolicySchema = z.strictObject({
  /** Minimum length (8-128). Default 12. */
  minLength: int("minLength", 8, 128).default(12),
  /** At least this many digits, upper-case, lower-case and special characters (0-8 each). Default 1 each. */
  digits: int("digits", 0, 8).default(1),
  upperCase: int("upperCase", 0, 8).default(1),
  lowerCase: int("lowerCase", 0, 8).default(1),
  specialChars: int("specialChars", 0, 8).default(1),
  /** Remembered previous passwords that cannot be reused (0-24). Default 5. */
  history: int("history", 0, 24).default(5),
});

export const bruteForceSchema = z.strictObject({
  /** Failed logins before the account is locked for a while (1-100). Default 5. */
  maxLoginFailures: int("maxLoginFailures", 1, 100).default(5),
  /** The lock grows by this much per further failure, seconds (1-3600). Default 60. */
  waitIncrementSeconds: int("waitIncrementSeconds", 1, 3600).default(60),
  /** The longest lock, seconds (60-86400). Default 900. */
  maxFailureWaitSeconds: int("maxFailureWaitSeconds", 60, 86400).default(900),
  /** Failures are forgotten after this time, seconds (60-604800). Default 43200 (12 h). */
  failureResetSeconds: int("failureResetSeconds", 60, 604800).default(43200),
});

export const eventsSchema = z.strictObject({
  /** Days login and admin events are kept in the database (1-365). Default 30. */
  retentionDays: int("retentionDays", 1, 365).default(30),
});

export const realmSchema = z.strictObject({
  /** Realm name (a DNS label: it is part of the issuer URL). Default "ods". */
  name: dnsLabel("realm name", 36).default("ods"),
  /** Name shown on the login page. Default "ONE-DATA-STUDIO". */
  displayName: z.string().min(1).max(100).default("ONE-DATA-STUDIO"),
  tokens: tokensSchema.default(tokensSchema.parse({})),
  passwordPolicy: passwordPolicySchema.default(passwordPolicySchema.parse({})),
  bruteForce: bruteForceSchema.default(bruteForceSchema.parse({})),
  events: eventsSchema.default(eventsSchema.parse({})),
});

/** A person created in the realm with a generated temporary password (changed at first login). */
export const initialUserSchema = z.strictObject({
  /** Login name: lower-case letters, digits, '.', '_', '-' (3-64). */
  username: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, { error: "must be 3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit" }),
  email: z.email({ error: "must be an e-mail address" }),
  firstName: z.string().min(1).max(100),
  lastName: z.string().min(1).max(100),
  /** Realm groups (each carries the role of the same name); at least one. */
  groups: z.array(z.string()).min(1, { error: "must name at least one group" }),
});

/** Claim prefixes must keep OIDC identities apart from Kubernetes' own (system:) names. */
const claimPrefix = z
  .string()
  .regex(/^[a-z0-9][a-z0-9:._-]{0,30}$/, { error: "must be 1-31 lower-case letters, digits, ':', '.', '_' or '-', such as oidc:" })
  .refine((s) => !s.startsWith("system:"), { error: "must not start with system: (reserved by Kubernetes)" });

export const kubernetesAccessSchema = z.strictObject({
  /** Bind the realm's groups to Kubernetes roles (and, on AWS, register the realm as the cluster's OIDC provider). Default true. */
  enabled: z.boolean().default(true),
  /** Claim that becomes the Kubernetes user name: preferred_username, email or sub. Default preferred_username. */
  usernameClaim: z.enum(["preferred_username", "email", "sub"]).default("preferred_username"),
  /** Prefix of OIDC user names in Kubernetes. Default "oidc:". */
  usernamePrefix: claimPrefix.default("oidc:"),
  /** Prefix of OIDC group names in Kubernetes (RBAC subjects are `<prefix><group>`). Default "oidc:". */
  groupsPrefix: claimPrefix.default("oidc:"),
});

export const identityInputSchema = z
  .strictObject({
    keycloak: keycloakSchema.default(keycloakSchema.parse({})),
    access: identityAccessSchema.default(identityAccessSchema.parse({})),
    realm: realmSchema.default(realmSchema.parse({})),
    /** People created with the realm (temporary generated passwords). Default none. */
    users: z.array(initialUserSchema).default([]),
    kubernetesAccess: kubernetesAccessSchema.default(kubernetesAccessSchema.parse({})),
  })
  .default({
    keycloak: keycloakSchema.parse({}),
    access: identityAccessSchema.parse({}),
    realm: realmSchema.parse({}),
    users: [],
    kubernetesAccess: kubernetesAccessSchema.parse({}),
  });

type IdentityInput = z.infer<typeof identityInputSchema>;

/** Node ports `ods:data.access` uses by default (a Keycloak node port must not collide with them). */

/** Rules across the section's keys and with the platform's; paths are relative to `identity`. */
export function checkIdentity(identity: IdentityInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const r = resolveIdentity(identity, facts);
  if (facts.highAvailability && r.keycloak.replicas < 2) issue(["keycloak", "replicas"], `${r.keycloak.replicas} replica(s) cannot survive a node loss; highAvailability allows: 2 or more`);

  const t = identity.realm.tokens;
  if (t.accessTokenMinutes > t.ssoSessionIdleMinutes) issue(["realm", "tokens", "accessTokenMinutes"], `${t.accessTokenMinutes} outlives the session idle timeout (ssoSessionIdleMinutes ${t.ssoSessionIdleMinutes}); allowed: at most ssoSessionIdleMinutes`);
  if (t.ssoSessionIdleMinutes > t.ssoSessionMaxHours * 60) issue(["realm", "tokens", "ssoSessionIdleMinutes"], `${t.ssoSessionIdleMinutes} minutes is longer than the session's maximum (ssoSessionMaxHours ${t.ssoSessionMaxHours}); allowed: at most ${t.ssoSessionMaxHours * 60}`);
  const p = identity.realm.passwordPolicy;
  const classes = p.digits + p.upperCase + p.lowerCase + p.specialChars;
  if (classes > p.minLength) issue(["realm", "passwordPolicy", "minLength"], `${p.minLength} is shorter than the ${classes} required characters (digits + upperCase + lowerCase + specialChars); allowed: at least ${classes}`);
  const b = identity.realm.bruteForce;
  if (b.waitIncrementSeconds > b.maxFailureWaitSeconds) issue(["realm", "bruteForce", "waitIncrementSeconds"], `${b.waitIncrementSeconds} is above maxFailureWaitSeconds ${b.maxFailureWaitSeconds}; allowed: at most maxFailureWaitSeconds`);

  const seenUser = new Map<string, number>();
  const seenEmail = new Map<string, number>();
  identity.users.forEach((u, i) => {
    const prev = seenUser.get(u.username);
    if (prev !== undefined) issue(["users", i, "username"], `"${u.username}" is already users[${prev}]; allowed: each username once`);
    else seenUser.set(u.username, i);
    const email = u.email.toLowerCase();
    const prevEmail = seenEmail.get(email);
    if (prevEmail !== undefined) issue(["users", i, "email"], `"${u.email}" is already users[${prevEmail}]'s; allowed: each e-mail address once (the realm logs in with e-mail too)`);
    else seenEmail.set(email, i);
    u.groups.forEach((g, j) => {
      if (!(REALM_ROLES as readonly string[]).includes(g)) issue(["users", i, "groups", j], `"${g}" is not a platform group; allowed: ${REALM_ROLES.join(", ")}`);
    });
    if (new Set(u.groups).size !== u.groups.length) issue(["users", i, "groups"], `${JSON.stringify(u.groups)} names a group twice; allowed: each group once`);
  });

  const a = identity.access;
  if (r.access.mode === "loadBalancer") {
    if (facts.infraKind !== "aws") issue(["access", "mode"], 'loadBalancer creates an internal AWS NLB and needs infra.kind "aws"; allowed here: "nodePort"');
    if (a.allowedCidrs.length === 0) issue(["access", "allowedCidrs"], "loadBalancer mode needs the CIDRs that run `pulumi up` (CI runners, VPN); allowed: a non-empty list");
    a.allowedCidrs.forEach((c, i) => {
      if (isWorldOpenCidr(c)) issue(["access", "allowedCidrs", i], `${c} opens Keycloak's admin endpoint to (nearly) the whole internet; allowed: the CIDRs of your CI runners or VPN`);
    });
  }
}

/** The validated section with the defaults that depend on highAvailability and the cluster kind filled in. */
export function resolveIdentity(identity: IdentityInput, facts: PlatformFacts) {
  return {
    ...identity,
    keycloak: { ...identity.keycloak, replicas: identity.keycloak.replicas ?? (facts.highAvailability ? 2 : 1) },
    access: { ...identity.access, mode: identity.access.mode ?? (facts.infraKind === "aws" ? ("loadBalancer" as const) : ("nodePort" as const)) },
  };
}

export type IdentityConfig = ReturnType<typeof resolveIdentity>;
