// L4 applications ("Bisheng"): the agent API and the web front end on AppService, wired to the data and
// model layers (the three integration points) and to the identity layer's OIDC clients.
import * as pulumi from "@pulumi/pulumi";
import { AppsConfig, PlatformConfig } from "../config";
import { AppService, SecretEnv } from "../components/apps/appService";
import { MilvusUser, MILVUS_USER_SECRET_KEYS, RAG_GRANTS } from "../components/apps/milvusUser";
import { ACCESS_KEY_ID_KEY, DB_SECRET_KEYS, SECRET_ACCESS_KEY_KEY } from "../components/data/contracts";
import { ExposedService } from "../components/edge/contracts";
import { CLIENT_SECRET_KEYS, IdentityHandle } from "../components/identity/contracts";
import { baseName } from "../components/lib/naming";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";
import { ModelHandle } from "./model";

export interface AppsHandle {
  /** In-cluster URLs, and the public URL the browser and the gate use. */
  agentApi?: { url: pulumi.Output<string>; publicUrl: string };
  web?: { url: pulumi.Output<string>; publicUrl: string };
  exposed: ExposedService[];
}

/** App names (`app.kubernetes.io/name`, Kubernetes object names) and the consumer names the data layer declared for the agent API. */
export const APPS = {
  agentApi: { app: "agent-api", component: "api", database: "agent-api", readOnlyDatabase: "text2sql", objectStore: "agent-api", redisNamespaceKey: "apps" },
  web: { app: "web", component: "web" },
} as const;

/** The agent API's own Milvus user (RAG collections only; never root). */
export const AGENT_MILVUS_USER = "agent_api";

/** The OIDC client the browser app signs in with (public, PKCE). */
export const WEB_CLIENT = "web";

/** Where the agent API finds everything it integrates with; Outputs in the layer, strings in tests. */
export interface AgentApiWiring {
  llm: { baseUrl: pulumi.Input<string>; models: string[]; apiKey: { secretName: pulumi.Input<string>; key: string } };
  dataApiUrl: pulumi.Input<string>;
  milvus: { uri: pulumi.Input<string>; secretName: pulumi.Input<string> };
  /** The agent API's own database and the read-only text-to-SQL user: Secrets with DB_SECRET_KEYS. */
  database: pulumi.Input<string>;
  text2sql: pulumi.Input<string>;
  redis: { host: pulumi.Input<string>; port: number; passwordSecret: pulumi.Input<string>; sentinel?: { host: pulumi.Input<string>; port: number; masterSet: string } };
  objectStore: { endpoint: pulumi.Input<string>; region: string; pathStyle: boolean; datasetsBucket: pulumi.Input<string>; credentialsSecret?: pulumi.Input<string> };
  /** issuerUrl: what tokens carry (validate `iss` against it); internalIssuerUrl: where to fetch keys inside the cluster. */
  oidc: { issuerUrl: string; internalIssuerUrl: string; clientId: string; secretName?: pulumi.Input<string> };
  /** https://<agentApi host> and https://<web host> (the browser's origin, for CORS). */
  publicUrl: string;
  webOrigin: string;
}

const dbEnv = (prefix: string, secretName: pulumi.Input<string>): SecretEnv[] => [
  { name: `${prefix}_HOST`, secretName, key: DB_SECRET_KEYS.host },
  { name: `${prefix}_PORT`, secretName, key: DB_SECRET_KEYS.port },
  { name: `${prefix}_NAME`, secretName, key: DB_SECRET_KEYS.database },
  { name: `${prefix}_USER`, secretName, key: DB_SECRET_KEYS.user },
  { name: `${prefix}_PASSWORD`, secretName, key: DB_SECRET_KEYS.password },
];

/**
 * The agent API's settings (pure): plain values as env, every credential as a Secret key reference in the
 * apps namespace. Names follow the clients' conventions (OpenAI base URL with /v1, Milvus URI and token).
 */
