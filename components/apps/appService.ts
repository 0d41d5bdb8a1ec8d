// The platform's own HTTP services on one shape: Deployment, Service, service account, HPA, PDB where
// replicated, startup/readiness/liveness probes, resources, the restricted security context, Secret
// references only, a ServiceMonitor, and a NetworkPolicy admitting the callers it names.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources } from "../data/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { quantityValue } from "../lib/quantity";
import { namespacePeer, tcpPorts } from "../lib/network";
import { spreadOverNodesAndZones } from "../lib/scheduling";

/** An environment variable read from a key of a Secret (never a literal secret). */
export interface SecretEnv {
  name: string;
  secretName: pulumi.Input<string>;
  key: string;
}

/** Pods allowed to call the service: a namespace, optionally narrowed to pods with these labels. */
export interface CallerPeer {
  namespace: pulumi.Input<string>;
  podLabels?: Record<string, string>;
}

export interface AppServiceArgs {
  namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name` and the Kubernetes name of every object (a DNS label), e.g. data-api. */
  app: string;
  /** `app.kubernetes.io/component`, e.g. api, web. */
  component: string;
  /** Image pinned by tag or digest; an Output is a reference the kit built and pushed (pinned by its digest). */
  image: pulumi.Input<string>;
  /** Container port serving HTTP (and /metrics). */
  port: number;
  /** Path of the health endpoint used by all three probes. */
  healthPath: string;
  /** Path of the Prometheus metrics. Default "/metrics". */
  metricsPath?: string;
  /** HPA range; min > 1 adds a PDB and pod spreading. */
  replicas: { min: number; max: number };
  /** Target average CPU utilisation of the HPA, percent of the CPU request (1-100). Default 70. */
  cpuTargetPercent?: number;
  resources: ContainerResources;
  /** Plain settings (never secrets: the policy check and the secret scan reject secret-looking names). */
  env?: Record<string, pulumi.Input<string>>;
  /** Settings read from Secrets, key by key. */
  secretEnv?: SecretEnv[];
  /** Secrets whose every key becomes an environment variable. */
  envFromSecrets?: pulumi.Input<string>[];
  /** Annotations of the service account (e.g. eks.amazonaws.com/role-arn for IRSA). */
  serviceAccountAnnotations?: Record<string, pulumi.Input<string>>;
  /** Service account name. Default: `app`. */
  serviceAccountName?: string;
  /** Who may call the service (besides Prometheus on the metrics port). */
  callers: CallerPeer[];
  /** Namespace of Prometheus (the ServiceMonitor's scraper, allowed through the default deny). */
  monitoringNamespace: pulumi.Input<string>;
  /** Resources that must exist before the pods start (databases, buckets, Secrets). */
  dependsOn?: pulumi.Resource[];
  /**
   * UID and GID the container runs as (also the pod's fsGroup, so projected tokens are readable).
   * Default 10001; set it to the image's numeric USER where the image expects a particular one.
   */
  runAsUser?: number;
}

/** Defaults of the optional args. */
export const APP_SERVICE_DEFAULTS = { metricsPath: "/metrics", cpuTargetPercent: 70, runAsUser: 10001 } as const;

/** Seconds the HPA waits before acting on a lower recommendation (Kubernetes' own default, stated). */
export const SCALE_DOWN_WINDOW_SECONDS = 300;

/** The Deployment's fields the HPA owns once it exists; `pulumi up` leaves them alone. */
export const HPA_OWNED_FIELDS = ["spec.replicas"];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** C identifiers: what every shell and runtime reads back (Kubernetes itself allows more). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `repo[:port]/path:tag` or `...@sha256:<64 hex>`. */
const PINNED_IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Words that make an env name look like it holds a credential. */
const SECRET_WORDS = /^(password|passwd|pwd|secret|token|key|apikey|accesskey|privatekey|credentials?|passphrase|auth)$/;
/** Last words of names that hold a setting about a secret, not the secret (S3_KEY_PREFIX, TOKEN_TTL, AUTH_URL). */
const SETTING_SUFFIX = /^(url|uri|endpoint|host|port|id|name|file|path|dir|prefix|suffix|ttl|timeout|seconds|length|header|enabled|mode|type|region)$/;

/**
 * Whether a literal under this env name would be a credential in the Deployment: a word such as
 * PASSWORD, SECRET, TOKEN or KEY, unless the name ends in a setting word (*_URL, *_ENDPOINT, *_ID, ...).
 * `*_ACCESS_KEY_ID` stays secret-looking: it is half of a key pair, and the kit's policy flags it too.
 */
export function envNameLooksSecret(name: string): boolean {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.toLowerCase());
  const hit = words.some((w) => SECRET_WORDS.test(w) || w.includes("password") || w.includes("secret") || w.endsWith("token"));
  if (!hit) return false;
  const joined = words.join("_");
  if (/(^|_)access_key_id$/.test(joined)) return true;
  return !SETTING_SUFFIX.test(words[words.length - 1]);
}

/** Every problem with the args, each naming the argument, its value and what is allowed. Pure. */
export function appServiceProblems(args: AppServiceArgs): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  if (!DNS_LABEL.test(args.app) || args.app.length > 63) p.push(`app ${v(args.app)} is not a DNS label; allowed: lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit`);
  if (!LABEL_VALUE.test(args.component) || args.component.length === 0 || args.component.length > 63) p.push(`component ${v(args.component)} is not a label value; allowed: letters, digits, '-', '_', '.', 1 to 63 characters`);
  if (typeof args.image === "string") {
    if (!PINNED_IMAGE.test(args.image)) p.push(`image ${v(args.image)} is not pinned; allowed: an image reference with a tag or a digest, such as ghcr.io/org/app:1.4.2`);
    else if (/:latest$/i.test(args.image)) p.push(`image ${v(args.image)} uses the tag latest; allowed: a pinned version tag or a digest`);
  }
  if (!Number.isInteger(args.port) || args.port < 1 || args.port > 65535) p.push(`port ${v(args.port)} is not a port; allowed: an integer 1-65535`);
  if (!args.healthPath.startsWith("/")) p.push(`healthPath ${v(args.healthPath)} does not start with '/'; allowed: an absolute path such as /healthz`);
  const metricsPath = args.metricsPath ?? APP_SERVICE_DEFAULTS.metricsPath;
  if (!metricsPath.startsWith("/")) p.push(`metricsPath ${v(metricsPath)} does not start with '/'; allowed: an absolute path such as /metrics`);
  const { min, max } = args.replicas;
  if (!Number.isInteger(min) || min < 1) p.push(`replicas.min ${v(min)} is below 1; allowed: an integer >= 1`);
  if (!Number.isInteger(max) || max < 1) p.push(`replicas.max ${v(max)} is below 1; allowed: an integer >= 1`);
  if (min > max) p.push(`replicas.min ${min} is larger than replicas.max ${max}; allowed: min <= max`);
  const cpu = args.cpuTargetPercent ?? APP_SERVICE_DEFAULTS.cpuTargetPercent;
  if (!Number.isInteger(cpu) || cpu < 1 || cpu > 100) p.push(`cpuTargetPercent ${v(cpu)} is out of range; allowed: an integer 1-100 (percent of the CPU request)`);
  const uid = args.runAsUser ?? APP_SERVICE_DEFAULTS.runAsUser;
  if (!Number.isInteger(uid) || uid < 1) p.push(`runAsUser ${v(uid)} is root or not a UID; allowed: an integer >= 1`);

  const r = args.resources;
  for (const [key, q] of [["resources.requests.cpu", r.requests.cpu], ["resources.requests.memory", r.requests.memory], ["resources.limits.memory", r.limits.memory], ["resources.limits.cpu", r.limits.cpu]] as const) {
    if (q !== undefined && quantityValue(q) === undefined) p.push(`${key} ${v(q)} is not a Kubernetes quantity; allowed: e.g. 250m, 1, 512Mi, 2Gi`);
  }
  const reqMem = quantityValue(r.requests.memory);
  const limMem = quantityValue(r.limits.memory);
  if (reqMem !== undefined && limMem !== undefined && reqMem > limMem) p.push(`resources.requests.memory ${r.requests.memory} is above resources.limits.memory ${r.limits.memory}; allowed: request <= limit`);
  const reqCpu = quantityValue(r.requests.cpu);
  const limCpu = r.limits.cpu === undefined ? undefined : quantityValue(r.limits.cpu);
  if (reqCpu !== undefined && limCpu !== undefined && reqCpu > limCpu) p.push(`resources.requests.cpu ${r.requests.cpu} is above resources.limits.cpu ${r.limits.cpu}; allowed: request <= limit`);

  const seen = new Set<string>();
  const envName = (where: string, name: string) => {
    if (!ENV_NAME.test(name)) p.push(`${where} name ${v(name)} is not a valid environment variable name; allowed: letters, digits and '_', not starting with a digit`);
    if (seen.has(name)) p.push(`${where} name ${v(name)} is set twice (env and secretEnv names must be unique)`);
    seen.add(name);
  };
  for (const name of Object.keys(args.env ?? {})) {
    envName("env", name);
    if (envNameLooksSecret(name)) p.push(`env ${v(name)} looks like a secret and would be a literal in the Deployment; allowed: pass it through secretEnv (a key of a Kubernetes Secret)`);
  }
  for (const [i, e] of (args.secretEnv ?? []).entries()) {
    envName(`secretEnv[${i}]`, e.name);
    if (e.key.length === 0 || !/^[-._a-zA-Z0-9]+$/.test(e.key)) p.push(`secretEnv[${i}].key ${v(e.key)} is not a Secret key; allowed: letters, digits, '-', '_', '.'`);
  }
  const sa = args.serviceAccountName ?? args.app;
  if (!DNS_LABEL.test(sa) || sa.length > 63) p.push(`serviceAccountName ${v(sa)} is not a DNS label; allowed: lower-case letters, digits and '-', at most 63 characters`);
  for (const [i, c] of args.callers.entries()) {
    for (const [k, val] of Object.entries(c.podLabels ?? {})) {
      if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(val) || val.length > 63) p.push(`callers[${i}].podLabels ${v(k)}: ${v(val)} is not a label selector pair; allowed: a Kubernetes label key and value`);
    }
  }
  return p;
}

/** Resource requests and limits as the container takes them; no CPU limit unless given (it would throttle). */
export function containerResources(r: ContainerResources): { requests: Record<string, string>; limits: Record<string, string> } {
  return {
    requests: { cpu: r.requests.cpu, memory: r.requests.memory },
    limits: { memory: r.limits.memory, ...(r.limits.cpu !== undefined ? { cpu: r.limits.cpu } : {}) },
  };
}

/**
 * Names, labels and the spec of every object, from validated args. Pure: throws one error naming every
 * bad argument; the class only creates what this returns.
 */
export function appServicePlan(name: string, args: AppServiceArgs) {
  const problems = appServiceProblems(args);
  if (problems.length > 0) throw new Error(`AppService ${name}: ${problems.join("; ")}`);

  const metricsPath = args.metricsPath ?? APP_SERVICE_DEFAULTS.metricsPath;
  const cpuTargetPercent = args.cpuTargetPercent ?? APP_SERVICE_DEFAULTS.cpuTargetPercent;
  const uid = args.runAsUser ?? APP_SERVICE_DEFAULTS.runAsUser;
  const objectName = k8sName(args.app);
  const serviceAccountName = args.serviceAccountName ?? objectName;
  const instance = k8sName(name);
  const labels = standardLabels(args.app, instance, args.component);
  // The selector is immutable on a Deployment: name and instance only, never the component or a version.
  const selector = { "app.kubernetes.io/name": args.app, "app.kubernetes.io/instance": instance };
  const { min, max } = args.replicas;
  const replicated = min > 1;

  const httpGet = { path: args.healthPath, port: "http", scheme: "HTTP" };
  const env = [
    ...Object.entries(args.env ?? {}).map(([n, value]) => ({ name: n, value })),
    ...(args.secretEnv ?? []).map((e) => ({ name: e.name, valueFrom: { secretKeyRef: { name: e.secretName, key: e.key, optional: false } } })),
  ];
  const envFrom = (args.envFromSecrets ?? []).map((s) => ({ secretRef: { name: s, optional: false } }));
  const container = {
    name: objectName,
    image: args.image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: args.port, protocol: "TCP" }],
    ...(env.length > 0 ? { env } : {}),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    resources: containerResources(args.resources),
    // Up to 5 minutes to start (migrations on first boot), then readiness and liveness take over.
    startupProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
    readinessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { httpGet, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    // Endpoints are removed asynchronously; a short pause keeps in-flight requests from hitting a stopping pod.
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };

  const topologySpreadConstraints = replicated
    ? spreadOverNodesAndZones(selector) : undefined;

  const deployment = {
    // The HPA owns the count afterwards (HPA_OWNED_FIELDS); this is the count at creation.
    replicas: min,
    revisionHistoryLimit: 5,
    progressDeadlineSeconds: 600,
    selector: { matchLabels: selector },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName,
        // The Kubernetes API token is not needed; IRSA's web-identity token is a separate projected
        // volume the EKS pod identity webhook adds whatever this says.
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 30,
        securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
        ...(topologySpreadConstraints ? { topologySpreadConstraints } : {}),
      },
    },
  };

  const service = {
    type: "ClusterIP",
    selector,
    ports: [{ name: "http", port: args.port, targetPort: "http", protocol: "TCP" }],
  };

  const hpa = {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: objectName },
    minReplicas: min,
    maxReplicas: max,
    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpuTargetPercent } } }],
    behavior: {
      // Scale down one pod a minute, after a quiet window, so a brief lull does not drop warm capacity.
      scaleDown: { stabilizationWindowSeconds: SCALE_DOWN_WINDOW_SECONDS, selectPolicy: "Max", policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 30 }, { type: "Pods", value: 2, periodSeconds: 30 }] },
    },
  };

  const pdb = replicated ? { maxUnavailable: 1, selector: { matchLabels: selector } } : undefined;

  const serviceMonitor = {
    selector: { matchLabels: selector },
    namespaceSelector: { matchNames: [args.namespace] },
    endpoints: [{ port: "http", path: metricsPath, interval: "30s", scrapeTimeout: "10s", scheme: "http" }],
  };

  const tcp = tcpPorts(args.port);
  const networkPolicy = {
    podSelector: { matchLabels: selector },
    policyTypes: ["Ingress"],
    ingress: [
      ...args.callers.map((c) => ({ from: [{ ...namespacePeer(c.namespace), ...(c.podLabels && Object.keys(c.podLabels).length > 0 ? { podSelector: { matchLabels: c.podLabels } } : {}) }], ports: tcp })),
      // Prometheus scrapes metricsPath on the same port.
      { from: [namespacePeer(args.monitoringNamespace)], ports: tcp },
    ],
  };

  return {
    objectName,
    serviceAccountName,
    instance,
    labels,
    selector,
    replicated,
    metricsPath,
    deployment,
    service,
    hpa,
    pdb,
    serviceMonitor,
    networkPolicy,
    serviceAccount: { annotations: args.serviceAccountAnnotations ?? {} },
  };
}

export class AppService extends pulumi.ComponentResource {
  /** http://<app>.<namespace>.svc.cluster.local:<port> */
  readonly url: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  /** The Service's port (also the container port it forwards to). */
  readonly port: number;
  /** Labels of the pods behind the Service (its selector), for NetworkPolicies and routes elsewhere. */
  readonly podSelector: Record<string, string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:apps:AppService", name, {}, opts);
    const plan = appServicePlan(name, args);
    const meta = (n: string, annotations?: Record<string, pulumi.Input<string>>) => ({ name: n, namespace: args.namespace, labels: plan.labels, ...(annotations ? { annotations } : {}) });

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
      metadata: meta(plan.serviceAccountName, plan.serviceAccount.annotations),
      automountServiceAccountToken: false,
    }, { parent: this });

    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta(plan.objectName),
      spec: plan.deployment,
    }, {
      parent: this,
      dependsOn: [sa, ...(args.dependsOn ?? [])],
      // The HPA sets spec.replicas through the scale subresource; with server-side apply the provider leaves
      // an ignored field that another manager owns out of its patch, so `pulumi up` neither resets the
      // count to min nor fails on a field conflict.
      ignoreChanges: HPA_OWNED_FIELDS,
    });

    const service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta(plan.objectName),
      spec: plan.service,
    }, { parent: this });

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
      metadata: meta(plan.objectName),
      spec: plan.hpa,
    }, { parent: this, dependsOn: [deployment] });

    if (plan.pdb) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
        metadata: meta(plan.objectName),
        spec: plan.pdb,
      }, { parent: this });
    }

    new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(plan.objectName),
      spec: plan.serviceMonitor,
    }, { parent: this, dependsOn: [service] });

    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: meta(plan.objectName),
      spec: plan.networkPolicy,
    }, { parent: this });

    this.serviceName = service.metadata.name;
    this.port = args.port;
    this.podSelector = plan.selector;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${args.port}`;
    this.registerOutputs({ url: this.url, serviceName: this.serviceName, serviceAccount: sa.metadata.name });
  }
}
