// The apps section: the images are required and pinned, ports an unprivileged container can bind, health
// paths, replica ranges that follow highAvailability; every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { validateConfig } from "../load";

const existing = { kind: "existing" };
const aws = {
  kind: "aws",
  aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], kubernetesVersion: "1.35", ebsCsiAddonVersion: "v1.67.1-eksbuild.1", systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } },
};
const haData = { ...MINIMAL_DATA, access: { allowedCidrs: ["10.0.0.0/16"] }, dataApi: { ...MINIMAL_DATA.dataApi, replicas: { min: 2, max: 4 } } };
const withApp = (key: "agentApi" | "web", app: Record<string, unknown>) => ({ ...MINIMAL_APPS, [key]: { ...MINIMAL_APPS[key], ...app } });
const cfg = (apps: unknown, ha = false) =>
  validateConfig({ environment: "t", domain: "t.example.com", highAvailability: ha, infra: ha ? aws : existing, data: ha ? haData : MINIMAL_DATA, model: MINIMAL_MODEL, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE, apps });
const error = (apps: unknown, ha = false) => configErrorOf(() => cfg(apps, ha));

test("defaults: port 8080, the health paths, 1-2 replicas, 2-6 with highAvailability, the stated resources", () => {
  const a = cfg(MINIMAL_APPS).apps;
  expect(a.agentApi).toEqual({ image: "ghcr.io/one-data-studio/agent-api:1.0.0", port: 8080, healthPath: "/api/v1/health", replicas: { min: 1, max: 2 }, resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } } });
  expect(a.web).toEqual({ image: "ghcr.io/one-data-studio/web:1.0.0", port: 8080, healthPath: "/healthz", replicas: { min: 1, max: 2 }, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } } });
  const ha = cfg(MINIMAL_APPS, true).apps;
  expect([ha.agentApi.replicas, ha.web.replicas]).toEqual([{ min: 2, max: 6 }, { min: 2, max: 6 }]);
});

test("configured values win over the defaults", () => {
  const a = cfg(withApp("agentApi", { port: 9000, healthPath: "/ready", replicas: { min: 3, max: 9 }, resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } } })).apps.agentApi;
  expect([a.port, a.healthPath, a.replicas, a.resources.limits.memory]).toEqual([9000, "/ready", { min: 3, max: 9 }, "4Gi"]);
});

test("an unset image is a config error naming the key; so is a missing section", () => {
  expect(error({ agentApi: {}, web: MINIMAL_APPS.web })).toContain("ods:apps.agentApi.image is required");
  expect(error({ agentApi: MINIMAL_APPS.agentApi, web: { port: 8080 } })).toContain("ods:apps.web.image is required");
  expect(configErrorOf(() => validateConfig({ environment: "t", domain: "t.example.com", infra: existing, data: MINIMAL_DATA, model: MINIMAL_MODEL, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE }))).toContain("ods:apps");
});

test.each([
  [withApp("agentApi", { image: "ghcr.io/one-data-studio/agent-api:latest" }), false, 'ods:apps.agentApi.image = "ghcr.io/one-data-studio/agent-api:latest": must not use the tag latest'],
  [withApp("web", { image: "ghcr.io/one-data-studio/web" }), false, 'ods:apps.web.image = "ghcr.io/one-data-studio/web": must be an image reference pinned by tag or digest'],
  [withApp("web", { port: 80 }), false, "ods:apps.web.port = 80: must be 1024-65535: the container runs as non-root"],
  [withApp("agentApi", { port: 70000 }), false, "ods:apps.agentApi.port = 70000: must be a port (1024-65535)"],
  [withApp("agentApi", { port: 8080.5 }), false, "ods:apps.agentApi.port = 8080.5: expected int"],
  [withApp("agentApi", { healthPath: "health" }), false, 'ods:apps.agentApi.healthPath = "health": must be an absolute URL path'],
  [withApp("web", { healthPath: "/a b" }), false, 'ods:apps.web.healthPath = "/a b": must be an absolute URL path'],
  [withApp("agentApi", { replicas: { min: 3, max: 2 } }), false, "ods:apps.agentApi.replicas = {\"min\":3,\"max\":2}: min 3 is larger than max 2"],
  [withApp("web", { replicas: { min: 0, max: 2 } }), false, "ods:apps.web.replicas.min = 0: min must be >= 1"],
  [withApp("web", { replicas: { min: 1, max: 3 } }), true, "ods:apps.web.replicas.min = 1: highAvailability needs at least 2 replicas"],
  [withApp("agentApi", { resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { memory: "1Gi" } } }), false, 'ods:apps.agentApi.resources.requests.cpu = "lots": must be a Kubernetes quantity'],
  [withApp("agentApi", { replicass: 2 }), false, "ods:apps.agentApi"],
  [{ ...MINIMAL_APPS, worker: { image: "ghcr.io/x/y:1" } }, false, "ods:apps"],
])("%j (HA %s) is refused, naming the key and what is allowed", (apps, ha, message) => {
  expect(error(apps, ha)).toContain(message);
});
