// The stack config schema: platform keys plus one section per layer, composed into one. The only place
// where defaults live and config rules are checked; everything is validated before any resource exists.
import { z } from "zod";
import { checkData, dataInputSchema, resolveData } from "./data";
import { checkInfra, infraInputSchema, INFRA_SECRET_SLOTS, resolveInfra } from "./infra";
import { checkModel, ModelFacts, modelInputSchema, resolveModel } from "./model";
import { checkIdentity, identityInputSchema, resolveIdentity } from "./identity";
import { appsInputSchema, checkApps, resolveApps } from "./apps";
import { checkObservability, OBSERVABILITY_SECRET_SLOTS, observabilityInputSchema, resolveObservability } from "./observability";
import { checkEdge, edgeInputSchema, resolveEdge } from "./edge";
import { PlatformFacts, platformShape } from "./platform";
import { publicHosts } from "../../components/edge/contracts";
import { realmEndpoints } from "../../components/identity/contracts";
import { baseName, namespaceName } from "../../components/lib/naming";

export * from "./data";
export * from "./infra";
export * from "./model";
export * from "./identity";
export * from "./apps";
export * from "./observability";
export * from "./edge";
export * from "./platform";

/** Config namespace (the Pulumi project name): keys are `ods:<key>`. */
export const CONFIG_NAMESPACE = "ods";

const inputSchema = z.strictObject({
  ...platformShape,
  infra: infraInputSchema.describe("L1: the cluster (EKS, created by the kit, or an existing one), GPU pools, the GPU operator, the cluster-wide CRDs and the per-layer namespaces."),
  data: dataInputSchema.describe("L2: the object store, MySQL, Redis, Milvus, the data API, and how `pulumi up` reaches the MinIO and MySQL admin APIs."),
  model: modelInputSchema.describe("L3: the served models, their engine, autoscaling and the model API."),
  identity: identityInputSchema.describe("L4 identity: Keycloak, the platform realm (roles, groups, OIDC clients, token lifetimes), initial users and Kubernetes access. On AWS, `access.allowedCidrs` is required."),
  apps: appsInputSchema.describe("L4 applications: the agent API and the web front end; both images are required."),
  observability: observabilityInputSchema.describe("Prometheus, Alertmanager and Grafana; dashboards and alert rules come with the kit."),
  edge: edgeInputSchema.describe("The certificate issuer, Istio and the Gateway API entry point. Hosts are not configured here: they all derive from `ods:domain`."),
});

/** What the upper layers' rules need to know about the platform. */
function platformFacts(c: { highAvailability: boolean; domain: string; infra: { kind: "aws" | "existing" } }): PlatformFacts {
  return { highAvailability: c.highAvailability, infraKind: c.infra.kind, hosts: publicHosts(c.domain) };
}

/** What the model rules need to know about the cluster, from the infra section as given and as resolved. */
function modelFacts(highAvailability: boolean, given: z.infer<typeof infraInputSchema>, infra: ReturnType<typeof resolveInfra>): ModelFacts {
  return {
    highAvailability,
    infraKind: given.kind,
    pools: given.gpuPools.map((p) => ({ name: p.name, gpusPerNode: p.gpusPerNode, instanceTypes: p.instanceTypes })),
    gpuCapacity: infra.gpuCapacity,
    modelGpuQuota: infra.namespaces.model.quota.gpus ?? 0,
  };
}

type Input = z.infer<typeof inputSchema>;

/** The longest `<namePrefix>-<environment>` every derived object name has room for. */
export const MAX_BASE_NAME = 30;

/**
 * Node ports the stack's Services claim, each with its key (pure): the data layer's and Keycloak's admin
 * endpoints in nodePort mode, and the gateway's NodePort listeners.
 */
export function nodePortClaims(c: Input, facts: PlatformFacts): { path: PropertyKey[]; port: number; what: string }[] {
  const aws = c.infra.kind === "aws";
  const claims: { path: PropertyKey[]; port: number; what: string }[] = [];
  if ((c.data.access.mode ?? (aws ? "loadBalancer" : "nodePort")) === "nodePort") {
    if (c.data.objectStore.kind === "minio") claims.push({ path: ["data", "access", "ports", "minio"], port: c.data.access.ports.minio, what: "MinIO's admin endpoint" });
    claims.push({ path: ["data", "access", "ports", "mysql"], port: c.data.access.ports.mysql, what: "MySQL's admin endpoint" });
  }
  const identity = resolveIdentity(c.identity, facts);
  if (identity.access.mode === "nodePort") claims.push({ path: ["identity", "access", "nodePort"], port: identity.access.nodePort, what: "Keycloak's admin endpoint" });
  const edge = resolveEdge(c.edge, facts).gateway.service;
  if ("nodePorts" in edge && edge.nodePorts) {
    claims.push({ path: ["edge", "gateway", "service", "nodePorts", "http"], port: edge.nodePorts.http, what: "the gateway's HTTP listener" });
    claims.push({ path: ["edge", "gateway", "service", "nodePorts", "https"], port: edge.nodePorts.https, what: "the gateway's HTTPS listener" });
  }
  return claims;
}

