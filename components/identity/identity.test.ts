// Pure parts of the identity components: the client table and its rules, the password policy, the realm's
// inputs, Keycloak's environment and plan, and the Kubernetes access table with its excess-grant check.
import { publicHosts } from "../edge/contracts";
import { CLIENT_SECRET_KEYS, OIDC_CLIENTS } from "./contracts";
import { BOOTSTRAP_ADMIN, KEYCLOAK_PORTS, keycloakEnv, keycloakPlan, keycloakProblems } from "./keycloak";
import { ACCESS_TABLE, accessBindings, excessGrants, ObservedBinding } from "./kubernetesAccess";
import { initialPasswordSpec, oidcClientProblems, oidcClientSpecs, passwordPolicyString, realmInputs } from "./platformRealm";

const hosts = publicHosts("ods.example.com");

describe("OIDC clients", () => {
  const specs = oidcClientSpecs(hosts);
  const by = Object.fromEntries(specs.map((s) => [s.name, s]));

  it("has one client per contract name, and the table keeps its own rules", () => {
    expect(specs.map((s) => s.name).sort()).toEqual([...OIDC_CLIENTS].sort());
    expect(oidcClientProblems(specs)).toEqual([]);
  });

  it("derives exact redirect URIs from the domain", () => {
    expect(by.web.redirectUris).toEqual(["https://app.ods.example.com/auth/callback"]);
    expect(by.grafana.redirectUris).toEqual(["https://grafana.ods.example.com/login/generic_oauth"]);
    expect(by["minio-console"].redirectUris).toEqual(["https://minio.ods.example.com/oauth_callback"]);
    expect(by.kubernetes.redirectUris).toEqual(["http://localhost:8000", "http://localhost:18000"]);
  });

  it("puts confidential credentials in the namespace of the service that uses them", () => {
    expect(Object.fromEntries(specs.map((s) => [s.name, [s.accessType, s.secretIn ?? null]]))).toEqual({
      web: ["PUBLIC", null],
      "agent-api": ["CONFIDENTIAL", "apps"],
      "data-api": ["CONFIDENTIAL", "data"],
      "model-api": ["CONFIDENTIAL", "model"],
      grafana: ["CONFIDENTIAL", "observability"],
      "minio-console": ["CONFIDENTIAL", "data"],
      kubernetes: ["PUBLIC", null],
    });
    expect(specs.filter((s) => s.serviceAccounts).map((s) => s.name)).toEqual(["agent-api"]);
  });

  it.each([
    ["a wildcard redirect", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "web" ? { ...c, redirectUris: ["https://app.ods.example.com/*"] } : c)), "client web: https://app.ods.example.com/* has a wildcard"],
    ["a plain-http redirect", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "grafana" ? { ...c, redirectUris: ["http://grafana.ods.example.com/login/generic_oauth"] } : c)), "is not https"],
    ["a missing client", (s: ReturnType<typeof oidcClientSpecs>) => s.filter((c) => c.name !== "grafana"), "client grafana is missing"],
    ["a public client with a secret", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "web" ? { ...c, secretIn: "apps" as const } : c)), "client web: a public client has no secret"],
    ["a confidential client without a Secret's place", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "data-api" ? { ...c, secretIn: undefined } : c)), "client data-api: a confidential client needs secretIn"],
    ["a public code flow without PKCE", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "web" ? { ...c, pkce: false } : c)), "client web: a public client's code flow needs PKCE"],
    ["a login flow without redirect URIs", (s: ReturnType<typeof oidcClientSpecs>) => s.map((c) => (c.name === "grafana" ? { ...c, redirectUris: [] } : c)), "client grafana: the authorization code flow needs redirect URIs"],
  ])("rejects %s", (_what, change, message) => {
    expect(oidcClientProblems(change(specs)).join("; ")).toContain(message);
  });
});

