// L4 identity (`ods:identity`): Keycloak, the platform realm, its roles, groups and OIDC clients, Kubernetes access.
import { z } from "zod";
import { cidr, displayText, dnsLabel, hostName, isWorldOpenCidr } from "./common";
import { image, resourcesWithMemoryFloor, ResourcesConfig } from "./data";
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

/** The smallest memory limit a Keycloak pod gets (the component's own floor too). */
export const KEYCLOAK_MIN_MEMORY_LIMIT = "1Gi";

export const keycloakSchema = z.strictObject({
  image: image.default(KEYCLOAK_IMAGE).describe("Keycloak image, pinned."),
  replicas: int("replicas", 1, 10)
    .optional()
    .meta({ description: "Keycloak pods, clustered through the database when more than one; highAvailability needs 2 or more.", "x-default": "2 where highAvailability, else 1" }),
  resources: resourcesWithMemoryFloor(KEYCLOAK_MIN_MEMORY_LIMIT, "Keycloak's JVM takes 70% of the limit as heap").default(res("500m", "1Gi", "2Gi")).describe(`Per pod; limits.memory at least ${KEYCLOAK_MIN_MEMORY_LIMIT}.`),
});

/**
 * How the machine that runs `pulumi up` reaches Keycloak's admin API (what @pulumi/keycloak talks to);
 * the same shape as `ods:data.access`.
 */
export const identityAccessSchema = z.strictObject({
  mode: z
    .enum(["nodePort", "loadBalancer"])
    .optional()
    .meta({ description: "`nodePort` (laptop clusters) or `loadBalancer` (an internal AWS NLB; needs infra.kind aws).", "x-default": "nodePort on an existing cluster, loadBalancer on AWS" }),
  host: hostName.default("127.0.0.1").describe("nodePort: the address where `pulumi up` reaches the node port."),
  nodePort: int("nodePort", 30000, 32767).default(30880).describe("nodePort: the node port of Keycloak's HTTP port; not one of the data layer's or the gateway's node ports."),
  allowedCidrs: z.array(cidr).default([]).describe("loadBalancer: the CIDRs that run `pulumi up` (CI runners, VPN); required, non-empty, in that mode; no world-open CIDR."),
  readyTimeoutSeconds: int("readyTimeoutSeconds", 30, 3600).default(900).describe("How long `pulumi up` waits for Keycloak to accept connections before configuring the realm."),
});

/** Token and session lifetimes of the realm. */
export const tokensSchema = z.strictObject({
  accessTokenMinutes: int("accessTokenMinutes", 1, 60).default(5).describe("Access token lifetime in minutes; at most ssoSessionIdleMinutes."),
  ssoSessionIdleMinutes: int("ssoSessionIdleMinutes", 5, 1440).default(30).describe("A browser session ends after this idle time, in minutes; at most ssoSessionMaxHours x 60."),
  ssoSessionMaxHours: int("ssoSessionMaxHours", 1, 720).default(10).describe("A browser session ends after this time whatever happens, in hours."),
  offlineSessionIdleDays: int("offlineSessionIdleDays", 1, 365).default(30).describe("Offline tokens expire after this idle time, in days."),
});

export const passwordPolicySchema = z.strictObject({
  minLength: int("minLength", 8, 128).default(12).describe("Minimum length; at least the sum of the four minimums below. The policy always adds notUsername and notEmail."),
  digits: int("digits", 0, 8).default(1).describe("At least this many digits."),
  upperCase: int("upperCase", 0, 8).default(1).describe("At least this many upper-case letters."),
  lowerCase: int("lowerCase", 0, 8).default(1).describe("At least this many lower-case letters."),
  specialChars: int("specialChars", 0, 8).default(1).describe("At least this many special characters."),
  history: int("history", 0, 24).default(5).describe("Previous passwords that cannot be reused."),
});

