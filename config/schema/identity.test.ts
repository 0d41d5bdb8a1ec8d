// The identity section: defaults that follow highAvailability and the cluster kind, and every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_MODEL } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { validateConfig } from "../load";
import { KEYCLOAK_IMAGE } from "./identity";

const existing = { kind: "existing", existingCluster: { gpus: 0 } };
const aws = {
  kind: "aws",
  aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], kubernetesVersion: "1.35", ebsCsiAddonVersion: "v1.67.1-eksbuild.1", systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } },
};
type Opts = { ha?: boolean; infra?: Record<string, unknown> };
const cfg = (identity: Record<string, unknown> | undefined, opts: Opts = {}) =>
  validateConfig({
    environment: "t",
    domain: "t.example.com",
    highAvailability: opts.ha ?? false,
    infra: opts.infra ?? existing,
    data: { ...MINIMAL_DATA, access: { mode: "nodePort" }, ...(opts.ha ? { mysql: { replicas: 3 }, redis: { replicas: 3 }, milvus: { mode: "cluster" }, objectStore: { kind: "minio", minio: { servers: 4 } }, dataApi: { ...MINIMAL_DATA.dataApi, replicas: { min: 2, max: 4 } } } : {}) },
    model: MINIMAL_MODEL,
    edge: opts.ha ? { ...MINIMAL_EDGE, gateway: { replicas: 2 } } : MINIMAL_EDGE,
    apps: opts.ha ? { agentApi: { ...MINIMAL_APPS.agentApi, replicas: { min: 2, max: 4 } }, web: { ...MINIMAL_APPS.web, replicas: { min: 2, max: 4 } } } : MINIMAL_APPS,
    ...(identity ? { identity } : {}),
  });
const error = (identity: Record<string, unknown>, opts: Opts = {}) => configErrorOf(() => cfg(identity, opts));
const USER = { username: "ana", email: "ana@example.com", firstName: "Ana", lastName: "Silva", groups: ["data-engineer"] };

test("defaults: pinned Keycloak 26.5, one replica off HA, node port 30880, realm ods with the stated policy, lifetimes and retention", () => {
  const i = cfg(undefined).identity;
  expect(i.keycloak).toEqual({ image: KEYCLOAK_IMAGE, replicas: 1, resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } } });
  expect(KEYCLOAK_IMAGE).toBe("quay.io/keycloak/keycloak:26.5.6");
  expect(i.access).toEqual({ mode: "nodePort", host: "127.0.0.1", nodePort: 30880, allowedCidrs: [], readyTimeoutSeconds: 900 });
  expect(i.realm).toEqual({
    name: "ods",
    displayName: "ONE-DATA-STUDIO",
    tokens: { accessTokenMinutes: 5, ssoSessionIdleMinutes: 30, ssoSessionMaxHours: 10, offlineSessionIdleDays: 30 },
    passwordPolicy: { minLength: 12, digits: 1, upperCase: 1, lowerCase: 1, specialChars: 1, history: 5 },
    bruteForce: { maxLoginFailures: 5, waitIncrementSeconds: 60, maxFailureWaitSeconds: 900, failureResetSeconds: 43200 },
    events: { retentionDays: 30 },
  });
  expect(i.users).toEqual([]);
  expect(i.kubernetesAccess).toEqual({ enabled: true, usernameClaim: "preferred_username", usernamePrefix: "oidc:", groupsPrefix: "oidc:" });
});

test("defaults by platform: 2 replicas where highAvailability, an internal load balancer on AWS", () => {
  expect(cfg(undefined, { ha: true }).identity.keycloak.replicas).toBe(2);
  expect(cfg({ access: { allowedCidrs: ["10.0.0.0/16"] } }, { infra: aws }).identity.access.mode).toBe("loadBalancer");
});

test("initial users are kept as given", () => {
  expect(cfg({ users: [USER] }).identity.users).toEqual([USER]);
});

