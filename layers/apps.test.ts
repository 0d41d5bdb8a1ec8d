// The agent API's and the web's settings (pure): every integration endpoint as a plain value, every
// credential as a Secret reference, the variants (S3 or MinIO, Sentinel, a confidential OIDC client).
import { envNameLooksSecret } from "../components/apps/appService";
import { AgentApiWiring, agentApiSettings, webSettings } from "./apps";

const WIRING: AgentApiWiring = {
  llm: { baseUrl: "http://router.ods-model.svc.cluster.local:8000/v1", models: ["m1", "m2"], apiKey: { secretName: "model-key", key: "api-key" } },
  dataApiUrl: "http://data-api.ods-data.svc.cluster.local:8080",
  milvus: { uri: "http://milvus.ods-data.svc.cluster.local:19530", secretName: "agent-milvus" },
  database: "agent-db",
  text2sql: "text2sql-db",
  redis: { host: "redis.ods-data.svc.cluster.local", port: 6379, passwordSecret: "redis-auth" },
  objectStore: { endpoint: "https://s3.us-east-1.amazonaws.com", region: "us-east-1", pathStyle: false, datasetsBucket: "ods-prod-datasets" },
  oidc: { issuerUrl: "https://auth.example.com/realms/ods", internalIssuerUrl: "http://kc.ods-identity.svc.cluster.local:8080/realms/ods", clientId: "agent-api" },
  publicUrl: "https://agent.example.com",
  webOrigin: "https://app.example.com",
};

test("plain endpoints, Secret references for every credential; on S3 no key pair; a public OIDC client id when no Secret", () => {
  const { env, secretEnv } = agentApiSettings(WIRING);
  expect(env).toMatchObject({ LLM_BASE_URL: WIRING.llm.baseUrl, LLM_MODEL: "m1", LLM_MODELS: "m1,m2", DATA_API_URL: WIRING.dataApiUrl, MILVUS_URI: WIRING.milvus.uri, REDIS_PORT: "6379", S3_PATH_STYLE: "false", S3_BUCKET_DATASETS: "ods-prod-datasets", OIDC_CLIENT_ID: "agent-api", CORS_ALLOWED_ORIGINS: "https://app.example.com" });
  expect(Object.keys(env).filter(envNameLooksSecret)).toEqual([]);
  // Tokens carry the public issuer; keys and token calls go to Keycloak inside the cluster.
  expect([env.OIDC_ISSUER_URL, env.OIDC_JWKS_URL, env.OIDC_TOKEN_URL]).toEqual([
    "https://auth.example.com/realms/ods",
    "http://kc.ods-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/certs",
    "http://kc.ods-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/token",
  ]);
  expect(env.REDIS_SENTINEL_HOST).toBeUndefined();
  expect(secretEnv.map((e) => `${e.name}=${e.secretName}/${e.key}`)).toEqual([
    "LLM_API_KEY=model-key/api-key",
    "DB_HOST=agent-db/host", "DB_PORT=agent-db/port", "DB_NAME=agent-db/database", "DB_USER=agent-db/username", "DB_PASSWORD=agent-db/password",
    "TEXT2SQL_DB_HOST=text2sql-db/host", "TEXT2SQL_DB_PORT=text2sql-db/port", "TEXT2SQL_DB_NAME=text2sql-db/database", "TEXT2SQL_DB_USER=text2sql-db/username", "TEXT2SQL_DB_PASSWORD=text2sql-db/password",
    "MILVUS_USER=agent-milvus/username", "MILVUS_PASSWORD=agent-milvus/password", "MILVUS_TOKEN=agent-milvus/token",
    "REDIS_PASSWORD=redis-auth/password",
  ]);
});

test("MinIO keys, Sentinel and a confidential OIDC client are wired when present", () => {
  const { env, secretEnv } = agentApiSettings({
    ...WIRING,
    redis: { ...WIRING.redis, sentinel: { host: "sentinel.ods-data.svc.cluster.local", port: 26379, masterSet: "mymaster" } },
    objectStore: { ...WIRING.objectStore, credentialsSecret: "agent-objects" },
    oidc: { ...WIRING.oidc, secretName: "agent-oidc" },
  });
  expect([env.REDIS_SENTINEL_HOST, env.REDIS_SENTINEL_PORT, env.REDIS_SENTINEL_MASTER]).toEqual(["sentinel.ods-data.svc.cluster.local", "26379", "mymaster"]);
  // The client id comes with its secret, from the same Secret: no literal beside it.
  expect(env.OIDC_CLIENT_ID).toBeUndefined();
  expect(secretEnv.slice(-4).map((e) => `${e.name}=${e.secretName}/${e.key}`)).toEqual(["AWS_ACCESS_KEY_ID=agent-objects/AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY=agent-objects/AWS_SECRET_ACCESS_KEY", "OIDC_CLIENT_ID=agent-oidc/client-id", "OIDC_CLIENT_SECRET=agent-oidc/client-secret"]);
});

test("no served model is refused", () => {
  expect(() => agentApiSettings({ ...WIRING, llm: { ...WIRING.llm, models: [] } })).toThrow("llm.models is empty");
});

test("the web gets the issuer, the public client, the agent API's public URL and its own", () => {
  expect(webSettings({ issuerUrl: "https://auth.x/realms/ods", clientId: "web", agentApiUrl: "https://agent.x", publicUrl: "https://app.x" })).toEqual({ OIDC_ISSUER_URL: "https://auth.x/realms/ods", OIDC_CLIENT_ID: "web", AGENT_API_URL: "https://agent.x", PUBLIC_URL: "https://app.x" });
});
