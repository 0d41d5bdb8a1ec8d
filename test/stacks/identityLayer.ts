// The identity layer as each stack's plan has it, checked against that stack's own config: Keycloak's
// Deployment, the realm with exactly the specified roles, groups and clients (no wildcard redirect), the
// credentials Secrets where their services run, the provider gated on Keycloak answering, and Kubernetes
// access that gives no group more than its row. Called from each stack's test file with its plan.
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { REPO_ROOT } from "../../lib/repo";
import type { FullPlanResult } from "../../plan/run";
import type { RecordedResource } from "../../plan/types";
import { CLIENT_SECRET_KEYS, REALM_ROLES } from "../../components/identity/contracts";
import { KEYCLOAK_PORTS } from "../../components/identity/keycloak";
import { ACCESS_TABLE, excessGrants, ObservedBinding } from "../../components/identity/kubernetesAccess";
import { oidcClientSpecs, passwordPolicyString } from "../../components/identity/platformRealm";
import { get, ofType, one } from "../harness";

type Obj = Record<string, unknown>;

export function describeIdentityLayer(stack: string, plan: () => FullPlanResult): void {
  const sc = readStackConfig(REPO_ROOT, stack);
  const cfg = validateStackConfig(sc);
  const id = cfg.identity;
  const base = `${cfg.namePrefix}-${cfg.environment}`;
  const ns = (layer: keyof typeof cfg.infra.namespaces) => `${cfg.namePrefix}-${layer}`;
  const minio = cfg.data.objectStore.kind === "minio";
  const expectedClients = oidcClientSpecs(cfg.hosts).filter((c) => minio || c.name !== "minio-console");
  const kids = (parent: string) => plan().resources.filter((r) => r.parent === parent);

  describe(`the identity layer of ${stack} (${id.keycloak.replicas} Keycloak replica(s), realm ${id.realm.name})`, () => {
    it("runs the configured Keycloak image and replicas on the platform's MySQL, hostname v2 on the public URL", () => {
      const d = kids(`${base}-keycloak`).find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
      expect(get(d, "metadata.namespace")).toBe(ns("identity"));
      expect(get(d, "spec.replicas")).toBe(id.keycloak.replicas);
      const c = (get(d, "spec.template.spec.containers") as Obj[])[0];
      expect(c.image).toBe(id.keycloak.image);
      const env = c.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
      expect(env.find((e) => e.name === "KC_HOSTNAME")?.value).toBe(`https://${cfg.hosts.keycloak}`);
      expect(env.find((e) => e.name === "KC_DB_PASSWORD")?.valueFrom?.secretKeyRef).toMatchObject({ name: "keycloak-mysql", key: "password" });
      expect(env.filter((e) => e.value !== undefined && /PASSWORD|SECRET/.test(e.name))).toEqual([]);
      expect(c.resources).toEqual({ requests: id.keycloak.resources.requests, limits: id.keycloak.resources.limits });
      const pdbs = kids(`${base}-keycloak`).filter((r) => r.type === "kubernetes:policy/v1:PodDisruptionBudget");
      expect(pdbs).toHaveLength(id.keycloak.replicas > 1 ? 1 : 0);
    });

    it("gates the keycloak provider on the admin endpoint answering, logs in lazily and with a secret password", () => {
      const p = one(plan().resources, "pulumi:providers:keycloak");
      expect(get(p, "password")).toBe("[secret]");
      expect(String(get(p, "initialLogin"))).toBe("false");
      const ready = plan().resources.find((r) => r.name === `${base}-keycloak-admin-endpoint-ready`)!;
      expect(p.dependencies).toContain(ready.urn);
      if (id.access.mode === "nodePort") expect(get(p, "url")).toBe(`http://${id.access.host}:${id.access.nodePort}`);
      const svc = plan().resources.find((r) => r.name === `${base}-keycloak-admin-endpoint-svc`)!;
      expect(get(svc, "spec.type")).toBe(id.access.mode === "nodePort" ? "NodePort" : "LoadBalancer");
      if (id.access.mode === "loadBalancer") expect(get(svc, "spec.loadBalancerSourceRanges")).toEqual(id.access.allowedCidrs);
    });

    it("configures every keycloak resource through that provider", () => {
      const kc = plan().resources.filter((r) => r.type.startsWith("keycloak:"));
      expect(kc.length).toBeGreaterThan(20);
      expect(kc.filter((r) => r.provider !== `${base}-keycloak-provider`).map((r) => r.name)).toEqual([]);
    });

    it("creates the realm with SSL required, brute-force protection, the password policy and lifetimes from config", () => {
      const realm = one(plan().resources, "keycloak:index/realm:Realm");
      const t = id.realm.tokens;
      expect(realm.inputs).toMatchObject({
        realm: id.realm.name,
        sslRequired: "external",
        passwordPolicy: passwordPolicyString(id.realm.passwordPolicy),
        accessTokenLifespan: `${t.accessTokenMinutes}m`,
        ssoSessionIdleTimeout: `${t.ssoSessionIdleMinutes}m`,
        ssoSessionMaxLifespan: `${t.ssoSessionMaxHours}h`,
        attributes: { adminEventsExpiration: String(id.realm.events.retentionDays * 86400) },
      });
      expect(get(realm, "securityDefenses.bruteForceDetection.maxLoginFailures")).toBe(id.realm.bruteForce.maxLoginFailures);
      expect(realm.options?.retainOnDelete).toBe(true);
      const events = one(plan().resources, "keycloak:index/realmEvents:RealmEvents");
      expect(events.inputs).toMatchObject({ eventsEnabled: true, adminEventsEnabled: true, eventsExpiration: id.realm.events.retentionDays * 86400 });
    });

    it("has exactly the platform's roles, each with its group", () => {
      const names = (type: string) => ofType(plan().resources, type).map((r) => get(r, "name")).sort();
      expect(names("keycloak:index/role:Role")).toEqual([...REALM_ROLES].sort());
      expect(names("keycloak:index/group:Group")).toEqual([...REALM_ROLES].sort());
      expect(ofType(plan().resources, "keycloak:index/groupRoles:GroupRoles").map((r) => r.name).sort()).toEqual(REALM_ROLES.map((r) => `${base}-realm-group-${r}-roles`).sort());
    });

    it("has exactly the specified clients: flows, exact redirect URIs (no wildcard), PKCE on browser flows", () => {
      const clients = ofType(plan().resources, "keycloak:openid/client:Client");
      expect(clients.map((c) => get(c, "clientId")).sort()).toEqual(expectedClients.map((c) => c.name).sort());
      for (const spec of expectedClients) {
        const c = clients.find((x) => get(x, "clientId") === spec.name)!;
        expect([spec.name, c.inputs.accessType, c.inputs.standardFlowEnabled, c.inputs.serviceAccountsEnabled, c.inputs.directAccessGrantsEnabled, c.inputs.implicitFlowEnabled]).toEqual([spec.name, spec.accessType, spec.standardFlow, spec.serviceAccounts, false, false]);
        expect(c.inputs.validRedirectUris).toEqual(spec.redirectUris);
        expect(JSON.stringify(c.inputs.validRedirectUris)).not.toContain("*");
        expect(c.inputs.pkceCodeChallengeMethod).toBe(spec.standardFlow && spec.pkce ? "S256" : undefined);
        if (spec.accessType === "PUBLIC") expect(c.inputs.pkceCodeChallengeMethod).toBe("S256");
        if (spec.accessType === "CONFIDENTIAL") expect(c.inputs.clientSecret).toBe("[secret]");
      }
      // Every client puts the groups claim in its tokens.
      expect(ofType(plan().resources, "keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper").map((m) => [get(m, "claimName"), get(m, "fullPath")])).toEqual(expectedClients.map(() => ["groups", false]));
    });

    it("stores confidential clients' credentials in the namespace of the service that uses them", () => {
      const secrets = plan().resources.filter((r) => r.type === "kubernetes:core/v1:Secret" && r.name.startsWith(`${base}-realm-client-`));
      const where = Object.fromEntries(secrets.map((s) => [get(s, "metadata.name"), get(s, "metadata.namespace")]));
      const expected = Object.fromEntries(expectedClients.filter((c) => c.secretIn).map((c) => [`oidc-${c.name}`, ns(c.secretIn!)]));
      expect(where).toEqual(expected);
      for (const s of secrets) expect(get(s, "stringData")).toBe("[secret]");
      void CLIENT_SECRET_KEYS;
    });

    it("creates the configured initial users with temporary passwords in their groups", () => {
      const users = ofType(plan().resources, "keycloak:index/user:User");
      expect(users.map((u) => get(u, "username"))).toEqual(id.users.map((u) => u.username));
      for (const u of users) expect(get(u, "initialPassword")).toBe("[secret]");
      expect(ofType(plan().resources, "keycloak:index/userGroups:UserGroups")).toHaveLength(id.users.length);
    });

    it("publishes only the platform realm and the static resources; the admin console and the master realm stay inside", () => {
      const routes = plan().resources.filter((r) => r.type.endsWith(":HTTPRoute") && get(r, "metadata.namespace") === ns("identity"));
      const prefixes = routes.flatMap((r) => (get(r, "spec.rules") as { matches: { path: { type: string; value: string } }[] }[]).flatMap((x) => x.matches.map((m) => `${m.path.type} ${m.path.value}`)));
      expect(prefixes.sort()).toEqual([`PathPrefix /realms/${id.realm.name}`, "PathPrefix /resources"]);
      const d = plan().resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && get(r, "metadata.namespace") === ns("identity"))!;
      const env = (get(d, "spec.template.spec.containers") as { env: { name: string; value?: string }[] }[])[0].env;
      expect(env.find((e) => e.name === "KC_HOSTNAME_ADMIN")?.value).toBe("http://localhost:8080");
    });

    it("lets in only its in-cluster callers, Prometheus, and (with replicas) its own peers", () => {
      const np = plan().resources.find((r) => r.name === `${base}-keycloak-allow`)!;
      const ingress = get(np, "spec.ingress") as { from: { namespaceSelector?: { matchLabels: Obj }; podSelector?: { matchLabels: Obj } }[]; ports: { port: number }[] }[];
      const peers = ingress.map((i) => [i.from.map((f) => (f.namespaceSelector ? f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"] : f.podSelector!.matchLabels)), i.ports.map((p) => p.port)]);
      expect(peers).toEqual([
        [[ns("data"), ns("apps"), ns("observability")], [KEYCLOAK_PORTS.http]],
        [[ns("observability")], [KEYCLOAK_PORTS.management]],
        ...(id.keycloak.replicas > 1 ? [[[{ "app.kubernetes.io/name": "keycloak", "app.kubernetes.io/instance": `${base}-keycloak` }], [7800, 57800]]] : []),
      ]);
    });

    describe("Kubernetes access", () => {
      const prefix = id.kubernetesAccess.groupsPrefix;
      const observed = (): ObservedBinding[] =>
        plan()
          .resources.filter((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" || r.type === "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
          .map((r: RecordedResource) => ({
            kind: r.type.endsWith("ClusterRoleBinding") ? "ClusterRoleBinding" : "RoleBinding",
            namespace: get(r, "metadata.namespace") as string | undefined,
            clusterRole: get(r, "roleRef.name") as string,
            subjects: ((get(r, "subjects") as { kind: string; name: string }[]) ?? []).filter((s) => s.kind === "Group").map((s) => s.name),
          }));

      it("binds every realm group, and no group gets more than its row", () => {
        const bound = new Set(observed().flatMap((b) => b.subjects).filter((s) => s.startsWith(prefix)));
        expect([...bound].sort()).toEqual(REALM_ROLES.map((r) => `${prefix}${r}`).sort());
        expect(excessGrants(observed(), ACCESS_TABLE, prefix, (l) => ns(l))).toEqual([]);
      });

      it("would flag a binding beyond a row", () => {
        const extra: ObservedBinding = { kind: "ClusterRoleBinding", clusterRole: "cluster-admin", subjects: [`${prefix}viewer`] };
        expect(excessGrants([...observed(), extra], ACCESS_TABLE, prefix, (l) => ns(l))).toEqual([`${prefix}viewer gets cluster-admin cluster-wide, beyond its row`]);
      });

      it(cfg.infra.kind === "aws" ? "registers the realm as the EKS cluster's OIDC identity provider" : "declares no EKS identity provider off AWS", () => {
        const idps = ofType(plan().resources, "aws:eks/identityProviderConfig:IdentityProviderConfig");
        if (cfg.infra.kind !== "aws") return expect(idps).toEqual([]);
        expect(idps).toHaveLength(1);
        expect(get(idps[0], "oidc")).toEqual({
          identityProviderConfigName: "keycloak",
          issuerUrl: `https://${cfg.hosts.keycloak}/realms/${id.realm.name}`,
          clientId: "kubernetes",
          usernameClaim: id.kubernetesAccess.usernameClaim,
          usernamePrefix: id.kubernetesAccess.usernamePrefix,
          groupsClaim: "groups",
          groupsPrefix: prefix,
        });
        expect(idps[0].provider).toBe(`${base}-aws`);
      });
    });
  });
}