describe("realm settings", () => {
  const settings = {
    name: "ods",
    displayName: "ODS",
    tokens: { accessTokenMinutes: 5, ssoSessionIdleMinutes: 30, ssoSessionMaxHours: 10, offlineSessionIdleDays: 30 },
    passwordPolicy: { minLength: 12, digits: 1, upperCase: 1, lowerCase: 1, specialChars: 0, history: 5 },
    bruteForce: { maxLoginFailures: 5, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, failureResetSeconds: 43200 },
    events: { retentionDays: 30 },
  };

  it("writes Keycloak's password policy, leaving out classes set to 0", () => {
    expect(passwordPolicyString(settings.passwordPolicy)).toBe("length(12) and notUsername and notEmail and digits(1) and upperCase(1) and lowerCase(1) and passwordHistory(5)");
  });

  it("requires SSL, turns on brute-force detection and sets the lifetimes and admin-event retention", () => {
    const r = realmInputs(settings);
    expect([r.sslRequired, r.accessTokenLifespan, r.ssoSessionIdleTimeout, r.ssoSessionMaxLifespan, r.offlineSessionIdleTimeout]).toEqual(["external", "5m", "30m", "10h", "720h"]);
    expect(r.securityDefenses.bruteForceDetection).toMatchObject({ permanentLockout: false, maxLoginFailures: 5, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, failureResetTimeSeconds: 43200 });
    expect(r.attributes).toEqual({ adminEventsExpiration: "2592000" });
    expect([r.registrationAllowed, r.duplicateEmailsAllowed, r.revokeRefreshToken]).toEqual([false, false, true]);
  });

  it("generates temporary passwords that meet the policy", () => {
    expect(initialPasswordSpec({ ...settings.passwordPolicy, minLength: 40, digits: 5 })).toMatchObject({ length: 40, minNumeric: 5, minUpper: 2, minLower: 2, minSpecial: 2 });
  });
});

describe("Keycloak", () => {
  const args = { image: "quay.io/keycloak/keycloak:26.5.6", replicas: 2, resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } }, publicUrl: "https://auth.ods.example.com" };

  it("reads every credential from a Secret and sets hostname v2 to the public URL", () => {
    const env = keycloakEnv(args, "db", "admin");
    const literal = Object.fromEntries(env.filter((e) => "value" in e).map((e) => [e.name, (e as { value: string }).value]));
    expect(literal).toMatchObject({ KC_DB: "mysql", KC_HOSTNAME: "https://auth.ods.example.com", KC_PROXY_HEADERS: "xforwarded", KC_HEALTH_ENABLED: "true", KC_METRICS_ENABLED: "true", KC_HTTP_MANAGEMENT_PORT: "9000", KC_CACHE: "ispn", KC_CACHE_STACK: "jdbc-ping" });
    const refs = Object.fromEntries(env.filter((e) => "valueFrom" in e).map((e) => [e.name, (e as { valueFrom: { secretKeyRef: { name: string; key: string } } }).valueFrom.secretKeyRef]));
    expect(refs).toEqual({
      KC_DB_URL_HOST: { name: "db", key: "host", optional: false },
      KC_DB_URL_PORT: { name: "db", key: "port", optional: false },
      KC_DB_URL_DATABASE: { name: "db", key: "database", optional: false },
      KC_DB_USERNAME: { name: "db", key: "username", optional: false },
      KC_DB_PASSWORD: { name: "db", key: "password", optional: false },
      KC_BOOTSTRAP_ADMIN_USERNAME: { name: "admin", key: BOOTSTRAP_ADMIN.keys.username, optional: false },
      KC_BOOTSTRAP_ADMIN_PASSWORD: { name: "admin", key: BOOTSTRAP_ADMIN.keys.password, optional: false },
    });
    expect(keycloakEnv({ ...args, replicas: 1 }, "db", "admin").find((e) => e.name === "KC_CACHE")).toEqual({ name: "KC_CACHE", value: "local" });
  });

  it("probes the management port and spreads replicas", () => {
    const p = keycloakPlan("ods-prod-keycloak", args);
    expect(p.container.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "management", scheme: "HTTP" });
    expect(p.container.livenessProbe.httpGet.path).toBe("/health/live");
    expect(p.container.ports.find((x) => x.name === "management")?.containerPort).toBe(KEYCLOAK_PORTS.management);
    expect(p.podSpec.topologySpreadConstraints).toHaveLength(2);
    expect(keycloakPlan("k", { ...args, replicas: 1 }).podSpec.topologySpreadConstraints).toBeUndefined();
  });

  it.each([
    [{ image: "quay.io/keycloak/keycloak:latest" }, "uses the tag latest"],
    [{ image: "keycloak" }, "is not pinned"],
    [{ replicas: 0 }, "replicas 0 is out of range"],
    [{ publicUrl: "http://auth.ods.example.com" }, "is not an https origin"],
    [{ publicUrl: "https://auth.ods.example.com/auth" }, "is not an https origin"],
    [{ resources: { requests: { cpu: "500m", memory: "4Gi" }, limits: { memory: "2Gi" } } }, "is above resources.limits.memory"],
    [{ resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { memory: "512Mi" } } }, "is below 1Gi"],
  ])("rejects %j", (change, message) => {
    expect(keycloakProblems({ ...args, ...change }).join("; ")).toContain(message);
    expect(() => keycloakPlan("k", { ...args, ...change })).toThrow(message);
  });

  it("keeps the credentials Secret keys of the contract", () => {
    expect(CLIENT_SECRET_KEYS).toEqual({ id: "client-id", secret: "client-secret" });
  });
});