test.each([
  [{ keycloak: { replicas: 1 } }, { ha: true }, "ods:identity.keycloak.replicas = 1: 1 replica(s) cannot survive a node loss; highAvailability allows: 2 or more"],
  [{ keycloak: { replicas: 11 } }, {}, "ods:identity.keycloak.replicas = 11: replicas must be between 1 and 10"],
  [{ keycloak: { image: "quay.io/keycloak/keycloak:latest" } }, {}, "must not use the tag latest"],
  [{ keycloak: { image: "quay.io/keycloak/keycloak" } }, {}, "must be an image reference pinned by tag or digest"],
  [{ realm: { name: "ODS" } }, {}, "must be a DNS-1123 label (realm name"],
  [{ realm: { tokens: { accessTokenMinutes: 0 } } }, {}, "accessTokenMinutes must be between 1 and 60"],
  [{ realm: { tokens: { accessTokenMinutes: 90 } } }, {}, "accessTokenMinutes must be between 1 and 60"],
  [{ realm: { tokens: { ssoSessionMaxHours: 721 } } }, {}, "ssoSessionMaxHours must be between 1 and 720"],
  [{ realm: { tokens: { accessTokenMinutes: 30, ssoSessionIdleMinutes: 10 } } }, {}, "ods:identity.realm.tokens.accessTokenMinutes = 30: 30 outlives the session idle timeout (ssoSessionIdleMinutes 10)"],
  [{ realm: { tokens: { ssoSessionIdleMinutes: 600, ssoSessionMaxHours: 8 } } }, {}, "ods:identity.realm.tokens.ssoSessionIdleMinutes = 600: 600 minutes is longer than the session's maximum (ssoSessionMaxHours 8); allowed: at most 480"],
  [{ realm: { passwordPolicy: { minLength: 6 } } }, {}, "minLength must be between 8 and 128"],
  [{ realm: { passwordPolicy: { minLength: 8, digits: 4, upperCase: 4, specialChars: 2 } } }, {}, "8 is shorter than the 11 required characters"],
  [{ realm: { bruteForce: { maxLoginFailures: 0 } } }, {}, "maxLoginFailures must be between 1 and 100"],
  [{ realm: { bruteForce: { waitIncrementSeconds: 1200, maxFailureWaitSeconds: 600 } } }, {}, "1200 is above maxFailureWaitSeconds 600"],
  [{ realm: { events: { retentionDays: 0 } } }, {}, "retentionDays must be between 1 and 365"],
  [{ realm: { events: { retentionDays: 400 } } }, {}, "retentionDays must be between 1 and 365"],
  [{ users: [{ ...USER, groups: ["superuser"] }] }, {}, 'ods:identity.users[0].groups[0] = "superuser": "superuser" is not a platform group; allowed: admin, data-engineer, ml-engineer, app-developer, viewer'],
  [{ users: [{ ...USER, groups: [] }] }, {}, "must name at least one group"],
  [{ users: [{ ...USER, groups: ["viewer", "viewer"] }] }, {}, "names a group twice"],
  [{ users: [USER, { ...USER, email: "other@example.com" }] }, {}, 'ods:identity.users[1].username = "ana": "ana" is already users[0]; allowed: each username once'],
  [{ users: [USER, { ...USER, username: "bob", email: "ANA@example.com" }] }, {}, "is already users[0]'s; allowed: each e-mail address once"],
  [{ users: [{ ...USER, username: "A" }] }, {}, "must be 3-64 lower-case letters"],
  [{ users: [{ ...USER, email: "not-an-address" }] }, {}, "must be an e-mail address"],
  [{ access: { mode: "loadBalancer", allowedCidrs: ["10.0.0.0/16"] } }, {}, 'loadBalancer creates an internal AWS NLB and needs infra.kind "aws"'],
  [{}, { infra: aws }, "ods:identity.access.allowedCidrs (not set): loadBalancer mode needs the CIDRs that run `pulumi up`"],
  [{ access: { allowedCidrs: ["0.0.0.0/0"] } }, { infra: aws }, "0.0.0.0/0 opens Keycloak's admin endpoint to (nearly) the whole internet"],
  [{ access: { nodePort: 30306 } }, {}, "ods:identity.access.nodePort = 30306: 30306 is also the node port of MySQL's admin endpoint (ods:data.access.ports.mysql)"],
  [{ access: { nodePort: 30443 } }, {}, "ods:identity.access.nodePort = 30443: 30443 is also the node port of the gateway's HTTPS listener (ods:edge.gateway.service.nodePorts.https)"],
  [{ access: { nodePort: 8080 } }, {}, "nodePort must be between 30000 and 32767"],
  [{ access: { readyTimeoutSeconds: 5 } }, {}, "readyTimeoutSeconds must be between 30 and 3600"],
  [{ kubernetesAccess: { groupsPrefix: "system:" } }, {}, "must not start with system:"],
  [{ kubernetesAccess: { usernamePrefix: "" } }, {}, "must be 1-31 lower-case letters"],
  [{ kubernetesAccess: { usernameClaim: "name" } }, {}, "ods:identity.kubernetesAccess.usernameClaim"],
  [{ realms: {} }, {}, "realms"],
])("rejects %j (%j)", (identity, opts, message) => {
  expect(error(identity, opts)).toContain(message);
});

test("the realm may not be master, Keycloak's administration realm (it would be published at /realms/master)", () => {
  expect(error({ realm: { name: "master" } })).toContain('ods:identity.realm.name = "master": master is Keycloak\'s administration realm');
  expect(cfg({ realm: { name: "platform" } }).identity.realm.name).toBe("platform");
});

test("names shown to people carry no control characters; the admin host is an address or a DNS name", () => {
  expect(error({ users: [{ ...USER, firstName: "Ann\u001b[2J" }] })).toContain("ods:identity.users[0].firstName");
  expect(error({ users: [{ ...USER, lastName: "Lee\nAdmin" }] })).toContain("must not contain control characters");
  expect(error({ access: { mode: "nodePort", host: "http://runner; rm -rf" } })).toContain("must be an IPv4 address or a DNS name");
  expect(error({ access: { mode: "nodePort", host: "300.1.1.1" } })).toContain("must be an IPv4 address or a DNS name");
  expect(cfg({ access: { mode: "nodePort", host: "runner.example.com" } }).identity.access).toMatchObject({ host: "runner.example.com" });
  expect(cfg({ users: [{ ...USER, firstName: "Zoë" }] }).identity.users[0].firstName).toBe("Zoë");
});