export const configSchema = inputSchema
  .superRefine((c, ctx) => {
    // `<namePrefix>-<environment>` starts every object name; the longest the kit derives from it
    // (Redis' "<base>-redis-..." objects, at most 36 characters in its chart) leaves 30 for it.
    const base = `${c.namePrefix}-${c.environment}`;
    if (base.length > MAX_BASE_NAME) ctx.addIssue({ code: "custom", path: ["environment"], message: `makes the name base "${base}" (namePrefix-environment) ${base.length} characters; allowed: at most ${MAX_BASE_NAME} together, so shorten ods:environment or ods:namePrefix` });
    checkInfra(c.infra, c, ctx, ["infra"]);
    checkData(c.data, ctx, ["data"], { highAvailability: c.highAvailability, infraKind: c.infra.kind });
    checkModel(c.model, ctx, ["model"], modelFacts(c.highAvailability, c.infra, resolveInfra(c.infra)));
    const facts = platformFacts(c);
    checkIdentity(c.identity, ctx, ["identity"], facts);
    checkApps(c.apps, ctx, ["apps"], facts);
    checkObservability(c.observability, ctx, ["observability"], facts);
    checkEdge(c.edge, ctx, ["edge"], facts);
    // MinIO servers and MySQL instances must each have a node of their own (required pod anti-affinity
    // on the hostname) among the nodes that take untainted pods: on AWS, the system node group at its
    // smallest. More would stay Pending (found by npm run cluster-check). An existing cluster's nodes are
    // not the kit's to know; cluster-check tells.
    if (c.infra.kind === "aws" && c.infra.aws) {
      const data = resolveData(c.data, { highAvailability: c.highAvailability, infraKind: c.infra.kind });
      const nodes = c.infra.aws.systemNodes.minSize;
      const spread: { path: PropertyKey[]; n: number; what: string }[] = [{ path: ["data", "mysql", "replicas"], n: data.mysql.replicas, what: "MySQL instances" }];
      if (c.data.objectStore.kind === "minio") spread.push({ path: ["data", "objectStore", "minio", "servers"], n: data.objectStore.minio.servers, what: "MinIO servers" });
      for (const x of spread) {
        if (x.n > nodes) ctx.addIssue({ code: "custom", path: x.path, message: `${x.n} ${x.what} need ${x.n} nodes (one each), and ods:infra.aws.systemNodes.minSize is ${nodes}; allowed: at most ${nodes}, or raise ods:infra.aws.systemNodes.minSize` });
      }
    }
    // Images the kit builds go to the stack's registry: ECR on AWS, the existing cluster's otherwise.
    if (c.infra.kind === "existing" && c.data.dataApi.image === undefined && !c.infra.existingCluster?.registry) {
      ctx.addIssue({ code: "custom", path: ["infra", "existingCluster", "registry"], message: "is needed: the kit builds the data API's image and pushes it where the nodes pull from; allowed: a registry such as localhost:5001 (kind: docs/deploy.md), or a prebuilt image in ods:data.dataApi.image" });
    }
    // One node port, one Service: a clash would only show at `pulumi up` ("port already allocated").
    // (The gateway's own two ports are compared by the edge section's rule.)
    // Each key of a clash is named, with the other claimant: either may be the one to change.
    const claims = nodePortClaims(c, facts);
    for (const claim of claims) {
      const other = claims.find((o) => o !== claim && o.port === claim.port && !(o.path[0] === "edge" && claim.path[0] === "edge"));
      if (other) ctx.addIssue({ code: "custom", path: claim.path, message: `${claim.port} is also the node port of ${other.what} (ods:${other.path.join(".")}); allowed: a distinct port in 30000-32767` });
    }
  })
  .transform(({ infra, data, model, identity, apps, observability, edge, ...platform }) => {
    const resolved = resolveInfra(infra);
    const facts = platformFacts({ ...platform, infra });
    return {
      ...platform,
      hosts: facts.hosts,
      realm: realmEndpoints({
        keycloakHost: facts.hosts.keycloak,
        realm: resolveIdentity(identity, facts).realm.name,
        keycloakComponent: `${baseName(platform)}-keycloak`,
        identityNamespace: namespaceName(platform.namePrefix, "identity"),
      }),
      infra: resolved,
      data: resolveData(data, { highAvailability: platform.highAvailability, infraKind: infra.kind }),
      model: resolveModel(model, modelFacts(platform.highAvailability, infra, resolved)),
      identity: resolveIdentity(identity, facts),
      apps: resolveApps(apps, facts),
      observability: resolveObservability(observability, facts),
      edge: resolveEdge(edge, facts),
    };
  });

