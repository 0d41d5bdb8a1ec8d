// Observability (`ods:observability`): Prometheus (retention, storage, replicas, resources), Alertmanager
// (replicas, webhook receivers whose URLs are Pulumi secrets) and Grafana (image, replicas, volume, resources).
import { z } from "zod";
import { count, volumeSize } from "./common";
import { image, resourcesSchema, ResourcesConfig } from "./data";
import type { PlatformFacts } from "./platform";

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });
/** Requests and memory limit in words, for the configuration reference. */
const resourceText = (r: ResourcesConfig) => `${r.requests.cpu} CPU, ${r.requests.memory}, limit ${r.limits.memory}`;

/**
 * Grafana as the grafana chart 12.11.1 (the one kube-prometheus-stack 88.5.3 pulls) ships it: its appVersion
 * and its dashboard sidecar's tag.
 */
export const DEFAULT_GRAFANA_IMAGES = {
  grafana: "docker.io/grafana/grafana:13.2.0",
  sidecar: "quay.io/kiwigrid/k8s-sidecar:2.10.1",
} as const;

/** Alert severities the kit's rules use; a receiver subscribes to some of them. */
export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Prometheus durations: a number and a unit, e.g. 15d, 12h, 2w. */
const DURATION = /^[1-9][0-9]*(ms|s|m|h|d|w|y)$/;
const DURATION_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
/** Retention from 2 hours (one TSDB block) to 10 years. */
const duration = z
  .string()
  .regex(DURATION, { error: "must be a Prometheus duration such as 15d, 36h or 2w" })
  .refine((d) => {
    const m = /^([0-9]+)([a-z]+)$/.exec(d);
    const secs = m ? Number(m[1]) * (DURATION_SECONDS[m[2]] ?? NaN) : NaN;
    return secs >= 7200 && secs <= 10 * 31536000;
  }, { error: "must be from 2h (one block) to 10y" })
  .meta({ title: "duration", "x-format": "a Prometheus duration: a whole number and a unit (ms, s, m, h, d, w, y), such as 15d, 36h or 2w" });

/** Default sizes (the stacks may set their own). */
export const OBSERVABILITY_DEFAULTS = {
  retention: "15d",
  prometheusStorage: "50Gi",
  grafanaStorage: "10Gi",
  prometheusResources: { ha: res("500m", "2Gi", "4Gi"), single: res("250m", "1Gi", "2Gi") },
  alertmanagerResources: res("50m", "64Mi", "256Mi"),
  grafanaResources: res("100m", "256Mi", "512Mi"),
  sidecarResources: res("20m", "64Mi", "128Mi"),
} as const;

export const receiverSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, { error: "must be a DNS label of at most 40 characters, such as oncall or team-chat" })
    // Alertmanager's routing tree has a receiver "null" of its own (where unrouted alerts go).
    .refine((n) => n !== "null", { error: "is the name of Alertmanager's own receiver for unrouted alerts; allowed: any other DNS label, such as oncall" })
    .describe("Receiver name, a DNS label of at most 40 characters, unique; also the Secret key its URL is stored under."),
  webhookUrl: z
    .string()
    .refine(isWebhookUrl, { error: "must be an http(s) URL such as https://hooks.example.com/alertmanager (the value is not shown)" })
    .describe(
      "Where Alertmanager POSTs (its webhook format), an http(s) URL. It must be a Pulumi secret, since such URLs carry tokens (`pulumi config set --secret --path 'observability.alertmanager.receivers[0].webhookUrl' <url>`); a plain-text URL is refused.",
    ),
  severities: z
    .array(z.enum(ALERT_SEVERITIES))
    .min(1, { error: "must list at least one severity; allowed: critical, warning, info" })
    .default(["critical", "warning"])
    .describe("Severities it receives, each at most once."),
  sendResolved: z.boolean().default(true).describe("Also notify when an alert resolves."),
});

/**
 * The platform HTTP APIs' objective (data API, agent API): the API alerts fire above it, and the
 * performance gate's data-API thresholds must state the same numbers (a test compares them).
 */
