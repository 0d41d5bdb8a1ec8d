// Keycloak realms and clients: TLS, brute-force protection, password policy, safe client flows.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
import { at, isRecord, isUnknown, str, strings } from "./lib/values";

const REALM = ["keycloak:index/realm:Realm"];
const CLIENT = ["keycloak:openid/client:Client"];

export const realmSsl: ResourceValidationPolicy = {
  name: "keycloak-realm-ssl-required",
  description: "Keycloak realms must require SSL: sslRequired \"external\" or \"all\" (never \"none\").",
  enforcementLevel: "mandatory",
  remediationSteps: "Set sslRequired: \"external\" (or \"all\") on the realm.",
  validateResource: validateTypes(REALM, {}, (props, _cfg, args, report) => {
    const v = props["sslRequired"];
    if (isUnknown(v)) return;
    // Unset means the provider/Keycloak default, "external", which is acceptable; "none" is not.
    if (v !== undefined && v !== null && v !== "external" && v !== "all") report(`Realm ${args.name} sets sslRequired: ${String(v)}.`);
  }),
};

export const realmBruteForce: ResourceValidationPolicy = {
  name: "keycloak-realm-brute-force",
  description: "Keycloak realms must turn on brute-force detection (securityDefenses.bruteForceDetection).",
  enforcementLevel: "mandatory",
  remediationSteps: "Add securityDefenses: {bruteForceDetection: {maxLoginFailures: 5, waitIncrementSeconds: 60, ...}} to the realm.",
  validateResource: validateTypes(REALM, {}, (props, _cfg, args, report) => {
    const bf = at(props, "securityDefenses", "bruteForceDetection");
    if (isUnknown(bf)) return;
    if (!isRecord(bf)) report(`Realm ${args.name} has no securityDefenses.bruteForceDetection.`);
  }),
};

export const realmPasswordPolicy: ResourceValidationPolicy = {
  name: "keycloak-realm-password-policy",
  description: "Keycloak realms must set a password policy (e.g. length(12) and notUsername).",
  enforcementLevel: "mandatory",
  remediationSteps: "Set passwordPolicy on the realm, e.g. \"length(12) and notUsername and passwordHistory(5)\".",
  validateResource: validateTypes(REALM, {}, (props, _cfg, args, report) => {
    const v = props["passwordPolicy"];
    if (isUnknown(v)) return;
    if ((str(v) ?? "").trim() === "") report(`Realm ${args.name} has no passwordPolicy.`);
  }),
};

export const publicClientNoDirectGrants: ResourceValidationPolicy = {
  name: "keycloak-public-client-no-direct-grants",
  description: "Public OpenID clients must not enable direct access grants (the password grant): a public client cannot keep a secret, so it would let anyone trade passwords for tokens.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set directAccessGrantsEnabled: false on PUBLIC clients and use the authorization code flow with PKCE.",
  validateResource: validateTypes(CLIENT, {}, (props, _cfg, args, report) => {
    if (props["accessType"] === "PUBLIC" && props["directAccessGrantsEnabled"] === true) {
      report(`Client ${str(props["clientId"]) ?? args.name} is PUBLIC with directAccessGrantsEnabled: true.`);
    }
  }),
};

const redirectDefaults = { forbidWildcards: true };

export const noWildcardRedirects: ResourceValidationPolicy = {
  name: "keycloak-no-wildcard-redirects",
  description: "Where forbidWildcards is set (prod), OpenID clients must list exact redirect URIs: no \"*\" anywhere in validRedirectUris.",
  enforcementLevel: "mandatory",
  remediationSteps: "List each exact callback URL (https://app.example.com/oauth/callback) in validRedirectUris.",
  configSchema: schemaWithDefaults(redirectDefaults, {
    forbidWildcards: { type: "boolean", description: "Forbid wildcards in redirect URIs in this environment." },
  }),
  validateResource: validateTypes(CLIENT, redirectDefaults, (props, cfg, args, report) => {
    if (!cfg.forbidWildcards) return;
    const uris = strings(props["validRedirectUris"]).values.filter((u) => u.includes("*"));
    if (uris.length > 0) report(`Client ${str(props["clientId"]) ?? args.name} has wildcard redirect URIs: ${uris.join(", ")}.`);
  }),
};
