// The model API: one OpenAI-compatible endpoint in front of every served model, the vLLM production-stack
// router (vllm-stack chart, router only) with static discovery of the models' Services and routing by model
// name; one generated API key that the router and every engine read from the same Secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ContainerResources } from "../data/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";
import { quantityValue } from "../lib/quantity";
import type { ApiKeyRef, ServedModelHandle } from "./contracts";

export const VLLM_STACK_CHART = {
  chart: "vllm-stack",
  version: "0.1.12",
  repo: "https://vllm-project.github.io/production-stack",
} as const;

/**
 * The router image of the chart's release: the chart's release workflow (.github/workflows/helm-release.yml)
 * pushes `lmcache/lmstack-router:v<chart version>` with every chart release; the chart's own default is `latest`.
 */
export const ROUTER_IMAGE = "docker.io/lmcache/lmstack-router:v0.1.12";

/** Port the router listens on and its Service exposes (the same, so callers and NetworkPolicies agree). */
export const ROUTER_PORT = 8000;

/** Key of the API key in its Secret. */
export const API_KEY_KEY = "api-key";

/** UID/GID the router runs as: the image has no USER (it would run as root). */
export const ROUTER_UID = 10001;

/** Requests and limit of the router container (the chart's own defaults, measured upstream). */
export const ROUTER_DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: "400m", memory: "1Gi" }, limits: { memory: "1Gi" } };

/** Target average CPU of the router's HPA, percent of the request. */
export const ROUTER_CPU_TARGET_PERCENT = 70;

/** The chart appends at most 22 characters ("-router-servicemonitor") to the release name. */
export const MAX_RELEASE_NAME = 63 - "-router-servicemonitor".length;

export const MAX_ROUTER_REPLICAS = 20;

