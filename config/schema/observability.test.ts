// The observability section: defaults that follow highAvailability, and every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { HIDDEN, validateConfig } from "../load";
import { DEFAULT_GRAFANA_IMAGES, isWebhookUrl, OBSERVABILITY_SECRET_SLOTS } from "./observability";

const HOOK = "https://hooks.example.com/services/T000/B000/zq-sentinel-token";
/** As Pulumi hands it over: the section is secret when a receiver (its URL) is in it. */
const holdsReceivers = (o: Record<string, unknown> | undefined) => JSON.stringify(o ?? {}).includes("receivers");
const cfg = (observability: Record<string, unknown> | undefined, ha = false, secret = holdsReceivers(observability)) =>
  validateConfig(
    { environment: "t", domain: "t.example.com", highAvailability: ha, infra: { kind: "existing" }, data: { ...MINIMAL_DATA, access: { mode: "nodePort" } }, model: MINIMAL_MODEL, apps: MINIMAL_APPS, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE, ...(observability ? { observability } : {}) },
    [],
    secret ? ["ods:observability"] : [],
  ).observability;
const error = (observability: Record<string, unknown>, ha = false, secret = holdsReceivers(observability)) => configErrorOf(() => cfg(observability, ha, secret));

test("defaults without highAvailability: one of each, 15d on 50Gi, Grafana 13.2.0 on a 10Gi volume, no receivers", () => {
  const o = cfg(undefined);
  expect(o.prometheus).toEqual({ retention: "15d", storageSize: "50Gi", replicas: 1, resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } } });
  expect(o.alertmanager).toEqual({ replicas: 1, resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } }, receivers: [] });
  expect(o.grafana).toEqual({
    image: "docker.io/grafana/grafana:13.2.0",
    sidecarImage: "quay.io/kiwigrid/k8s-sidecar:2.10.1",
    replicas: 1,
    persistence: { size: "10Gi" },
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  });
  expect(Object.values(DEFAULT_GRAFANA_IMAGES).every((i) => /:[\w.-]+$/.test(i) && !i.endsWith(":latest"))).toBe(true);
});

test("defaults with highAvailability: two of each, a larger Prometheus", () => {
  const o = cfg({}, true);
  expect([o.prometheus.replicas, o.alertmanager.replicas, o.grafana.replicas]).toEqual([2, 2, 2]);
  expect(o.prometheus.resources).toEqual({ requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } });
});

test("a receiver: its severities default to critical and warning, resolved notices on", () => {
  const o = cfg({ alertmanager: { receivers: [{ name: "oncall", webhookUrl: HOOK }] } });
  expect(o.alertmanager.receivers).toEqual([{ name: "oncall", webhookUrl: HOOK, severities: ["critical", "warning"], sendResolved: true }]);
});