describe("Kubernetes access", () => {
  const ns = (l: string) => `ods-${l}`;
  const observed = (prefix: string): ObservedBinding[] =>
    accessBindings(ACCESS_TABLE, prefix).map((b) => ({ kind: b.kind, namespace: b.layer ? ns(b.layer) : undefined, clusterRole: b.clusterRole, subjects: [b.subject] }));

  it("binds admins cluster-wide, engineers to edit in their layer, viewers to view in the platform's namespaces", () => {
    const rows = accessBindings(ACCESS_TABLE, "oidc:").map((b) => `${b.subject} ${b.clusterRole} ${b.layer ?? "cluster"}`);
    expect(rows).toEqual([
      "oidc:admin cluster-admin cluster",
      "oidc:data-engineer edit data",
      "oidc:ml-engineer edit model",
      "oidc:app-developer edit apps",
      "oidc:viewer view data",
      "oidc:viewer view model",
      "oidc:viewer view apps",
      "oidc:viewer view identity",
      "oidc:viewer view observability",
      "oidc:viewer view edge",
    ]);
    expect(excessGrants(observed("oidc:"), ACCESS_TABLE, "oidc:", ns)).toEqual([]);
  });

  it.each([
    ["a cluster-wide binding for a namespaced row", { kind: "ClusterRoleBinding", clusterRole: "edit", subjects: ["oidc:data-engineer"] }, "oidc:data-engineer gets edit cluster-wide, beyond its row"],
    ["a namespace outside the row", { kind: "RoleBinding", namespace: "ods-model", clusterRole: "edit", subjects: ["oidc:data-engineer"] }, "oidc:data-engineer gets edit in ods-model, beyond its row"],
    ["a stronger role", { kind: "RoleBinding", namespace: "ods-data", clusterRole: "admin", subjects: ["oidc:viewer"] }, "oidc:viewer gets admin in ods-data, beyond its row"],
    ["an unknown group", { kind: "ClusterRoleBinding", clusterRole: "view", subjects: ["oidc:contractors"] }, "oidc:contractors is not a platform group"],
  ])("flags %s", (_what, extra, message) => {
    const found = excessGrants([...observed("oidc:"), extra as ObservedBinding], ACCESS_TABLE, "oidc:", ns);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });
});