/** Model names the router's comma-separated `--static-models` and the chart's quoting carry intact. */
const SERVED_MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;
/** `registry/path:tag` (the chart composes repository:tag, so a digest cannot be expressed). */
const PINNED_TAG_IMAGE = /^([a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*:([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/;

export interface ModelApiKeyArgs {
  /** Namespace of the Secret: the model namespace, where every engine and the router read it. */
  namespace: pulumi.Input<string>;
  /**
   * Client namespaces, by a key of the caller's choosing, that get a Secret with the same key and name
   * (a secretKeyRef reads only the pod's own namespace). Default: none.
   */
  copies?: Record<string, pulumi.Input<string>>;
}

/**
 * The generated API key in a Secret. ModelApi creates one when it is given none; a layer creates it
 * first and hands it to ModelApi and every ModelServing when the engines must exist before the router
 * (the router's backends are the engines' Services, and the engines read this key as VLLM_API_KEY).
 */
export class ModelApiKey extends pulumi.ComponentResource {
  readonly ref: ApiKeyRef;
  readonly secret: k8s.core.v1.Secret;
  /** The copy in each of args.copies' namespaces, by the same keys. */
  readonly copies: Record<string, ApiKeyRef>;

  constructor(name: string, args: ModelApiKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:model:ModelApiKey", name, {}, opts);
    // Letters and digits only: it travels in an HTTP header and in shell commands.
    const key = new random.RandomPassword(`${name}-value`, { length: 48, special: false }, { parent: this });
    this.secret = new k8s.core.v1.Secret(`${name}-secret`, {
      metadata: { name: k8sName(name), namespace: args.namespace, labels: standardLabels("model-api", k8sName(name), "api-key") },
      type: "Opaque",
      stringData: { [API_KEY_KEY]: pulumi.secret(key.result) },
    }, { parent: this });
    this.ref = { secretName: this.secret.metadata.name, key: API_KEY_KEY };
    this.copies = Object.fromEntries(
      Object.entries(args.copies ?? {}).map(([copy, ns]) => {
        const s = new k8s.core.v1.Secret(`${name}-secret-${copy}`, {
          metadata: { name: k8sName(name), namespace: ns, labels: standardLabels("model-api", k8sName(name), "api-key") },
          type: "Opaque",
          stringData: { [API_KEY_KEY]: pulumi.secret(key.result) },
        }, { parent: this });
        return [copy, { secretName: s.metadata.name, key: API_KEY_KEY }];
      }),
    );
    this.registerOutputs({ secretName: this.ref.secretName, key: this.ref.key, copies: this.copies });
  }
}

export interface ModelApiArgs {
  namespace: pulumi.Input<string>;
  /** The served models, at least one; servedModelName must be unique (it is what the router routes on). */
  models: ServedModelHandle[];
  /** Router replicas: min == max fixes the count, min < max adds a CPU HPA; max > 1 adds a PDB and anti-affinity. */
  replicas: { min: number; max: number };
  /** Router container resources. Default ROUTER_DEFAULT_RESOURCES. */
  resources?: ContainerResources;
  /** Router image, pinned by tag. Default ROUTER_IMAGE. */
  image?: string;
  /** Namespace of Prometheus, allowed to scrape the router's /metrics. */
  monitoringNamespace: pulumi.Input<string>;
  /** Namespaces allowed to call the API (the apps namespace, later the gateway's). */
  callers: pulumi.Input<string>[];
  /** The API key to use; default: a new ModelApiKey in args.namespace, a child of this component. */
  apiKey?: ModelApiKey;
  /** The backends (ModelServing components): the router starts after them. */
  dependsOn?: pulumi.Resource[];
}

/** Names, counts and settings derived from the arguments (pure); throws naming every bad argument. */
export interface ModelApiPlan {
  /** Helm release name: prefix of the chart's object names. */
  release: string;
  deploymentName: string;
  serviceName: string;
  /** The chart's router ServiceAccount (it always creates and uses this one; token automount on by default). */
  serviceAccountName: string;
  /** The chart's pod-reading Role, bound to that ServiceAccount (for the `k8s` discovery modes). */
  roleName: string;
  image: { repository: string; tag: string };
  servedModelNames: string[];
  replicas: { min: number; max: number };
  autoscaling: boolean;
  replicated: boolean;
  resources: ContainerResources;
  /** Labels the chart puts on the router's pods (its selector). */
  podLabels: Record<string, string>;
}

export function modelApiProblems(name: string, args: Pick<ModelApiArgs, "models" | "replicas" | "image" | "resources">): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  if (args.models.length === 0) p.push("models is empty; allowed: at least one served model (a ModelServing's handle)");
  const seen = new Set<string>();
  for (const [i, m] of args.models.entries()) {
    const n = m.servedModelName;
    if (!SERVED_MODEL_NAME.test(n)) p.push(`models[${i}].servedModelName ${v(n)} is not a model name the router can carry; allowed: letters, digits, '.', '_', '/', ':', '-', starting with a letter or digit`);
    if (seen.has(n)) p.push(`models[${i}].servedModelName ${v(n)} is served twice; allowed: one ModelServing per served model name (the router routes on it)`);
    seen.add(n);
  }
  const { min, max } = args.replicas;
  if (!Number.isInteger(min) || min < 1) p.push(`replicas.min ${v(min)} is below 1; allowed: an integer >= 1`);
  if (!Number.isInteger(max) || max < 1 || max > MAX_ROUTER_REPLICAS) p.push(`replicas.max ${v(max)} is out of range; allowed: an integer 1-${MAX_ROUTER_REPLICAS}`);
  if (min > max) p.push(`replicas.min ${min} is larger than replicas.max ${max}; allowed: min <= max`);
  const image = args.image ?? ROUTER_IMAGE;
  if (!PINNED_TAG_IMAGE.test(image)) p.push(`image ${v(image)} is not pinned by tag; allowed: repository:tag such as ${ROUTER_IMAGE} (the chart takes no digest)`);
  else if (/:latest$/i.test(image)) p.push(`image ${v(image)} uses the tag latest; allowed: a pinned version tag such as ${ROUTER_IMAGE}`);
  const r = args.resources ?? ROUTER_DEFAULT_RESOURCES;
  for (const [key, q] of [["resources.requests.cpu", r.requests.cpu], ["resources.requests.memory", r.requests.memory], ["resources.limits.memory", r.limits.memory], ["resources.limits.cpu", r.limits.cpu]] as const) {
    if (q !== undefined && quantityValue(q) === undefined) p.push(`${key} ${v(q)} is not a Kubernetes quantity; allowed: e.g. 250m, 1, 512Mi, 2Gi`);
  }
  const reqMem = quantityValue(r.requests.memory);
  const limMem = quantityValue(r.limits.memory);
  if (reqMem !== undefined && limMem !== undefined && reqMem > limMem) p.push(`resources.requests.memory ${r.requests.memory} is above resources.limits.memory ${r.limits.memory}; allowed: request <= limit`);
  const release = k8sName(name);
  if (release.length > MAX_RELEASE_NAME) p.push(`the name ${v(name)} makes object names too long ("${release}", ${release.length} characters); allowed: at most ${MAX_RELEASE_NAME}`);
  return p;
}

export function modelApiPlan(name: string, args: Pick<ModelApiArgs, "models" | "replicas" | "image" | "resources">): ModelApiPlan {
  const problems = modelApiProblems(name, args);
  if (problems.length > 0) throw new Error(`ModelApi "${name}": ${problems.join("; ")}`);
  const release = k8sName(name);
  const image = args.image ?? ROUTER_IMAGE;
  const colon = image.lastIndexOf(":");
  const { min, max } = args.replicas;
  return {
    release,
    deploymentName: `${release}-deployment-router`,
    serviceName: `${release}-router-service`,
    serviceAccountName: `${release}-router-service-account`,
    roleName: `${release}-reader`,
    image: { repository: image.slice(0, colon), tag: image.slice(colon + 1) },
    servedModelNames: args.models.map((m) => m.servedModelName),
    replicas: { min, max },
    autoscaling: min < max,
    replicated: max > 1,
    resources: args.resources ?? ROUTER_DEFAULT_RESOURCES,
    podLabels: { "app.kubernetes.io/name": "router", "app.kubernetes.io/instance": release },
  };
}

/**
 * Helm values of vllm-stack for the router alone (pure). `backends` are the models' Service URLs in
 * the order of plan.servedModelNames, joined by commas (the router pairs the two lists by position).
 * No secret is here: the router reads the key from the Secret named by `apiKey`.
 */
export function routerValues<B>(plan: ModelApiPlan, backends: B, apiKey: { secretName: pulumi.Input<string>; key: string }) {
  const uid = ROUTER_UID;
  const httpGet = { path: "/health", port: "router-port" };
  const spread = plan.replicated
    ? {
        podAntiAffinity: {
          // Preferred, not required: a small cluster (or one zone) still schedules every replica.
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: plan.podLabels } } },
            { weight: 50, podAffinityTerm: { topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: plan.podLabels } } },
          ],
        },
      }
    : {};
  return {
    servingEngineSpec: { enableEngine: false },
    routerSpec: {
      enableRouter: true,
      repository: plan.image.repository,
      tag: plan.image.tag,
      imagePullPolicy: "IfNotPresent",
      replicaCount: plan.replicas.min,
      autoscaling: {
        enabled: plan.autoscaling,
        minReplicas: plan.replicas.min,
        maxReplicas: plan.replicas.max,
        targetCPUUtilizationPercentage: ROUTER_CPU_TARGET_PERCENT,
      },
      pdb: plan.replicated ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
      affinity: spread,
      containerPort: ROUTER_PORT,
      servicePort: ROUTER_PORT,
      serviceType: "ClusterIP",
      serviceDiscovery: "static",
      staticBackends: backends,
      staticModels: plan.servedModelNames.join(","),
      routingLogic: "roundrobin",
      // The key reaches the router as VLLM_API_KEY from the Secret. Through env rather than the chart's
      // routerSpec.vllmApiKey.{secretName,secretKey} (same rendered env): the pack's secret scan takes a
      // Helm value under the key `secretKey` for a literal secret.
      vllmApiKey: { secretName: "", secretKey: "" },
      resources: {
        requests: { cpu: plan.resources.requests.cpu, memory: plan.resources.requests.memory },
        limits: { memory: plan.resources.limits.memory, ...(plan.resources.limits.cpu ? { cpu: plan.resources.limits.cpu } : {}) },
      },
      securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
      containerSecurityContext: {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      // A writable /tmp and HOME there: the image's Python libraries write caches under HOME.
      env: [
        { name: "HOME", value: "/tmp" },
        { name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: apiKey.secretName, key: apiKey.key, optional: false } } },
      ],
      extraVolumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
      extraVolumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      // /health reports the router's own discovery and stats threads, not the engines, so a slow model never restarts it.
      startupProbe: { httpGet, initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
      readinessProbe: { httpGet, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
      livenessProbe: { httpGet, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      serviceMonitor: { enabled: true, interval: "30s", scrapeTimeout: "10s" },
      ingress: { enabled: false },
    },
    cacheserverSpec: { enabled: false },
    loraController: { enableLoraController: false },
    sharedPvcStorage: { enabled: false },
    grafanaDashboards: { enabled: false },
    "kube-prometheus-stack": { enabled: false },
    "prometheus-adapter": { enabled: false },
  };
}

/** Ingress of the router through the namespace's default deny (pure): callers and Prometheus on the router port. */
export function routerIngress(callers: pulumi.Input<string>[], monitoringNamespace: pulumi.Input<string>) {
  return [
    ...(callers.length > 0 ? [{ from: callers.map(namespacePeer), ports: tcpPorts(ROUTER_PORT) }] : []),
    { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(ROUTER_PORT) },
  ];
}

export class ModelApi extends pulumi.ComponentResource {
  /** In-cluster OpenAI base URL: http://<svc>.<ns>.svc.cluster.local:8000/v1 */
  readonly url: pulumi.Output<string>;
  readonly apiKey: ApiKeyRef;
  readonly serviceName: pulumi.Output<string>;
  readonly port = ROUTER_PORT;
  /** Labels of the router's pods, for the engines' NetworkPolicies (the router calls them on ENGINE_PORT). */
  readonly podLabels: Record<string, string>;
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: ModelApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:model:ModelApi", name, {}, opts);
    const plan = modelApiPlan(name, args);
    const key = args.apiKey ?? new ModelApiKey(`${name}-key`, { namespace: args.namespace }, { parent: this });
    this.apiKey = key.ref;
    this.podLabels = plan.podLabels;

    const backends = pulumi.all(args.models.map((m) => m.url)).apply((urls) => urls.join(","));
    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: VLLM_STACK_CHART.chart,
      version: VLLM_STACK_CHART.version,
      repositoryOpts: { repo: VLLM_STACK_CHART.repo },
      name: plan.release,
      namespace: args.namespace,
      // The chart's only CRD is the LoRA adapter controller's, which is not installed.
      skipCrds: true,
      values: routerValues(plan, backends, key.ref),
    }, { parent: this, dependsOn: [key, ...(args.dependsOn ?? [])] });

    // vllm-stack 0.1.12 always runs the router as its own `<release>-router-service-account` (token
    // automounted) bound to a Role that reads and patches pods, for its `k8s` discovery modes, and has no
    // value to turn either off. Static discovery never calls the Kubernetes API: server-side-apply patches
    // take the token off the router's pods and every rule off the Role.
    new k8s.apps.v1.DeploymentPatch(`${name}-router-no-token`, {
      metadata: { name: plan.deploymentName, namespace: args.namespace, annotations: { "pulumi.com/patchForce": "true" } },
      spec: { template: { spec: { automountServiceAccountToken: false } } },
    }, { parent: this, dependsOn: [this.chart] });
    new k8s.rbac.v1.RolePatch(`${name}-router-no-rules`, {
      metadata: { name: plan.roleName, namespace: args.namespace, annotations: { "pulumi.com/patchForce": "true" } },
      rules: [],
    }, { parent: this, dependsOn: [this.chart] });

    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: { name: `${plan.release}-router`, namespace: args.namespace, labels: standardLabels("model-api", plan.release, "router") },
      spec: { podSelector: { matchLabels: plan.podLabels }, policyTypes: ["Ingress"], ingress: routerIngress(args.callers, args.monitoringNamespace) },
    }, { parent: this });

    this.serviceName = pulumi.output(plan.serviceName);
    this.url = pulumi.interpolate`http://${plan.serviceName}.${args.namespace}.svc.cluster.local:${ROUTER_PORT}/v1`;
    this.registerOutputs({ url: this.url, serviceName: this.serviceName, port: this.port, apiKeySecret: this.apiKey.secretName, apiKeyKey: this.apiKey.key });
  }
}