export function agentApiSettings(w: AgentApiWiring): { env: Record<string, pulumi.Input<string>>; secretEnv: SecretEnv[] } {
  if (w.llm.models.length === 0) throw new Error("agentApiSettings: llm.models is empty; allowed: the model layer's served model names (at least one)");
  const env: Record<string, pulumi.Input<string>> = {
    // Model -> Agent: the model API (OpenAI-compatible) and its served models; the first is the default.
    LLM_BASE_URL: w.llm.baseUrl,
    LLM_MODEL: w.llm.models[0],
    LLM_MODELS: w.llm.models.join(","),
    // Data -> Agent: text-to-SQL metadata from the data API, RAG search in Milvus, the datasets bucket.
    DATA_API_URL: w.dataApiUrl,
    MILVUS_URI: w.milvus.uri,
    REDIS_HOST: w.redis.host,
    REDIS_PORT: String(w.redis.port),
    ...(w.redis.sentinel ? { REDIS_SENTINEL_HOST: w.redis.sentinel.host, REDIS_SENTINEL_PORT: String(w.redis.sentinel.port), REDIS_SENTINEL_MASTER: w.redis.sentinel.masterSet } : {}),
    S3_ENDPOINT: w.objectStore.endpoint,
    S3_REGION: w.objectStore.region,
    S3_PATH_STYLE: String(w.objectStore.pathStyle),
    S3_BUCKET_DATASETS: w.objectStore.datasetsBucket,
    // OIDC: tokens from the platform realm; the JWKS is the realm's, the audience this API's client.
    OIDC_ISSUER_URL: w.oidc.issuerUrl,
    // Keys and token calls inside the cluster (never through the public name); `iss` is the public issuer.
    OIDC_JWKS_URL: `${w.oidc.internalIssuerUrl}/protocol/openid-connect/certs`,
    OIDC_TOKEN_URL: `${w.oidc.internalIssuerUrl}/protocol/openid-connect/token`,
    ...(w.oidc.secretName ? {} : { OIDC_CLIENT_ID: w.oidc.clientId }),
    PUBLIC_URL: w.publicUrl,
    CORS_ALLOWED_ORIGINS: w.webOrigin,
  };
  const secretEnv: SecretEnv[] = [
    { name: "LLM_API_KEY", secretName: w.llm.apiKey.secretName, key: w.llm.apiKey.key },
    ...dbEnv("DB", w.database),
    ...dbEnv("TEXT2SQL_DB", w.text2sql),
    { name: "MILVUS_USER", secretName: w.milvus.secretName, key: MILVUS_USER_SECRET_KEYS.username },
    { name: "MILVUS_PASSWORD", secretName: w.milvus.secretName, key: MILVUS_USER_SECRET_KEYS.password },
    { name: "MILVUS_TOKEN", secretName: w.milvus.secretName, key: MILVUS_USER_SECRET_KEYS.token },
    { name: "REDIS_PASSWORD", secretName: w.redis.passwordSecret, key: "password" },
    // On MinIO a key pair; on S3 the IAM role of the service account (IRSA), no key at all.
    ...(w.objectStore.credentialsSecret
      ? [
          { name: ACCESS_KEY_ID_KEY, secretName: w.objectStore.credentialsSecret, key: ACCESS_KEY_ID_KEY },
          { name: SECRET_ACCESS_KEY_KEY, secretName: w.objectStore.credentialsSecret, key: SECRET_ACCESS_KEY_KEY },
        ]
      : []),
    ...(w.oidc.secretName
      ? [
          { name: "OIDC_CLIENT_ID", secretName: w.oidc.secretName, key: CLIENT_SECRET_KEYS.id },
          { name: "OIDC_CLIENT_SECRET", secretName: w.oidc.secretName, key: CLIENT_SECRET_KEYS.secret },
        ]
      : []),
  ];
  return { env, secretEnv };
}

/** The web front end's settings (pure): all public, read by the browser app at start. */
export function webSettings(w: { issuerUrl: string; clientId: string; agentApiUrl: string; publicUrl: string }): Record<string, string> {
  return { OIDC_ISSUER_URL: w.issuerUrl, OIDC_CLIENT_ID: w.clientId, AGENT_API_URL: w.agentApiUrl, PUBLIC_URL: w.publicUrl };
}