export const apiSloSchema = z.strictObject({
  percentile: z
    .number()
    .int()
    .min(50, { error: "must be a whole percentile between 50 and 99" })
    .max(99, { error: "must be a whole percentile between 50 and 99" })
    .describe("Latency percentile, e.g. 95."),
  latencyMs: z.number().int().min(1, { error: "must be a whole number of milliseconds >= 1" }).max(60000, { error: "must be <= 60000 ms" }).describe("Latency objective at that percentile, in milliseconds."),
  errorRatio: z.number().gt(0, { error: "must be > 0" }).lt(1, { error: "must be < 1" }).describe("Share of requests that may fail (5xx), e.g. 0.01."),
});
export const DEFAULT_API_SLO = { percentile: 95, latencyMs: 500, errorRatio: 0.05 } as const;

export const observabilityInputSchema = z
  .strictObject({
    apiSlo: apiSloSchema
      .default(DEFAULT_API_SLO)
      .describe("The objective of the platform's HTTP APIs (data API, agent API): the API alerts fire above it, and `loadtests/profiles/<stack>.json` must state the same data API thresholds (a test compares them)."),
    prometheus: z
      .strictObject({
        retention: duration.default(OBSERVABILITY_DEFAULTS.retention).describe("How long samples are kept."),
        storageSize: volumeSize.default(OBSERVABILITY_DEFAULTS.prometheusStorage).describe("Volume per replica; Prometheus also drops old blocks at 85 % of it (retentionSize)."),
        replicas: count("prometheus.replicas", 5)
          .optional()
          .meta({ description: "Replicas, each scraping everything; 1 to 5, highAvailability needs 2 or more.", "x-default": "2 where highAvailability, else 1" }),
        resources: resourcesSchema.optional().meta({
          description: "Per replica.",
          "x-default": `${resourceText(OBSERVABILITY_DEFAULTS.prometheusResources.ha)} where highAvailability, else ${resourceText(OBSERVABILITY_DEFAULTS.prometheusResources.single)}`,
        }),
      })
      .default({ retention: OBSERVABILITY_DEFAULTS.retention, storageSize: OBSERVABILITY_DEFAULTS.prometheusStorage })
      .describe("Prometheus (kube-prometheus-stack)."),
    alertmanager: z
      .strictObject({
        replicas: count("alertmanager.replicas", 5)
          .optional()
          .meta({ description: "Replicas, clustered and de-duplicating notifications; 1 to 5, highAvailability needs 2 or more.", "x-default": "2 where highAvailability, else 1" }),
        resources: resourcesSchema.default(OBSERVABILITY_DEFAULTS.alertmanagerResources).describe("Per replica."),
        receivers: z
          .array(receiverSchema)
          .default([])
          .describe("Webhook receivers; without any, alerts show in Alertmanager and Grafana only. As soon as a receiver has a URL, the whole `ods:observability` key must be secret (setting the URL with `--secret` does that)."),
      })
      .default({ resources: OBSERVABILITY_DEFAULTS.alertmanagerResources, receivers: [] })
      .describe("Alertmanager: every alert is routed here (Grafana-managed alerting is off)."),
    grafana: z
      .strictObject({
        image: image.default(DEFAULT_GRAFANA_IMAGES.grafana).describe("Grafana image, pinned."),
        sidecarImage: image.default(DEFAULT_GRAFANA_IMAGES.sidecar).describe("The dashboard sidecar's image, pinned."),
        replicas: count("grafana.replicas", 10)
          .optional()
          .meta({
            description: "Replicas: more than 1 needs highAvailability (its database on MySQL; without it Grafana keeps SQLite on one volume), and highAvailability needs 2 or more (at most 10).",
            "x-default": "2 where highAvailability, else 1",
          }),
        persistence: z
          .strictObject({ size: volumeSize.default(OBSERVABILITY_DEFAULTS.grafanaStorage).describe("Volume for /var/lib/grafana (its SQLite database) without highAvailability.") })
          .default({ size: OBSERVABILITY_DEFAULTS.grafanaStorage })
          .describe("Grafana's volume."),
        resources: resourcesSchema.default(OBSERVABILITY_DEFAULTS.grafanaResources).describe("Per replica."),
      })
      .default({
        image: DEFAULT_GRAFANA_IMAGES.grafana,
        sidecarImage: DEFAULT_GRAFANA_IMAGES.sidecar,
        persistence: { size: OBSERVABILITY_DEFAULTS.grafanaStorage },
        resources: OBSERVABILITY_DEFAULTS.grafanaResources,
      })
      .describe("Grafana, with Keycloak sign-on."),
  })
  .default({
    apiSlo: DEFAULT_API_SLO,
    prometheus: { retention: OBSERVABILITY_DEFAULTS.retention, storageSize: OBSERVABILITY_DEFAULTS.prometheusStorage },
    alertmanager: { resources: OBSERVABILITY_DEFAULTS.alertmanagerResources, receivers: [] },
    grafana: { image: DEFAULT_GRAFANA_IMAGES.grafana, sidecarImage: DEFAULT_GRAFANA_IMAGES.sidecar, persistence: { size: OBSERVABILITY_DEFAULTS.grafanaStorage }, resources: OBSERVABILITY_DEFAULTS.grafanaResources },
  });

