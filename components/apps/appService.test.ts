import { manifestFiles, validateObjects } from "../../plan/manifests";
import { RecordedResource } from "../../plan/types";
import { allStrings, get, ofType, one, record } from "../../test/harness";
import { AppService, AppServiceArgs, appServicePlan, appServiceProblems, envNameLooksSecret, HPA_OWNED_FIELDS, SCALE_DOWN_WINDOW_SECONDS } from "./appService";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const SA = "kubernetes:core/v1:ServiceAccount";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";

const BASE: AppServiceArgs = {
  namespace: "ods-data",
  app: "data-api",
  component: "api",
  image: "ghcr.io/one-data-studio/data-api:1.0.0",
  port: 8080,
  healthPath: "/api/v1/health",
  replicas: { min: 1, max: 2 },
  resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
  env: { S3_ENDPOINT: "http://minio.ods-data.svc.cluster.local:9000", S3_BUCKET_DATASETS: "ods-local-datasets" },
  secretEnv: [
    { name: "DB_USER", secretName: "data-api-db", key: "username" },
    { name: "DB_PASSWORD", secretName: "data-api-db", key: "password" },
  ],
  callers: [{ namespace: "ods-apps" }, { namespace: "ods-model", podLabels: { "app.kubernetes.io/name": "model-cache" } }],
  monitoringNamespace: "ods-observability",
};
const HA: AppServiceArgs = { ...BASE, replicas: { min: 3, max: 10 } };

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const container = (d: RecordedResource): Obj => (get(d, "spec.template.spec.containers") as Obj[])[0];

