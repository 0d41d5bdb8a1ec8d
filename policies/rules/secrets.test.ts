import { check } from "../test/harness";
import { container, DEPLOYMENT, deployment, UNKNOWN } from "../test/fixtures";
import { looksSecret, words } from "./lib/secrets";
import { DEFAULT_SECRET_KEY_CONFIG } from "./lib/secrets";
import { noPlaintextSecrets } from "./secrets";

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const CHART = "kubernetes:helm.sh/v4:Chart";
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("secret-looking keys", () => {
  it("splits keys into words and matches whole words only", () => {
    expect(words("existingSecretPasswordKey")).toEqual(["existing", "secret", "password", "key"]);
    expect(words("HF_TOKEN")).toEqual(["hf", "token"]);
    const yes = ["password", "HF_TOKEN", "accessKey", "secretAccessKey", "KC_BOOTSTRAP_ADMIN_PASSWORD", "clientSecret", "apiKey"];
    const no = ["tokenizer", "maxTokens", "passwordPolicy", "tokenTTL", "secretMountPath", "username", "keyspace"];
    expect(yes.filter((k) => !looksSecret(k, DEFAULT_SECRET_KEY_CONFIG))).toEqual([]);
    expect(no.filter((k) => looksSecret(k, DEFAULT_SECRET_KEY_CONFIG))).toEqual([]);
  });
});

describe("no-plaintext-secrets: ConfigMaps", () => {
  const cm = (data: Record<string, unknown>) => ({ metadata: { name: "cfg", namespace: "ods-apps" }, data });
  it("accepts ordinary settings", async () => {
    expect(await check(noPlaintextSecrets, CONFIGMAP, cm({ LOG_LEVEL: "info", "app.yaml": "port: 8080\nuser: app\n" }))).toEqual([]);
  });
  it("reports secret keys and secret lines in embedded files, even a Pulumi secret", async () => {
    const res = await check(noPlaintextSecrets, CONFIGMAP, cm({ DB_PASSWORD: "[secret]", "milvus.yaml": "minio:\n  accessKeyID: AKIA123\n  secretAccessKey: abc\n" }));
    expect(res).toEqual(["data.DB_PASSWORD holds a secret-looking value.", "data.milvus.yaml contains a literal accessKeyID.", "data.milvus.yaml contains a literal secretAccessKey."]);
  });
  it("skips unknown and empty values", async () => {
    expect(await check(noPlaintextSecrets, CONFIGMAP, cm({ DB_PASSWORD: UNKNOWN, API_TOKEN: "" }))).toEqual([]);
  });
});

describe("no-plaintext-secrets: env", () => {
  it("accepts secretKeyRef", async () => {
    const env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "LOG_LEVEL", value: "info" }];
    expect(await check(noPlaintextSecrets, DEPLOYMENT, deployment({ containers: [container({ env })] }))).toEqual([]);
  });
  it("reports a literal env value, including a redacted Pulumi secret", async () => {
    const env = [{ name: "HF_TOKEN", value: "hf_abc" }, { name: "PASSWORD", value: "[secret]" }];
    expect(await check(noPlaintextSecrets, DEPLOYMENT, deployment({ initContainers: [container({ name: "init", env })] }))).toEqual([
      "initContainer init env HF_TOKEN is a literal value.",
      "initContainer init env PASSWORD is a literal value.",
    ]);
  });
  it("does not report an unknown env value", async () => {
    expect(await check(noPlaintextSecrets, DEPLOYMENT, deployment({ containers: [container({ env: [{ name: "PASSWORD", value: UNKNOWN }] })] }))).toEqual([]);
  });
});

describe("no-plaintext-secrets: Helm values", () => {
  const chart = (values: unknown) => ({ chart: "keycloakx", version: "7.1.11", namespace: "ods-identity", values });
  it("accepts Secret references and Pulumi secrets", async () => {
    const values = {
      database: { vendor: "mysql", existingSecret: "keycloak-db", existingSecretPasswordKey: "password", password: "[secret]" },
      grafana: { admin: { existingSecret: "grafana-admin", passwordKey: "admin-password" } },
      auth: { passwordSecret: "mysql-auth", tokenTTL: "5m" },
    };
    expect(await check(noPlaintextSecrets, CHART, chart(values))).toEqual([]);
  });
  it("reports literals under secret-looking keys and env-style entries, also in YAML strings", async () => {
    const values = {
      externalS3: { accessKey: "minio", secretKey: "minio123" },
      extraEnv: "- name: KC_BOOTSTRAP_ADMIN_PASSWORD\n  value: admin\n",
      env: [{ name: "HF_TOKEN", value: "[secret]" }],
    };
    expect(await check(noPlaintextSecrets, RELEASE, chart(values))).toEqual([
      "externalS3.accessKey is a plain-text literal.",
      "externalS3.secretKey is a plain-text literal.",
      "extraEnv[0] sets env KC_BOOTSTRAP_ADMIN_PASSWORD to a literal value.",
      "env[0] sets env HF_TOKEN to a literal value.",
    ]);
  });
  it("does not report unknown values", async () => {
    expect(await check(noPlaintextSecrets, CHART, chart({ externalS3: { secretKey: UNKNOWN }, adminPassword: UNKNOWN }))).toEqual([]);
  });
});
