// L4 applications (`ods:apps`): the agent API (RAG, text-to-SQL) and the web front end, each an image the
// stack pins (the kit ships none), its port and health path, its replica range and its resources.
import { z } from "zod";
import { appReplicasSchema, image, resourcesSchema, type ResourcesConfig } from "./data";
import type { PlatformFacts } from "./platform";

/** The two applications, by config key. */
export const APP_KEYS = ["agentApi", "web"] as const;
export type AppKey = (typeof APP_KEYS)[number];

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });

/** Defaults of every key but the image (which has none) and the replicas (which follow highAvailability). */
export const APP_DEFAULTS: Record<AppKey, { port: number; healthPath: string; resources: ResourcesConfig }> = {
  // Python API with an LLM client, a vector client and a SQL pool: larger than the data API.
  agentApi: { port: 8080, healthPath: "/api/v1/health", resources: res("250m", "512Mi", "1Gi") },
  // A static single-page app behind an unprivileged web server.
  web: { port: 8080, healthPath: "/healthz", resources: res("50m", "64Mi", "128Mi") },
};

/** Replica ranges when none is configured: 2-6 where highAvailability (a PDB and spreading come with min > 1), else 1-2. */
export const DEFAULT_REPLICAS = { ha: { min: 2, max: 6 }, single: { min: 1, max: 2 } } as const;

/** First port an unprivileged container may bind: the apps run as non-root with every capability dropped. */
export const MIN_APP_PORT = 1024;

const appSchema = (key: AppKey) =>
  z.strictObject({
    image: image.describe("The application's image, pinned by tag or digest; the kit ships no default image. It must serve HTTP, its health path and /metrics on `port` as a non-root user."),
    port: z
      .int()
      .min(MIN_APP_PORT, { error: `must be ${MIN_APP_PORT}-65535: the container runs as non-root with every capability dropped, so it cannot bind a privileged port` })
      .max(65535, { error: "must be a port (1024-65535)" })
      .default(APP_DEFAULTS[key].port)
      .describe(`Container port serving HTTP and /metrics; ${MIN_APP_PORT} or above, since the container runs as non-root with every capability dropped.`),
    healthPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*$/, { error: "must be an absolute URL path such as /healthz (letters, digits, '.', '_', '~', '-', '/')" })
      .default(APP_DEFAULTS[key].healthPath)
      .describe("Path of the health endpoint all three probes call."),
    replicas: appReplicasSchema.optional().meta({ description: "The HPA's range; highAvailability needs min >= 2.", "x-default": `${DEFAULT_REPLICAS.ha.min}-${DEFAULT_REPLICAS.ha.max} where highAvailability, else ${DEFAULT_REPLICAS.single.min}-${DEFAULT_REPLICAS.single.max}` }),
    resources: resourcesSchema.default(APP_DEFAULTS[key].resources).describe("Container requests and memory limit."),
  });

export const appsInputSchema = z.strictObject({
  agentApi: appSchema("agentApi").describe("The agent API: RAG and text-to-SQL over the data and model layers, at `https://agent.<domain>`."),
  web: appSchema("web").describe("The web front end: a browser app that signs in with Keycloak and calls the agent API, at `https://app.<domain>`."),
});

type AppsInput = z.infer<typeof appsInputSchema>;

/** Rules across the section's keys and with the platform's; paths are relative to `apps`. */
export function checkApps(apps: AppsInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const r = resolveApps(apps, facts);
  for (const key of APP_KEYS) {
    const { min, max } = r[key].replicas;
    if (min > max) issue([key, "replicas"], `min ${min} is larger than max ${max}; allowed: min <= max`);
    if (facts.highAvailability && min < 2) issue([key, "replicas", "min"], "highAvailability needs at least 2 replicas (a disruption budget and spreading over nodes); allowed: 2 or more");
  }
}

/** The validated section with every default applied. */
export function resolveApps(apps: AppsInput, facts: PlatformFacts) {
  const replicas = facts.highAvailability ? DEFAULT_REPLICAS.ha : DEFAULT_REPLICAS.single;
  const resolve = (a: AppsInput[AppKey]) => ({ ...a, replicas: a.replicas ?? { ...replicas } });
  return { agentApi: resolve(apps.agentApi), web: resolve(apps.web) };
}

export type AppsConfig = ReturnType<typeof resolveApps>;
