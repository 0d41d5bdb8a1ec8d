// The applications layer and the three integration points as each stack's plan has them, checked against
// that stack's own config and outputs: the agent API's environment names every integration endpoint, every
// credential is a reference to a Secret that the plan declares in the apps namespace with that key, no env
// literal holds a secret, the model layer reads the buckets the data layer registers, Milvus is reached as a
// user of the agent's own, and the gate's endpoints. Called from each stack's test file with its plan.
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { REPO_ROOT } from "../../lib/repo";
import type { FullPlanResult } from "../../plan/run";
import type { RecordedResource } from "../../plan/types";
import { envNameLooksSecret } from "../../components/apps/appService";
import { MILVUS_SETUP_IMAGE } from "../../components/apps/milvusUser";
import { get, ofType } from "../harness";

type Obj = Record<string, unknown>;
type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; env?: Env[]; envFrom?: { secretRef?: { name: string } }[] };

const podSpec = (r: RecordedResource) => get(r, "spec.template.spec") as { serviceAccountName?: string; containers: Container[]; initContainers?: Container[] };
const containers = (r: RecordedResource) => [...(podSpec(r).initContainers ?? []), ...podSpec(r).containers];
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));

export function describeAppsLayer(stack: string, plan: () => FullPlanResult): void {
  const sc = readStackConfig(REPO_ROOT, stack);
  const cfg = validateStackConfig(sc);
  const prefix = cfg.namePrefix;
  const ns = { apps: `${prefix}-apps`, data: `${prefix}-data`, model: `${prefix}-model`, observability: `${prefix}-observability` };
  const s3 = cfg.data.objectStore.kind === "s3";

  describe(`the applications layer of ${stack} (${cfg.data.objectStore.kind}, ${cfg.model.engine})`, () => {
    const objects = (kind: string, namespace: string) => plan().resources.filter((r) => r.type === `kubernetes:${kind}` && get(r, "metadata.namespace") === namespace);
    const named = (kind: string, namespace: string, name: string) => objects(kind, namespace).find((r) => get(r, "metadata.name") === name);
    const deployment = (app: string) => named("apps/v1:Deployment", ns.apps, app)!;
    const agent = () => containers(deployment("agent-api"))[0];
    const outputs = () => plan().outputs as { dataServices: Obj; modelServices: Obj; endpoints: Obj };
    const at = (v: unknown, dotted: string) => dotted.split(".").reduce<unknown>((c, k) => (c !== null && typeof c === "object" ? (c as Obj)[k] : undefined), v);

    it("runs the agent API and the web front end from the stack's images, ports and health paths, with its replica range", () => {
      for (const [app, a] of [["agent-api", cfg.apps.agentApi], ["web", cfg.apps.web]] as const) {
        const d = deployment(app);
        const c = containers(d)[0] as Container & Obj;
        expect([c.image, at(c, "ports.0.containerPort"), at(c, "readinessProbe.httpGet.path"), at(c, "livenessProbe.httpGet.path")]).toEqual([a.image, a.port, a.healthPath, a.healthPath]);
        const hpa = named("autoscaling/v2:HorizontalPodAutoscaler", ns.apps, app)!;
        expect([get(hpa, "spec.minReplicas"), get(hpa, "spec.maxReplicas")]).toEqual([a.replicas.min, a.replicas.max]);
        // A disruption budget exactly where more than one replica runs.
        expect(named("policy/v1:PodDisruptionBudget", ns.apps, app) !== undefined).toBe(a.replicas.min > 1);
      }
    });

    it("gives the agent API every integration endpoint: model API and models, data API, Milvus, Redis, the datasets bucket, the issuer, its public URL and the web origin", () => {
      const env = envOf(agent());
      const value = (n: string) => env[n]?.value;
      const o = outputs();
      expect(value("LLM_BASE_URL")).toBe(at(o.modelServices, "api.url"));
      expect(value("LLM_BASE_URL")).toMatch(new RegExp(`^http://[a-z0-9-]+\\.${ns.model}\\.svc\\.cluster\\.local:8000/v1$`));
      expect(value("LLM_MODEL")).toBe(cfg.model.models[0].servedModelName);
      expect(value("LLM_MODELS")).toBe(cfg.model.models.map((m) => m.servedModelName).join(","));
      expect(value("DATA_API_URL")).toBe(at(o.endpoints, "dataApi.baseUrl"));
      expect(value("MILVUS_URI")).toBe(at(o.dataServices, "milvus.endpoint"));
      expect(value("REDIS_HOST")).toBe(at(o.dataServices, "redis.host"));
      expect(value("REDIS_PORT")).toBe(String(at(o.dataServices, "redis.port")));
      const sentinel = at(o.dataServices, "redis.sentinel") as Obj | undefined;
      expect(value("REDIS_SENTINEL_HOST")).toBe(sentinel?.host);
      expect(value("S3_ENDPOINT")).toBe(at(o.dataServices, "objectStore.endpoint"));
      expect(value("S3_BUCKET_DATASETS")).toBe(at(o.dataServices, "objectStore.buckets.datasets"));
      expect(value("OIDC_ISSUER_URL")).toBe(`https://auth.${cfg.domain}/realms/ods`);
      // Keys come from Keycloak's own Service (the one the plan declares), never through the public name.
      const kc = plan().resources.find((r) => r.type === "kubernetes:core/v1:Service" && get(r, "metadata.namespace") === `${cfg.namePrefix}-identity` && !String(get(r, "metadata.name")).endsWith("-admin"))!;
      expect(value("OIDC_JWKS_URL")).toBe(`http://${String(get(kc, "metadata.name"))}.${cfg.namePrefix}-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/certs`);
      expect(value("PUBLIC_URL")).toBe(`https://agent.${cfg.domain}`);
      expect(value("CORS_ALLOWED_ORIGINS")).toBe(`https://app.${cfg.domain}`);
    });

    it("reads every credential from a Secret the plan declares in the apps namespace, all of it secret", () => {
      const refs = (agent().env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef!] as const);
      const expected = ["LLM_API_KEY", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "TEXT2SQL_DB_HOST", "TEXT2SQL_DB_PORT", "TEXT2SQL_DB_NAME", "TEXT2SQL_DB_USER", "TEXT2SQL_DB_PASSWORD", "MILVUS_USER", "MILVUS_PASSWORD", "MILVUS_TOKEN", "REDIS_PASSWORD", ...(s3 ? [] : ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]), "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"];
      expect(refs.map(([n]) => n)).toEqual(expected);
      for (const [n, ref] of refs) {
        const secret = named("core/v1:Secret", ns.apps, ref.name);
        expect({ n, secret: secret !== undefined }).toEqual({ n, secret: true });
        // Its whole data is a Pulumi secret (the keys are checked on each component's own test).
        expect(get(secret!, "stringData")).toBe("[secret]");
      }
      const refOf = (n: string) => refs.find(([x]) => x === n)![1].name;
      // The model API key: a copy of the model namespace's Secret, the same name in the apps namespace.
      expect(named("core/v1:Secret", ns.model, refOf("LLM_API_KEY"))).toBeDefined();
      expect(refOf("LLM_API_KEY")).toBe(at(outputs().modelServices, "api.apiKeySecret"));
      // The agent API's own database and the read-only text-to-SQL user, as the data layer exports them.
      expect([refOf("DB_PASSWORD"), refOf("TEXT2SQL_DB_PASSWORD")]).toEqual([at(outputs().dataServices, "mysql.credentials.agent-api"), at(outputs().dataServices, "mysql.credentials.text2sql")]);
      expect(refOf("REDIS_PASSWORD")).toBe(at(outputs().dataServices, "redis.passwordSecret.apps"));
    });

    it("holds no secret in an env literal: every secret-looking name is a Secret reference, no value is a secret", () => {
      for (const app of ["agent-api", "web"]) {
        for (const e of containers(deployment(app)).flatMap((c) => c.env ?? [])) {
          if (e.value === undefined) continue;
          expect({ name: e.name, looksSecret: envNameLooksSecret(e.name) }).toEqual({ name: e.name, looksSecret: false });
          expect(e.value).not.toBe("[secret]");
        }
      }
    });

    it(s3 ? "reads the datasets bucket through IRSA: the service account carries the agent's IAM role, no keys" : "reads the datasets bucket with the agent's own MinIO key pair", () => {
      const pod = podSpec(deployment("agent-api"));
      expect(pod.serviceAccountName).toBe("agent-api");
      const sa = named("core/v1:ServiceAccount", ns.apps, "agent-api")!;
      const arn = (get(sa, "metadata.annotations") as Obj | undefined)?.["eks.amazonaws.com/role-arn"];
      if (s3) {
        expect(arn).toEqual(expect.any(String));
        expect(Object.keys(envOf(agent()))).not.toContain("AWS_ACCESS_KEY_ID");
      } else {
        expect(arn).toBeUndefined();
      }
    });

    it("reaches Milvus as a user of its own: a setup Job beside Milvus' root Secret creates it, the apps namespace gets only its password", () => {
      const jobs = objects("batch/v1:Job", ns.data).filter((j) => String(get(j, "metadata.name")).includes("agent-api-milvus-setup"));
      expect(jobs).toHaveLength(1);
      const c = containers(jobs[0])[0];
      expect(c.image).toBe(MILVUS_SETUP_IMAGE);
      const env = envOf(c);
      expect(env.MILVUS_URI.value).toBe(at(outputs().dataServices, "milvus.endpoint"));
      expect(env.MILVUS_USER.value).toBe("agent_api");
      const root = env.MILVUS_ROOT_PASSWORD.valueFrom!.secretKeyRef!;
      // The root password is read from the Milvus component's own Secret, in the data namespace only.
      const milvus = ofType(plan().resources, "ods:data:Milvus")[0];
      const milvusAuth = named("core/v1:Secret", ns.data, root.name)!;
      expect(milvusAuth.parent).toBe(milvus.name);
      expect(objects("core/v1:Secret", ns.apps).filter((s) => s.parent === milvus.name)).toEqual([]);
      const own = env.MILVUS_USER_PASSWORD.valueFrom!.secretKeyRef!;
      expect(named("core/v1:Secret", ns.data, own.name)).toBeDefined();
      // The agent's Milvus Secret in the apps namespace has the same name as the setup Job's copy.
      expect(envOf(agent()).MILVUS_PASSWORD.valueFrom!.secretKeyRef!.name).toBe(own.name);
      expect(named("core/v1:Secret", ns.apps, own.name)).toBeDefined();
    });

    it(cfg.model.engine === "simulator" ? "Data -> Model: the simulator serves no weights, so no model pod reads the models bucket" : "Data -> Model: every weight reader and the fetch Job use the models bucket the data API registers, with the model layer's own access", () => {
      const dataApiEnv = envOf(containers(named("apps/v1:Deployment", ns.data, "data-api")!)[0]);
      const models = at(outputs().dataServices, "objectStore.buckets.models");
      expect(dataApiEnv.S3_BUCKET_MODELS.value).toBe(models);
      const readers = plan().resources.filter((r) => ["kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job"].includes(r.type) && get(r, "metadata.namespace") === ns.model)
        .filter((r) => containers(r).some((c) => envOf(c).WEIGHTS_BUCKET));
      if (cfg.model.engine === "simulator") {
        expect(readers).toEqual([]);
        return;
      }
      // One serving Deployment per model, and a fetch Job per model.
      expect(readers.filter((r) => r.type === "kubernetes:batch/v1:Job")).toHaveLength(cfg.model.models.length);
      expect(readers.filter((r) => r.type === "kubernetes:apps/v1:Deployment")).toHaveLength(cfg.model.models.length);
      for (const r of readers) {
        const pod = podSpec(r);
        for (const c of containers(r).filter((x) => envOf(x).WEIGHTS_BUCKET)) {
          expect(envOf(c).WEIGHTS_BUCKET.value).toBe(models);
          expect(envOf(c).AWS_ENDPOINT_URL_S3.value).toBe(at(outputs().dataServices, "objectStore.endpoint"));
          if (!s3) {
            const secret = c.envFrom?.[0]?.secretRef?.name;
            expect(named("core/v1:Secret", ns.model, secret!)).toBeDefined();
          }
        }
        const sa = named("core/v1:ServiceAccount", ns.model, pod.serviceAccountName!)!;
        expect(["model-cache", "model-fetch"]).toContain(pod.serviceAccountName);
        const arn = (get(sa, "metadata.annotations") as Obj | undefined)?.["eks.amazonaws.com/role-arn"];
        expect(arn === undefined).toBe(!s3);
      }
    });

    it("admits no pod-to-pod caller to either app, only Prometheus from the observability namespace on the app port (the gateway's policy comes from the edge layer)", () => {
      for (const [app, a] of [["agent-api", cfg.apps.agentApi], ["web", cfg.apps.web]] as const) {
        const np = named("networking.k8s.io/v1:NetworkPolicy", ns.apps, app)!;
        expect(get(np, "spec.ingress")).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns.observability } } }], ports: [{ protocol: "TCP", port: a.port }] }]);
      }
    });

    it("gives the web front end the issuer, the public client and the agent API's public URL, nothing secret", () => {
      const c = containers(deployment("web"))[0];
      expect(c.env).toEqual([
        { name: "OIDC_ISSUER_URL", value: `https://auth.${cfg.domain}/realms/ods` },
        { name: "OIDC_CLIENT_ID", value: "web" },
        { name: "AGENT_API_URL", value: `https://agent.${cfg.domain}` },
        { name: "PUBLIC_URL", value: `https://app.${cfg.domain}` },
      ]);
      expect(c.envFrom).toBeUndefined();
    });

    it("exports the agent API, the web front end and the realm's token endpoint for the gate", () => {
      const e = outputs().endpoints;
      expect(at(e, "agentApi.baseUrl")).toBe(`http://agent-api.${ns.apps}.svc.cluster.local:${cfg.apps.agentApi.port}`);
      expect(at(e, "web.baseUrl")).toBe(`http://web.${ns.apps}.svc.cluster.local:${cfg.apps.web.port}`);
      expect(at(e, "keycloak")).toEqual({ tokenUrl: `https://auth.${cfg.domain}/realms/ods/protocol/openid-connect/token`, clientId: "agent-api" });
      expect(ofType(plan().resources, "ods:apps:AppService").map((r) => r.name).sort()).toEqual([`${prefix}-${cfg.environment}-agent-api`, `${prefix}-${cfg.environment}-data-api`, `${prefix}-${cfg.environment}-web`]);
    });
  });
}