type ObservabilityInput = z.infer<typeof observabilityInputSchema>;

/** An absolute http or https URL with a host (pure; the value is never echoed). */
export function isWebhookUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "https:" || u.protocol === "http:") && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * Keys of this section that may hold a secret (see SECRET_SLOTS): a receiver's webhook URL carries a
 * token, so a plain-text one is refused; the offline plan gives a `secure:` one a URL-shaped placeholder.
 */
export const OBSERVABILITY_SECRET_SLOTS = [
  {
    path: "observability.alertmanager.receivers[].webhookUrl",
    mustBeSecret: (value: unknown) => typeof value === "string" && value.length > 0,
    doc: "must be",
    message: "is a webhook URL (it carries a token) in plain text; store it as a secret: pulumi config set --secret --path '{path}' <url>",
    placeholder: "https://offline-plan-placeholder.invalid/secret",
  },
] as const;

/** Rules across the section's keys and with the platform's; paths are relative to `observability`. */
export function checkObservability(observability: ObservabilityInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const r = resolveObservability(observability, facts);
  const ha = facts.highAvailability;
  if (r.prometheus.replicas < 1) issue(["prometheus", "replicas"], "must be >= 1; allowed: 1 to 5 (2 or more with highAvailability)");
  if (ha && r.prometheus.replicas < 2) issue(["prometheus", "replicas"], "highAvailability needs a second Prometheus scraping the same targets; allowed: 2 to 5");
  if (r.alertmanager.replicas < 1) issue(["alertmanager", "replicas"], "must be >= 1; allowed: 1 to 5 (2 or more with highAvailability)");
  if (ha && r.alertmanager.replicas < 2) issue(["alertmanager", "replicas"], "highAvailability needs a clustered Alertmanager; allowed: 2 to 5");
  if (r.grafana.replicas < 1) issue(["grafana", "replicas"], "must be >= 1; allowed: 1, or 2 to 10 with highAvailability");
  if (ha && r.grafana.replicas < 2) issue(["grafana", "replicas"], "highAvailability needs at least 2 Grafana replicas; allowed: 2 to 10");
  if (!ha && r.grafana.replicas > 1) issue(["grafana", "replicas"], "more than one Grafana replica needs its database on MySQL, which the kit uses with highAvailability only (without it Grafana keeps SQLite on one volume); allowed: 1");
  const seen = new Set<string>();
  observability.alertmanager.receivers.forEach((rcv, i) => {
    if (seen.has(rcv.name)) issue(["alertmanager", "receivers", i, "name"], `receiver "${rcv.name}" is listed twice; allowed: unique names`);
    seen.add(rcv.name);
    if (new Set(rcv.severities).size !== rcv.severities.length) issue(["alertmanager", "receivers", i, "severities"], `receiver "${rcv.name}" lists a severity twice; allowed: each of critical, warning, info at most once`);
  });
}

/** The validated section with every default applied. */
export function resolveObservability(observability: ObservabilityInput, facts: PlatformFacts) {
  const ha = facts.highAvailability;
  const replicas = ha ? 2 : 1;
  const p = observability.prometheus;
  const a = observability.alertmanager;
  const g = observability.grafana;
  return {
    apiSlo: observability.apiSlo,
    prometheus: {
      retention: p.retention,
      storageSize: p.storageSize,
      replicas: p.replicas ?? replicas,
      resources: p.resources ?? (ha ? OBSERVABILITY_DEFAULTS.prometheusResources.ha : OBSERVABILITY_DEFAULTS.prometheusResources.single),
    },
    alertmanager: { replicas: a.replicas ?? replicas, resources: a.resources, receivers: a.receivers },
    grafana: { image: g.image, sidecarImage: g.sidecarImage, replicas: g.replicas ?? replicas, persistence: g.persistence, resources: g.resources },
  };
}

export type ObservabilityConfig = ReturnType<typeof resolveObservability>;