describe("appServicePlan (pure)", () => {
  test("names, labels and the selector derive from app and the component name", () => {
    const p = appServicePlan("ods-local-data-api", BASE);
    expect(p.objectName).toBe("data-api");
    expect(p.serviceAccountName).toBe("data-api");
    expect(p.selector).toEqual({ "app.kubernetes.io/name": "data-api", "app.kubernetes.io/instance": "ods-local-data-api" });
    expect(p.labels).toMatchObject({ ...p.selector, "app.kubernetes.io/component": "api", "app.kubernetes.io/part-of": "one-data-studio" });
    expect(appServicePlan("x", { ...BASE, serviceAccountName: "custom-sa" }).serviceAccountName).toBe("custom-sa");
  });

  test("defaults: /metrics, 70 % CPU, UID 10001", () => {
    const p = appServicePlan("x", BASE);
    expect(p.metricsPath).toBe("/metrics");
    expect(p.hpa.metrics[0].resource.target).toEqual({ type: "Utilization", averageUtilization: 70 });
    expect(p.deployment.template.spec.securityContext.runAsUser).toBe(10001);
  });

  test("no CPU limit unless one is given (throttling); the memory limit always", () => {
    expect(appServicePlan("x", BASE).deployment.template.spec.containers[0].resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } });
    const withCpu = appServicePlan("x", { ...BASE, resources: { ...BASE.resources, limits: { memory: "512Mi", cpu: "1" } } });
    expect(withCpu.deployment.template.spec.containers[0].resources.limits).toEqual({ memory: "512Mi", cpu: "1" });
  });

  test("the HPA owns spec.replicas after creation", () => {
    expect(HPA_OWNED_FIELDS).toEqual(["spec.replicas"]);
  });

  test.each([
    ["DB_PASSWORD", true],
    ["API_TOKEN", true],
    ["JWT_SECRET", true],
    ["SIGNING_KEY", true],
    ["AWS_ACCESS_KEY_ID", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["HF_TOKEN", true],
    ["S3_ENDPOINT", false],
    ["TOKEN_URL", false],
    ["KEYCLOAK_CLIENT_ID", false],
    ["S3_KEY_PREFIX", false],
    ["SECRET_NAME", false],
    ["TOKENIZER", false],
    ["S3_BUCKET_DATASETS", false],
  ])("env name %s looks secret: %s", (name, expected) => {
    expect(envNameLooksSecret(name)).toBe(expected);
  });

  test("valid args have no problems", () => {
    expect(appServiceProblems(BASE)).toEqual([]);
    expect(appServiceProblems(HA)).toEqual([]);
    expect(appServiceProblems({ ...BASE, image: `ghcr.io/org/app@sha256:${"a".repeat(64)}` })).toEqual([]);
  });

  const bad: [string, Partial<AppServiceArgs>, RegExp][] = [
    ["app not a DNS label", { app: "Data_API" }, /app "Data_API" is not a DNS label/],
    ["app too long", { app: "a".repeat(64) }, /app "a{64}" is not a DNS label/],
    ["component not a label value", { component: "api/v1" }, /component "api\/v1"/],
    ["image untagged", { image: "ghcr.io/one-data-studio/data-api" }, /image "ghcr.io\/one-data-studio\/data-api" is not pinned/],
    ["image latest", { image: "ghcr.io/one-data-studio/data-api:latest" }, /image "ghcr.io\/one-data-studio\/data-api:latest" uses the tag latest/],
    ["port 0", { port: 0 }, /port 0 is not a port; allowed: an integer 1-65535/],
    ["port 65536", { port: 65536 }, /port 65536 is not a port/],
    ["port fractional", { port: 80.5 }, /port 80.5 is not a port/],
    ["healthPath relative", { healthPath: "health" }, /healthPath "health" does not start with '\/'/],
    ["metricsPath relative", { metricsPath: "metrics" }, /metricsPath "metrics" does not start with '\/'/],
    ["replicas.min 0", { replicas: { min: 0, max: 2 } }, /replicas.min 0 is below 1/],
    ["replicas.min > max", { replicas: { min: 4, max: 2 } }, /replicas.min 4 is larger than replicas.max 2/],
    ["cpuTargetPercent 0", { cpuTargetPercent: 0 }, /cpuTargetPercent 0 is out of range/],
    ["cpuTargetPercent 150", { cpuTargetPercent: 150 }, /cpuTargetPercent 150 is out of range/],
    ["runAsUser root", { runAsUser: 0 }, /runAsUser 0 is root/],
    ["memory request above limit", { resources: { requests: { cpu: "100m", memory: "1Gi" }, limits: { memory: "512Mi" } } }, /resources.requests.memory 1Gi is above resources.limits.memory 512Mi/],
    ["cpu not a quantity", { resources: { requests: { cpu: "lots", memory: "256Mi" }, limits: { memory: "512Mi" } } }, /resources.requests.cpu "lots" is not a Kubernetes quantity/],
    ["env name invalid", { env: { "1BAD": "x" } }, /env name "1BAD" is not a valid environment variable name/],
    ["env name with '-'", { env: { "BAD-NAME": "x" } }, /env name "BAD-NAME" is not a valid/],
    ["secret-looking literal", { env: { DB_PASSWORD: "hunter2" } }, /env "DB_PASSWORD" looks like a secret .* allowed: pass it through secretEnv/],
    ["access key id literal", { env: { AWS_ACCESS_KEY_ID: "AKIA0000" } }, /env "AWS_ACCESS_KEY_ID" looks like a secret/],
    ["env name twice", { env: { DB_USER: "app" } }, /secretEnv\[0\] name "DB_USER" is set twice/],
    ["secretEnv name invalid", { secretEnv: [{ name: "db.password", secretName: "s", key: "password" }] }, /secretEnv\[0\] name "db.password" is not a valid/],
    ["secretEnv key invalid", { secretEnv: [{ name: "DB_PASSWORD", secretName: "s", key: "" }] }, /secretEnv\[0\].key "" is not a Secret key/],
    ["serviceAccountName invalid", { serviceAccountName: "Data API" }, /serviceAccountName "Data API" is not a DNS label/],
    ["caller pod label invalid", { callers: [{ namespace: "ods-apps", podLabels: { app: "bad value" } }] }, /callers\[0\].podLabels "app": "bad value"/],
  ];
  test.each(bad)("rejected: %s", (_what, patch, message) => {
    const args = { ...BASE, ...patch };
    expect(appServiceProblems(args).join("; ")).toMatch(message);
    expect(() => appServicePlan("ods-local-data-api", args)).toThrow(/^AppService ods-local-data-api: /);
    // The error names the argument, never the value of a secret-looking variable.
    if (patch.env) expect(() => appServicePlan("x", args)).not.toThrow(/hunter2|AKIA0000/);
  });

  test("all problems are reported at once", () => {
    expect(appServiceProblems({ ...BASE, port: 0, healthPath: "x", replicas: { min: 3, max: 2 } })).toHaveLength(3);
  });
});