test.each([
  [{ prometheus: { replicas: 1 } }, true, "ods:observability.prometheus.replicas = 1: highAvailability needs a second Prometheus scraping the same targets; allowed: 2 to 5"],
  [{ prometheus: { replicas: 0 } }, false, "ods:observability.prometheus.replicas = 0: must be >= 1"],
  [{ prometheus: { replicas: 6 } }, false, "ods:observability.prometheus.replicas = 6: prometheus.replicas must be <= 5"],
  [{ alertmanager: { replicas: 1 } }, true, "ods:observability.alertmanager.replicas = 1: highAvailability needs a clustered Alertmanager"],
  [{ grafana: { replicas: 1 } }, true, "ods:observability.grafana.replicas = 1: highAvailability needs at least 2 Grafana replicas"],
  [{ grafana: { replicas: 2 } }, false, "ods:observability.grafana.replicas = 2: more than one Grafana replica needs its database on MySQL"],
  [{ prometheus: { retention: "15 days" } }, false, 'ods:observability.prometheus.retention = "15 days": must be a Prometheus duration such as 15d'],
  [{ prometheus: { retention: "0d" } }, false, 'ods:observability.prometheus.retention = "0d": must be a Prometheus duration'],
  [{ prometheus: { storageSize: "50GB" } }, false, 'ods:observability.prometheus.storageSize = "50GB": must be a Kubernetes quantity'],
  [{ prometheus: { resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "2Gi" } } } }, false, 'ods:observability.prometheus.resources.requests.memory = "4Gi": 4Gi is above limits.memory 2Gi; allowed: request <= limit'],
  [{ grafana: { image: "grafana/grafana:latest" } }, false, "ods:observability.grafana.image"],
  [{ grafana: { sidecarImage: "quay.io/kiwigrid/k8s-sidecar" } }, false, "ods:observability.grafana.sidecarImage"],
  [{ grafana: { persistence: { size: "ten" } } }, false, 'ods:observability.grafana.persistence.size = "ten": must be a Kubernetes quantity'],
  [{ grafana: { admin: "x" } }, false, "ods:observability.grafana.admin: unknown key"],
  [{ alertmanager: { receivers: [{ name: "Ops Team", webhookUrl: HOOK }] } }, false, "ods:observability.alertmanager.receivers[0].name = [secret, not shown]: must be a DNS label"],
  [{ alertmanager: { receivers: [{ name: "ops", webhookUrl: HOOK, severities: [] }] } }, false, "ods:observability.alertmanager.receivers[0].severities = [secret, not shown]: must list at least one severity"],
  [{ alertmanager: { receivers: [{ name: "ops", webhookUrl: HOOK, severities: ["page"] }] } }, false, 'ods:observability.alertmanager.receivers[0].severities[0] = [secret, not shown]: allowed: one of "critical", "warning", "info"'],
  [{ alertmanager: { receivers: [{ name: "ops", webhookUrl: HOOK, severities: ["critical", "critical"] }] } }, false, 'receiver "[secret, not shown]" lists a severity twice'],
  [{ alertmanager: { receivers: [{ name: "ops", webhookUrl: HOOK }, { name: "ops", webhookUrl: HOOK }] } }, false, 'ods:observability.alertmanager.receivers[1].name = [secret, not shown]: receiver "[secret, not shown]" is listed twice'],
  [{ alertmanager: { receivers: [{ name: "ops" }] } }, false, "ods:observability.alertmanager.receivers[0].webhookUrl is required"],
])("%j (HA %s) is refused: %s", (observability, ha, message) => {
  expect(error(observability, ha)).toContain(message);
});

test("a webhook URL that is not an http(s) URL is refused without being shown", () => {
  const bad = "ftp://zq-sentinel-token@example.com/x";
  const msg = error({ alertmanager: { receivers: [{ name: "ops", webhookUrl: bad }] } });
  expect(msg).toContain("ods:observability.alertmanager.receivers[0].webhookUrl = [secret, not shown]: must be an http(s) URL");
  expect(msg).not.toContain("zq-sentinel-token");
  expect([isWebhookUrl(HOOK), isWebhookUrl("http://am-relay.ops.svc:8080/hook"), isWebhookUrl(bad), isWebhookUrl("hooks.example.com/x"), isWebhookUrl("https://")]).toEqual([true, true, false, false, false]);
});

test("a receiver's webhook URL is a secret slot: a plain-text one must be secret, an empty or missing one is nothing to keep", () => {
  const [slot] = OBSERVABILITY_SECRET_SLOTS;
  expect(slot.path).toBe("observability.alertmanager.receivers[].webhookUrl");
  expect(slot.mustBeSecret(HOOK)).toBe(true);
  expect(slot.mustBeSecret("")).toBe(false);
  expect(slot.mustBeSecret(undefined)).toBe(false);
  expect(isWebhookUrl(slot.placeholder)).toBe(true);
  expect(slot.message).toContain("pulumi config set --secret --path '{path}' <url>");
  expect(slot.message).not.toContain(HOOK);
  expect(HIDDEN).toBe("[secret, not shown]");
});

test("retention is bounded (2h to 10y) and volumes are sizes from 1Gi to 64Ti", () => {
  expect(error({ prometheus: { retention: "1ms" } })).toContain('ods:observability.prometheus.retention = "1ms": must be from 2h (one block) to 10y');
  expect(error({ prometheus: { retention: "99999999999y" } })).toContain("must be from 2h (one block) to 10y");
  expect(error({ prometheus: { storageSize: "0" } })).toContain('ods:observability.prometheus.storageSize = "0": must be a size from 1Gi to 64Ti');
  expect(cfg({ prometheus: { retention: "2h" } }).prometheus.retention).toBe("2h");
  expect(cfg({ prometheus: { retention: "10y" } }).prometheus.retention).toBe("10y");
});