export const bruteForceSchema = z.strictObject({
  maxLoginFailures: int("maxLoginFailures", 1, 100).default(5).describe("Failed logins before the account is locked for a while."),
  waitIncrementSeconds: int("waitIncrementSeconds", 1, 3600).default(60).describe("The lock grows by this much per further failure, in seconds; at most maxFailureWaitSeconds."),
  maxFailureWaitSeconds: int("maxFailureWaitSeconds", 60, 86400).default(900).describe("The longest lock, in seconds."),
  failureResetSeconds: int("failureResetSeconds", 60, 604800).default(43200).describe("Failures are forgotten after this time, in seconds (43200 = 12 h)."),
});

export const eventsSchema = z.strictObject({
  retentionDays: int("retentionDays", 1, 365).default(30).describe("Days login and admin events are kept in the database."),
});

export const realmSchema = z.strictObject({
  name: dnsLabel("realm name", 36)
    .refine((n) => n !== "master", { error: "master is Keycloak's administration realm, which stays inside the cluster; allowed: any other name, such as ods" })
    .default("ods")
    .describe("Realm name: part of the issuer URL `https://auth.<domain>/realms/<name>`; not `master` (Keycloak's administration realm)."),
  displayName: z.string().min(1).max(100).default("ONE-DATA-STUDIO").describe("Shown on the login page."),
  tokens: tokensSchema.default(tokensSchema.parse({})).describe("Token and session lifetimes."),
  passwordPolicy: passwordPolicySchema.default(passwordPolicySchema.parse({})).describe("The realm's password policy."),
  bruteForce: bruteForceSchema.default(bruteForceSchema.parse({})).describe("Brute-force protection."),
  events: eventsSchema.default(eventsSchema.parse({})).describe("Login and admin events."),
});

/** A person created in the realm with a generated temporary password (changed at first login). */
export const initialUserSchema = z.strictObject({
  username: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, { error: "must be 3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit" })
    .describe("Login name: 3-64 lower-case letters, digits, '.', '_' or '-'; unique."),
  email: z.email({ error: "must be an e-mail address" }).describe("E-mail address; unique (the realm logs in with e-mail too)."),
  firstName: displayText(100).describe("First name."),
  lastName: displayText(100).describe("Last name."),
  groups: z
    .array(z.string())
    .min(1, { error: "must name at least one group" })
    .describe(`Realm groups, each carrying the role of the same name, each at most once: ${REALM_ROLES.join(", ")}.`),
});

/** Claim prefixes must keep OIDC identities apart from Kubernetes' own (system:) names. */
const claimPrefix = z
  .string()
  .regex(/^[a-z0-9][a-z0-9:._-]{0,30}$/, { error: "must be 1-31 lower-case letters, digits, ':', '.', '_' or '-', such as oidc:" })
  .refine((s) => !s.startsWith("system:"), { error: "must not start with system: (reserved by Kubernetes)" });

export const kubernetesAccessSchema = z.strictObject({
  enabled: z.boolean().default(true).describe("Bind the realm's groups to Kubernetes roles (and, on AWS, register the realm as the EKS cluster's OIDC provider)."),
  usernameClaim: z.enum(["preferred_username", "email", "sub"]).default("preferred_username").describe("The claim that becomes the Kubernetes user name."),
  usernamePrefix: claimPrefix.default("oidc:").describe("Prefix of OIDC user names in Kubernetes; not `system:`. An API server's OIDC flags must match."),
  groupsPrefix: claimPrefix.default("oidc:").describe("Prefix of OIDC group names in Kubernetes (RBAC subjects are `<prefix><group>`); not `system:`."),
});

export const identityInputSchema = z
  .strictObject({
    keycloak: keycloakSchema.default(keycloakSchema.parse({})).describe("Keycloak itself, on the platform MySQL."),
    access: identityAccessSchema
      .default(identityAccessSchema.parse({}))
      .describe("How the machine that runs `pulumi up` reaches Keycloak's admin API (what @pulumi/keycloak talks to); the same shape as `ods:data.access`."),
    realm: realmSchema.default(realmSchema.parse({})).describe("The platform realm."),
    users: z
      .array(initialUserSchema)
      .default([])
      .describe("People created with the realm, each with a generated temporary password (changed at first login) in the Secret `<prefix>-<env>-realm-initial-passwords`."),
    kubernetesAccess: kubernetesAccessSchema.default(kubernetesAccessSchema.parse({})).describe("Kubernetes access through the realm's groups."),
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