describe("AppService (recorded)", () => {
  test("single replica: Deployment, Service, SA, HPA, ServiceMonitor, NetworkPolicy; no PDB and no spread", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", BASE));
    const d = one(rs, DEPLOYMENT);
    expect(get(d, "spec.replicas")).toBe(1);
    expect(get(d, "spec.template.spec.topologySpreadConstraints")).toBeUndefined();
    expect(get(d, "spec.template.spec.affinity")).toBeUndefined();
    // No envFromSecrets given: no empty envFrom list either.
    expect(container(d).envFrom).toBeUndefined();
    expect(ofType(rs, PDB)).toHaveLength(0);
    for (const t of [SERVICE, SA, HPA, NETPOL, CR]) expect(ofType(rs, t)).toHaveLength(1);
    // Every child is parented to the component and named after it.
    for (const r of rs.filter((x) => x.type !== "ods:apps:AppService")) {
      expect(r.parent).toBe("ods-local-data-api");
      expect(r.name.startsWith("ods-local-data-api-")).toBe(true);
    }
    const comp = one(rs, "ods:apps:AppService");
    expect(comp.registeredOutputs).toEqual(expect.arrayContaining(["url", "serviceName"]));
  });

  test("HA: replicas = min, a PDB allowing one disruption, spread over hostname and zone", async () => {
    const rs = await record(() => new AppService("ods-prod-data-api", HA));
    const d = one(rs, DEPLOYMENT);
    expect(get(d, "spec.replicas")).toBe(3);
    const selector = { "app.kubernetes.io/name": "data-api", "app.kubernetes.io/instance": "ods-prod-data-api" };
    const pdb = one(rs, PDB);
    expect(get(pdb, "spec")).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector } });
    expect(get(pdb, "metadata.namespace")).toBe("ods-data");
    const spread = get(d, "spec.template.spec.topologySpreadConstraints") as Obj[];
    expect(spread.map((s) => [s.topologyKey, s.whenUnsatisfiable, s.maxSkew])).toEqual([
      ["kubernetes.io/hostname", "DoNotSchedule", 1],
      ["topology.kubernetes.io/zone", "ScheduleAnyway", 1],
    ]);
    for (const s of spread) expect(s.labelSelector).toEqual({ matchLabels: selector });
    // The PDB and the spread select the pods the Deployment creates.
    expect(get(d, "spec.template.metadata.labels")).toMatchObject(selector);
    expect(get(d, "spec.selector")).toEqual({ matchLabels: selector });
    expect(get(d, "spec.strategy")).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  test("HPA: autoscaling/v2 on CPU, min/max from args, a scale-down stabilisation window", async () => {
    const rs = await record(() => new AppService("ods-prod-data-api", { ...HA, cpuTargetPercent: 60 }));
    const hpa = one(rs, HPA);
    expect(get(hpa, "spec.scaleTargetRef")).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "data-api" });
    expect(get(hpa, "spec.minReplicas")).toBe(3);
    expect(get(hpa, "spec.maxReplicas")).toBe(10);
    expect(get(hpa, "spec.metrics")).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }]);
    expect(get(hpa, "spec.behavior.scaleDown.stabilizationWindowSeconds")).toBe(SCALE_DOWN_WINDOW_SECONDS);
    expect(SCALE_DOWN_WINDOW_SECONDS).toBeGreaterThanOrEqual(60);
  });

  test("probes, ports and paths: all three probes on healthPath via the named port; Service port http", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", BASE));
    const c = container(one(rs, DEPLOYMENT));
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(c[probe].httpGet).toEqual({ path: "/api/v1/health", port: "http", scheme: "HTTP" });
    }
    // The startup probe gives a slow first boot minutes, not seconds.
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(120);
    expect(c.image).toBe("ghcr.io/one-data-studio/data-api:1.0.0");
    const svc = one(rs, SERVICE);
    expect(get(svc, "spec.type")).toBe("ClusterIP");
    expect(get(svc, "spec.ports")).toEqual([{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
    expect(get(svc, "metadata.name")).toBe("data-api");
  });

  test("restricted security context, read-only root with an emptyDir /tmp, no API token", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", BASE));
    const d = one(rs, DEPLOYMENT);
    const c = container(d);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.securityContext.runAsUser).toBeGreaterThan(0);
    expect(get(d, "spec.template.spec.securityContext")).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(get(d, "spec.template.spec.volumes")).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
    expect(get(d, "spec.template.spec.automountServiceAccountToken")).toBe(false);
    expect(get(d, "spec.template.spec.serviceAccountName")).toBe("data-api");
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } });
  });

  test("service account carries the annotations (IRSA) and the Deployment uses it", async () => {
    const rs = await record(() => new AppService("ods-dev-data-api", { ...BASE, serviceAccountName: "data-api", serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/data-api" } }));
    const sa = one(rs, SA);
    expect(get(sa, "metadata.name")).toBe("data-api");
    expect(get(sa, "metadata.annotations")).toEqual({ "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/data-api" });
    expect(get(sa, "automountServiceAccountToken")).toBe(false);
  });

  test("secrets only by reference: secretKeyRef env and envFrom secretRefs, literals only for plain settings", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", { ...BASE, envFromSecrets: ["data-api-s3"] }));
    const c = container(one(rs, DEPLOYMENT));
    expect(c.env).toEqual([
      { name: "S3_ENDPOINT", value: "http://minio.ods-data.svc.cluster.local:9000" },
      { name: "S3_BUCKET_DATASETS", value: "ods-local-datasets" },
      { name: "DB_USER", valueFrom: { secretKeyRef: { name: "data-api-db", key: "username", optional: false } } },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "data-api-db", key: "password", optional: false } } },
    ]);
    expect(c.envFrom).toEqual([{ secretRef: { name: "data-api-s3", optional: false } }]);
    for (const e of c.env as Obj[]) if (envNameLooksSecret(e.name)) expect(e.value).toBeUndefined();
  });

  test("a secret-looking literal is refused before anything is created, by name", async () => {
    await expect(record(() => new AppService("ods-local-data-api", { ...BASE, env: { ...BASE.env, DB_PASSWORD: "hunter2" } }))).rejects.toThrow(/env "DB_PASSWORD" looks like a secret/);
  });

  test("ServiceMonitor scrapes metricsPath on the http port of this Service only", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", { ...BASE, metricsPath: "/api/v1/metrics" }));
    const sm = one(rs, CR);
    expect(get(sm, "apiVersion")).toBe("monitoring.coreos.com/v1");
    expect(get(sm, "kind")).toBe("ServiceMonitor");
    expect(get(sm, "spec.endpoints")).toEqual([{ port: "http", path: "/api/v1/metrics", interval: "30s", scrapeTimeout: "10s", scheme: "http" }]);
    expect(get(sm, "spec.namespaceSelector")).toEqual({ matchNames: ["ods-data"] });
    // The Service carries the labels the ServiceMonitor selects.
    expect(get(one(rs, SERVICE), "metadata.labels")).toMatchObject(get(sm, "spec.selector.matchLabels") as Obj);
  });

  test("NetworkPolicy admits the callers (optionally narrowed to pod labels) and Prometheus, on the port only", async () => {
    const rs = await record(() => new AppService("ods-local-data-api", BASE));
    const np = one(rs, NETPOL);
    expect(get(np, "spec.podSelector")).toEqual({ matchLabels: { "app.kubernetes.io/name": "data-api", "app.kubernetes.io/instance": "ods-local-data-api" } });
    expect(get(np, "spec.policyTypes")).toEqual(["Ingress"]);
    const port = [{ protocol: "TCP", port: 8080 }];
    const ns = (n: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } } });
    expect(get(np, "spec.ingress")).toEqual([
      { from: [ns("ods-apps")], ports: port },
      { from: [{ ...ns("ods-model"), podSelector: { matchLabels: { "app.kubernetes.io/name": "model-cache" } } }], ports: port },
      { from: [ns("ods-observability")], ports: port },
    ]);
    // Nothing else: no rule without a peer (that would admit every source).
    for (const rule of get(np, "spec.ingress") as Obj[]) expect(rule.from.length).toBeGreaterThan(0);
  });

  test("url and serviceName", async () => {
    let svc: AppService | undefined;
    await record(() => (svc = new AppService("ods-local-data-api", BASE)));
    const url = await new Promise<string>((resolve) => svc!.url.apply(resolve));
    const name = await new Promise<string>((resolve) => svc!.serviceName.apply(resolve));
    expect(url).toBe("http://data-api.ods-data.svc.cluster.local:8080");
    expect(name).toBe("data-api");
  });

  test("no secret-looking literal anywhere in what is recorded", async () => {
    const rs = await record(() => new AppService("ods-prod-data-api", HA));
    const strings = rs.flatMap((r) => allStrings(r.inputs));
    expect(strings).not.toContain("hunter2");
    expect(strings.filter((s) => /password|secret/i.test(s))).toEqual(["DB_PASSWORD", "password"]);
  });

  test("every object validates against the upstream Kubernetes and prometheus-operator schemas", async () => {
    const single = await record(() => new AppService("ods-local-data-api", BASE));
    const ha = await record(() => new AppService("ods-prod-data-api", { ...HA, envFromSecrets: ["data-api-s3"], serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/x" } }));
    const files = manifestFiles([...single, ...ha]);
    expect(files.filter((f) => f.kind === "object")).toHaveLength(6 + 7);
    expect(validateObjects(files)).toEqual([]);
  });

  test("the schema check catches a broken object (the validation is real)", () => {
    const files = manifestFiles([
      { type: DEPLOYMENT, name: "bad", parent: null, parentType: null, component: false, urn: "u", inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "bad" }, spec: { replicas: "three", selector: {}, template: {} } } },
    ]);
    expect(validateObjects(files)).toHaveLength(1);
  });
});
