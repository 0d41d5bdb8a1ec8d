import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { noWildcardRedirects, publicClientNoDirectGrants, realmBruteForce, realmPasswordPolicy, realmSsl } from "./keycloak";

const REALM = "keycloak:index/realm:Realm";
const CLIENT = "keycloak:openid/client:Client";
const realm = {
  realm: "ods",
  sslRequired: "external",
  passwordPolicy: "length(12) and notUsername",
  securityDefenses: { bruteForceDetection: { maxLoginFailures: 5 } },
};

describe("keycloak realm rules", () => {
  it("accept a hardened realm", async () => {
    for (const p of [realmSsl, realmBruteForce, realmPasswordPolicy]) expect(await check(p, REALM, realm)).toEqual([]);
  });
  it("report sslRequired none, missing brute-force detection and password policy", async () => {
    const weak = { realm: "ods", sslRequired: "none", securityDefenses: { headers: {} } };
    expect(await check(realmSsl, REALM, weak)).toEqual(["Realm test sets sslRequired: none."]);
    expect(await check(realmBruteForce, REALM, weak)).toEqual(["Realm test has no securityDefenses.bruteForceDetection."]);
    expect(await check(realmPasswordPolicy, REALM, weak)).toEqual(["Realm test has no passwordPolicy."]);
  });
  it("do not report unknown values", async () => {
    const unknown = { realm: "ods", sslRequired: UNKNOWN, passwordPolicy: UNKNOWN, securityDefenses: UNKNOWN };
    for (const p of [realmSsl, realmBruteForce, realmPasswordPolicy]) expect(await check(p, REALM, unknown)).toEqual([]);
  });
});

describe("keycloak client rules", () => {
  const spa = { realmId: "ods", clientId: "portal", accessType: "PUBLIC", standardFlowEnabled: true, validRedirectUris: ["https://portal.ods.example.com/callback"] };
  it("accept a public client using the code flow with exact redirects", async () => {
    expect(await check(publicClientNoDirectGrants, CLIENT, spa)).toEqual([]);
    expect(await check(noWildcardRedirects, CLIENT, spa)).toEqual([]);
  });
  it("report direct grants on a public client and wildcard redirects", async () => {
    expect(await check(publicClientNoDirectGrants, CLIENT, { ...spa, directAccessGrantsEnabled: true })).toEqual([
      "Client portal is PUBLIC with directAccessGrantsEnabled: true.",
    ]);
    expect(await check(noWildcardRedirects, CLIENT, { ...spa, validRedirectUris: ["https://portal.ods.example.com/*", "*"] })).toEqual([
      "Client portal has wildcard redirect URIs: https://portal.ods.example.com/*, *.",
    ]);
  });
  it("allow confidential clients direct grants, wildcards where not forbidden, and skip unknowns", async () => {
    expect(await check(publicClientNoDirectGrants, CLIENT, { ...spa, accessType: "CONFIDENTIAL", directAccessGrantsEnabled: true })).toEqual([]);
    expect(await check(noWildcardRedirects, CLIENT, { ...spa, validRedirectUris: ["*"] }, { forbidWildcards: false })).toEqual([]);
    expect(await check(noWildcardRedirects, CLIENT, { ...spa, validRedirectUris: UNKNOWN })).toEqual([]);
    expect(await check(publicClientNoDirectGrants, CLIENT, { ...spa, accessType: UNKNOWN, directAccessGrantsEnabled: true })).toEqual([]);
  });
});