/** The validated config, with every default applied. */
export type OdsConfig = z.infer<typeof configSchema>;

/** Top-level keys and whether the value is a plain string (others are YAML objects, arrays, numbers or booleans). */
export const TOP_LEVEL_KEYS: Record<keyof z.input<typeof inputSchema>, "string" | "structured"> = {
  environment: "string",
  domain: "string",
  namePrefix: "string",
  highAvailability: "structured",
  infra: "structured",
  data: "structured",
  model: "structured",
  identity: "structured",
  apps: "structured",
  observability: "structured",
  edge: "structured",
};

/**
 * The keys that may hold a secret, the only places a `secure:` value (or `pulumi config set --secret`)
 * is accepted: everywhere else a value goes into names, labels, objects and the plan in plain text, so a
 * secret there is refused, by key, without being shown. Each slot's value is wrapped as a Pulumi secret
 * wherever the program uses it. Paths are config paths, `[]` for any list index.
 * - mustBeSecret: a plain-text value of this form is refused (it is a credential);
 * - placeholder: what the offline plan (which never decrypts) puts there, in the form the key requires.
 */
export interface SecretSlot {
  readonly path: string;
  readonly mustBeSecret: (value: unknown) => boolean;
  readonly message: string;
  readonly placeholder?: string;
  /** The config reference's "secret" cell for the key. */
  readonly doc: string;
}
export const SECRET_SLOTS: readonly SecretSlot[] = [...INFRA_SECRET_SLOTS, ...OBSERVABILITY_SECRET_SLOTS];

/** The placeholder for a secure value without a slot placeholder (the offline plan never decrypts). */
export const OFFLINE_SECRET_PLACEHOLDER_TEXT = "offline-plan-placeholder-secret";

/** A config path as elements (`["observability", "alertmanager", "receivers", 0, "webhookUrl"]`) in the slot form (`...receivers[].webhookUrl`). */
export function slotForm(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? "[]" : String(p))).join(".").replace(/\.\[\]/g, "[]");
}

/** The slot a config path is, if it may hold a secret. */
export function secretSlotAt(path: readonly PropertyKey[]): SecretSlot | undefined {
  const form = slotForm(path);
  return SECRET_SLOTS.find((s) => s.path === form);
}

/** Every slot present in a config input, with its concrete path (list indexes filled in) and value. */
export function presentSlots(input: unknown): { path: (string | number)[]; slot: SecretSlot; value: unknown }[] {
  const found: { path: (string | number)[]; slot: SecretSlot; value: unknown }[] = [];
  const walk = (v: unknown, at: (string | number)[], rest: string[], slot: SecretSlot) => {
    if (v === undefined || v === null) return;
    if (rest.length === 0) return void found.push({ path: at, slot, value: v });
    const [head, ...tail] = rest;
    const list = head.endsWith("[]");
    const key = list ? head.slice(0, -2) : head;
    if (typeof v !== "object" || Array.isArray(v)) return;
    const next = (v as Record<string, unknown>)[key];
    if (!list) return walk(next, [...at, key], tail, slot);
    if (Array.isArray(next)) next.forEach((item, i) => walk(item, [...at, key, i], tail, slot));
  };
  for (const slot of SECRET_SLOTS) walk(input, [], slot.path.split("."), slot);
  return found;
}

/** Keys whose values errors never show: those that may hold a secret, and free-form flags that may carry one by mistake. */
const NEVER_SHOWN_FIELDS: readonly string[] = [...SECRET_SLOTS.map((s) => s.path), "model.models[].extraArgs", "model.models[].extraArgs[]"];

/** Whether an error may not show the value at a config path (as elements): see NEVER_SHOWN_FIELDS. */
export function isSecretCapable(path: readonly PropertyKey[]): boolean {
  return NEVER_SHOWN_FIELDS.includes(slotForm(path));
}

/** The offline placeholder for a secure value at a config path such as `observability.alertmanager.receivers[0].webhookUrl`. */
export function offlinePlaceholder(configPath: string): string {
  const form = configPath.replace(/\[\d+\]/g, "[]");
  return SECRET_SLOTS.find((s) => s.path === form)?.placeholder ?? OFFLINE_SECRET_PLACEHOLDER_TEXT;
}