export function appsLayer(platform: PlatformConfig, cfg: AppsConfig, below: { infra: InfraHandle; data: DataHandle; model: ModelHandle; identity: IdentityHandle }): AppsHandle {
  const { infra, data, model, identity } = below;
  const base = baseName(platform);
  const c = infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  const monitors = c.prometheusCrds ? [c.prometheusCrds] : [];
  const agentPublicUrl = `https://${platform.hosts.agentApi}`;
  const webPublicUrl = `https://${platform.hosts.web}`;

  // RAG in Milvus as a user of its own: created by a Job next to Milvus' root Secret, its password in the apps namespace.
  const milvusUser = new MilvusUser(`${base}-agent-api`, {
    milvusNamespace: ns.data,
    endpoint: data.milvus.endpoint,
    rootSecret: data.milvus.authSecret,
    clientNamespace: ns.apps,
    user: AGENT_MILVUS_USER,
    grants: RAG_GRANTS,
  }, k8sOpts);

  const a = APPS.agentApi;
  const access = (what: string, map: Record<string, unknown>, key: string) => {
    if (!(key in map)) throw new Error(`apps layer: the data layer declared no ${what} "${key}" (declared: ${Object.keys(map).join(", ")})`);
  };
  access("database consumer", data.mysql.access, a.database);
  access("database consumer", data.mysql.access, a.readOnlyDatabase);
  access("object-store consumer", data.objectStore.access, a.objectStore);
  access("Redis password Secret for namespace key", data.redis.passwordSecret, a.redisNamespaceKey);
  const objects = data.objectStore.access[a.objectStore];
  const oidcClient = identity.clients["agent-api"];
  const settings = agentApiSettings({
    llm: { baseUrl: model.api.url, models: model.servedModels, apiKey: model.api.appsApiKey },
    dataApiUrl: data.dataApi.url,
    milvus: { uri: data.milvus.endpoint, secretName: milvusUser.secretName },
    database: data.mysql.access[a.database].secretName,
    text2sql: data.mysql.access[a.readOnlyDatabase].secretName,
    redis: { host: data.redis.host, port: data.redis.port, passwordSecret: data.redis.passwordSecret[a.redisNamespaceKey], sentinel: data.redis.sentinel },
    objectStore: { endpoint: data.objectStore.endpoint, region: data.objectStore.region, pathStyle: data.objectStore.pathStyle, datasetsBucket: data.objectStore.buckets.datasets, credentialsSecret: objects.credentialsSecret },
    oidc: { issuerUrl: identity.issuerUrl, internalIssuerUrl: identity.internalIssuerUrl, clientId: oidcClient.clientId, secretName: oidcClient.secretName },
    publicUrl: agentPublicUrl,
    webOrigin: webPublicUrl,
  });

  const agentApi = new AppService(`${base}-agent-api`, {
    namespace: ns.apps,
    app: a.app,
    component: a.component,
    image: cfg.agentApi.image,
    port: cfg.agentApi.port,
    healthPath: cfg.agentApi.healthPath,
    replicas: cfg.agentApi.replicas,
    resources: cfg.agentApi.resources,
    env: settings.env,
    secretEnv: settings.secretEnv,
    // The object-store service account: IRSA binds the datasets-read role to it on S3.
    serviceAccountName: objects.serviceAccount,
    serviceAccountAnnotations: objects.roleArn ? { "eks.amazonaws.com/role-arn": objects.roleArn } : undefined,
    // No pod calls it: the browser reaches it through the gateway, whose NetworkPolicy the edge layer adds.
    callers: [],
    monitoringNamespace: ns.observability,
    dependsOn: [...milvusUser.ready, ...data.objectStore.ready],
  }, { ...k8sOpts, dependsOn: monitors });

  const w = APPS.web;
  const web = new AppService(`${base}-web`, {
    namespace: ns.apps,
    app: w.app,
    component: w.component,
    image: cfg.web.image,
    port: cfg.web.port,
    healthPath: cfg.web.healthPath,
    replicas: cfg.web.replicas,
    resources: cfg.web.resources,
    env: webSettings({ issuerUrl: identity.issuerUrl, clientId: identity.clients[WEB_CLIENT].clientId, agentApiUrl: agentPublicUrl, publicUrl: webPublicUrl }),
    // Only the gateway calls it (added by the edge layer).
    callers: [],
    monitoringNamespace: ns.observability,
  }, { ...k8sOpts, dependsOn: monitors });

  const exposed = (host: "agentApi" | "web", s: AppService): ExposedService => ({ host, namespace: ns.apps, service: s.serviceName, port: s.port, pods: s.podSelector, targetPort: s.port });
  return {
    agentApi: { url: agentApi.url, publicUrl: agentPublicUrl },
    web: { url: web.url, publicUrl: webPublicUrl },
    exposed: [exposed("agentApi", agentApi), exposed("web", web)],
  };
}
