// Grafana on the kit's own objects (the grafana subchart is not in the offline chart cache): a Deployment
// with the dashboard sidecar, the admin and the session-encryption key from generated Secrets, single
// sign-on through Keycloak (generic OAuth, realm roles mapped to Grafana roles), SQLite on a retained
// volume or MySQL where highly available, and the Prometheus datasource provisioned from a ConfigMap.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ContainerResources } from "../data/contracts";
import { DB_SECRET_KEYS } from "../data/contracts";
import { CLIENT_SECRET_KEYS } from "../identity/contracts";
import { k8sName, standardLabels } from "../lib/naming";
import { quantityValue } from "../lib/quantity";
import { namespacePeer, tcpPorts } from "../lib/network";
import { spreadOverNodesAndZones } from "../lib/scheduling";

/** Grafana's HTTP port (the image's default). */
export const GRAFANA_PORT = 3000;
/** The dashboard sidecar's health endpoint (k8s-sidecar's HEALTH_PORT default). */
export const SIDECAR_HEALTH_PORT = 8080;
/** UID/GID of the official image's `grafana` user. */
export const GRAFANA_UID = 472;
/** Label (and value) that makes a ConfigMap a dashboard the sidecar loads. */
export const DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;
/** A ConfigMap holds at most 1 MiB; leave room for metadata. */
export const MAX_DASHBOARD_BYTES = 900 * 1024;
/** Keys of the admin Secret. */
export const ADMIN_SECRET_KEYS = { user: "admin-user", password: "admin-password" } as const;
/** Key of the Secret holding the key Grafana encrypts stored credentials with (shared by every replica). */
export const SECRET_KEY_KEY = "secret-key";

/**
 * Realm roles -> Grafana roles, strongest first: JMESPath over the `groups` claim, which the realm puts in
 * the ID token and userinfo (where Grafana looks; realm_access.roles is in the access token only). Each
 * realm group carries the realm role of the same name.
 */
export const ROLE_MAPPING: { grafanaRole: "Admin" | "Editor" | "Viewer"; realmRoles: string[] }[] = [
  { grafanaRole: "Admin", realmRoles: ["admin"] },
  { grafanaRole: "Editor", realmRoles: ["data-engineer", "ml-engineer", "app-developer"] },
  { grafanaRole: "Viewer", realmRoles: ["viewer"] },
];

/** The JMESPath Grafana evaluates on the ID token (then the userinfo response) to pick the user's role. */
export function roleAttributePath(mapping = ROLE_MAPPING): string {
  return mapping
    .map((m) => `(${m.realmRoles.map((r) => `contains(groups[*], '${r}')`).join(" || ")}) && '${m.grafanaRole}'`)
    .join(" || ");
}

export interface GrafanaOAuth {
  /** Issuer URL of the realm: https://<keycloak host>/realms/<realm> (the browser's login and logout). */
  issuerUrl: string;
  /** The realm inside the cluster, for Grafana's own calls (token, userinfo). Default issuerUrl. */
  internalIssuerUrl?: string;
  /** Secret in Grafana's namespace with keys client-id and client-secret; unset: no single sign-on (admin login only). */
  clientSecretName?: pulumi.Input<string>;
}

export interface GrafanaArgs {
  namespace: pulumi.Input<string>;
  /** Grafana image, pinned. */
  image: string;
  /** Dashboard sidecar image, pinned. */
  sidecarImage: string;
  /** 1: SQLite on a retained volume; more: the database must be MySQL (`database`). */
  replicas: number;
  resources: ContainerResources;
  /** Sidecar resources. Default 20m/64Mi, limit 128Mi. */
  sidecarResources?: ContainerResources;
  /** /var/lib/grafana volume (one replica only). */
  persistence: { size: string; storageClass: pulumi.Input<string> };
  /** MySQL credentials Secret (keys host, port, database, username, password) in this namespace; unset: SQLite. */
  database?: { secretName: pulumi.Input<string> };
  /** Public host (root URL https://<host>). */
  host: string;
  oauth: GrafanaOAuth;
  /** In-cluster URL of Prometheus (the default datasource). */
  prometheusUrl: pulumi.Input<string>;
  /** In-cluster URL of Alertmanager (a datasource to browse alerts and silences). */
  alertmanagerUrl: pulumi.Input<string>;
  /** Dashboards: name -> JSON text; each becomes a ConfigMap the sidecar loads. */
  dashboards: Record<string, string>;
  /** Spread and disruption budget (multi-replica). */
  highAvailability: boolean;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Every problem with the args, each naming the argument, its value and what is allowed. Pure. */
export function grafanaProblems(args: Pick<GrafanaArgs, "replicas" | "database" | "dashboards" | "resources" | "host" | "oauth">): string[] {
  const p: string[] = [];
  if (!Number.isInteger(args.replicas) || args.replicas < 1) p.push(`replicas ${JSON.stringify(args.replicas)} is below 1; allowed: an integer >= 1`);
  if (args.replicas > 1 && !args.database) p.push(`replicas ${args.replicas} needs database (MySQL): SQLite on one volume serves one replica; allowed: 1 without database`);
  for (const [name, json] of Object.entries(args.dashboards)) {
    if (!DNS_LABEL.test(name) || name.length > 50) p.push(`dashboards key ${JSON.stringify(name)} is not a DNS label of at most 50 characters; allowed: e.g. llm-serving`);
    try {
      const d = JSON.parse(json) as unknown;
      if (d === null || typeof d !== "object" || Array.isArray(d)) p.push(`dashboards.${name} is not a JSON object; allowed: a Grafana dashboard model`);
    } catch {
      p.push(`dashboards.${name} is not valid JSON; allowed: a Grafana dashboard model`);
    }
    if (Buffer.byteLength(json, "utf8") > MAX_DASHBOARD_BYTES) p.push(`dashboards.${name} is ${Buffer.byteLength(json, "utf8")} bytes; allowed: at most ${MAX_DASHBOARD_BYTES} (one ConfigMap)`);
  }
  const req = quantityValue(args.resources.requests.memory);
  const lim = quantityValue(args.resources.limits.memory);
  if (req === undefined || lim === undefined) p.push(`resources.memory ${JSON.stringify(args.resources)} is not a Kubernetes quantity; allowed: e.g. 256Mi`);
  else if (req > lim) p.push(`resources.requests.memory ${args.resources.requests.memory} is above resources.limits.memory ${args.resources.limits.memory}; allowed: request <= limit`);
  if (!/^[a-z0-9.-]+$/.test(args.host)) p.push(`host ${JSON.stringify(args.host)} is not a host name; allowed: e.g. grafana.example.com`);
  if (!/^https:\/\/[^/]+\/realms\/[^/]+$/.test(args.oauth.issuerUrl)) p.push(`oauth.issuerUrl ${JSON.stringify(args.oauth.issuerUrl)} is not a Keycloak realm URL; allowed: https://<host>/realms/<realm>`);
  return p;
}

type Env = { name: string; value?: pulumi.Input<string>; valueFrom?: { secretKeyRef: { name: pulumi.Input<string>; key: string; optional: boolean } } };
const fromSecret = (name: string, secretName: pulumi.Input<string>, key: string): Env => ({ name, valueFrom: { secretKeyRef: { name: secretName, key, optional: false } } });

/** Grafana's settings as environment variables (GF_<SECTION>_<KEY>): literals are never secrets. Pure. */
export function grafanaEnv(args: Pick<GrafanaArgs, "host" | "oauth" | "database">, secrets: { admin: pulumi.Input<string>; secretKey: pulumi.Input<string> }): Env[] {
  const root = `https://${args.host}`;
  const issuer = args.oauth.issuerUrl;
  const oidc = `${issuer}/protocol/openid-connect`;
  const backChannel = `${args.oauth.internalIssuerUrl ?? issuer}/protocol/openid-connect`;
  const env: Env[] = [
    { name: "GF_SERVER_DOMAIN", value: args.host },
    { name: "GF_SERVER_ROOT_URL", value: root },
    { name: "GF_PATHS_DATA", value: "/var/lib/grafana" },
    { name: "GF_PATHS_PLUGINS", value: "/var/lib/grafana/plugins" },
    { name: "GF_PATHS_PROVISIONING", value: "/etc/grafana/provisioning" },
    { name: "GF_LOG_MODE", value: "console" },
    { name: "GF_ANALYTICS_REPORTING_ENABLED", value: "false" },
    { name: "GF_ANALYTICS_CHECK_FOR_UPDATES", value: "false" },
    { name: "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", value: "false" },
    { name: "GF_USERS_ALLOW_SIGN_UP", value: "false" },
    { name: "GF_SECURITY_COOKIE_SECURE", value: "true" },
    { name: "GF_SECURITY_DISABLE_GRAVATAR", value: "true" },
    // Alerts are PrometheusRules routed by Alertmanager; Grafana-managed alerting stays off so replicas never notify twice.
    { name: "GF_UNIFIED_ALERTING_ENABLED", value: "false" },
    fromSecret("GF_SECURITY_ADMIN_USER", secrets.admin, ADMIN_SECRET_KEYS.user),
    fromSecret("GF_SECURITY_ADMIN_PASSWORD", secrets.admin, ADMIN_SECRET_KEYS.password),
    fromSecret("GF_SECURITY_SECRET_KEY", secrets.secretKey, SECRET_KEY_KEY),
  ];
  if (args.database) {
    const s = args.database.secretName;
    env.push(
      fromSecret("ODS_DB_HOST", s, DB_SECRET_KEYS.host),
      fromSecret("ODS_DB_PORT", s, DB_SECRET_KEYS.port),
      { name: "GF_DATABASE_TYPE", value: "mysql" },
      // Kubernetes expands $(VAR) from the variables above: host and port come from the Secret.
      { name: "GF_DATABASE_HOST", value: "$(ODS_DB_HOST):$(ODS_DB_PORT)" },
      fromSecret("GF_DATABASE_NAME", s, DB_SECRET_KEYS.database),
      fromSecret("GF_DATABASE_USER", s, DB_SECRET_KEYS.user),
      fromSecret("GF_DATABASE_PASSWORD", s, DB_SECRET_KEYS.password),
      // MySQL has a server certificate it generated itself: encrypt, without pinning it.
      { name: "GF_DATABASE_SSL_MODE", value: "skip-verify" },
    );
  }
  if (args.oauth.clientSecretName) {
    const s = args.oauth.clientSecretName;
    env.push(
      { name: "GF_AUTH_GENERIC_OAUTH_ENABLED", value: "true" },
      { name: "GF_AUTH_GENERIC_OAUTH_NAME", value: "Keycloak" },
      { name: "GF_AUTH_GENERIC_OAUTH_ALLOW_SIGN_UP", value: "true" },
      fromSecret("GF_AUTH_GENERIC_OAUTH_CLIENT_ID", s, CLIENT_SECRET_KEYS.id),
      fromSecret("GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", s, CLIENT_SECRET_KEYS.secret),
      { name: "GF_AUTH_GENERIC_OAUTH_SCOPES", value: "openid email profile roles" },
      { name: "GF_AUTH_GENERIC_OAUTH_AUTH_URL", value: `${oidc}/auth` },
      // Grafana's server calls Keycloak inside the cluster; only the browser goes through the gateway.
      { name: "GF_AUTH_GENERIC_OAUTH_TOKEN_URL", value: `${backChannel}/token` },
      { name: "GF_AUTH_GENERIC_OAUTH_API_URL", value: `${backChannel}/userinfo` },
      { name: "GF_AUTH_GENERIC_OAUTH_USE_PKCE", value: "true" },
      { name: "GF_AUTH_GENERIC_OAUTH_LOGIN_ATTRIBUTE_PATH", value: "preferred_username" },
      { name: "GF_AUTH_GENERIC_OAUTH_EMAIL_ATTRIBUTE_PATH", value: "email" },
      { name: "GF_AUTH_GENERIC_OAUTH_NAME_ATTRIBUTE_PATH", value: "name" },
      { name: "GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH", value: roleAttributePath() },
      // A user with none of the mapped realm roles is refused instead of becoming a Viewer.
      { name: "GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_STRICT", value: "true" },
      { name: "GF_AUTH_SIGNOUT_REDIRECT_URL", value: `${oidc}/logout?post_logout_redirect_uri=${encodeURIComponent(`${root}/login`)}` },
    );
  }
  return env;
}

/** The provisioned datasources (no credentials: Prometheus and Alertmanager take none in-cluster). Pure. */
export function datasourcesYaml(prometheusUrl: string, alertmanagerUrl: string): string {
  return [
    "apiVersion: 1",
    "datasources:",
    "  - name: Prometheus",
    "    uid: prometheus",
    "    type: prometheus",
    "    access: proxy",
    `    url: ${prometheusUrl}`,
    "    isDefault: true",
    "    editable: false",
    "    jsonData:",
    "      httpMethod: POST",
    "      timeInterval: 30s",
    "  - name: Alertmanager",
    "    uid: alertmanager",
    "    type: alertmanager",
    "    access: proxy",
    `    url: ${alertmanagerUrl}`,
    "    editable: false",
    "    jsonData:",
    "      implementation: prometheus",
    "",
  ].join("\n");
}

/** Where the sidecar writes dashboards and Grafana's file provider reads them. */
export const DASHBOARD_DIR = "/tmp/dashboards";

export function dashboardProvidersYaml(): string {
  return [
    "apiVersion: 1",
    "providers:",
    "  - name: one-data-studio",
    "    orgId: 1",
    "    type: file",
    "    disableDeletion: true",
    "    allowUiUpdates: false",
    "    updateIntervalSeconds: 30",
    "    options:",
    `      path: ${DASHBOARD_DIR}`,
    "      foldersFromFilesStructure: false",
    "",
  ].join("\n");
}

/** Names, labels and the Deployment spec from validated args (pure; throws naming every bad argument). */
export function grafanaPlan(name: string, args: GrafanaArgs, refs: { admin: pulumi.Input<string>; secretKey: pulumi.Input<string>; provisioning: pulumi.Input<string>; pvc?: pulumi.Input<string> }) {
  const problems = grafanaProblems(args);
  if (problems.length > 0) throw new Error(`Grafana ${name}: ${problems.join("; ")}`);
  const instance = k8sName(name);
  const labels = standardLabels("grafana", instance, "dashboards");
  const selector = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": instance };
  const replicated = args.replicas > 1;
  const sidecarRes = args.sidecarResources ?? { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "128Mi" } };
  const res = (r: ContainerResources) => ({ requests: { ...r.requests }, limits: { memory: r.limits.memory, ...(r.limits.cpu ? { cpu: r.limits.cpu } : {}) } });
  const securityContext = {
    runAsNonRoot: true,
    runAsUser: GRAFANA_UID,
    runAsGroup: GRAFANA_UID,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
  const health = { path: "/api/health", port: "http", scheme: "HTTP" };
  const sidecarHealth = { path: "/healthz", port: "sidecar-health", scheme: "HTTP" };
  const grafana = {
    name: "grafana",
    image: args.image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "http", containerPort: GRAFANA_PORT, protocol: "TCP" }],
    env: grafanaEnv(args, refs),
    resources: res(args.resources),
    // Database migrations on first start or upgrade can take minutes.
    startupProbe: { httpGet: health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
    readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { httpGet: health, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
    securityContext,
    volumeMounts: [
      { name: "storage", mountPath: "/var/lib/grafana" },
      { name: "tmp", mountPath: "/tmp" },
      { name: "dashboards", mountPath: DASHBOARD_DIR },
      { name: "provisioning", mountPath: "/etc/grafana/provisioning/datasources/datasources.yaml", subPath: "datasources.yaml", readOnly: true },
      { name: "provisioning", mountPath: "/etc/grafana/provisioning/dashboards/providers.yaml", subPath: "providers.yaml", readOnly: true },
    ],
  };
  const sidecar = {
    name: "dashboard-sidecar",
    image: args.sidecarImage,
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: "sidecar-health", containerPort: SIDECAR_HEALTH_PORT, protocol: "TCP" }],
    env: [
      { name: "METHOD", value: "WATCH" },
      { name: "LABEL", value: DASHBOARD_LABEL.key },
      { name: "LABEL_VALUE", value: DASHBOARD_LABEL.value },
      { name: "FOLDER", value: DASHBOARD_DIR },
      { name: "RESOURCE", value: "configmap" },
      { name: "HEALTH_PORT", value: String(SIDECAR_HEALTH_PORT) },
      // Its own namespace only (the Role grants nothing else).
      { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    ],
    resources: res(sidecarRes),
    readinessProbe: { httpGet: sidecarHealth, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { httpGet: sidecarHealth, initialDelaySeconds: 35, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    securityContext,
    volumeMounts: [{ name: "dashboards", mountPath: DASHBOARD_DIR }],
  };
  const spread = replicated
    ? spreadOverNodesAndZones(selector) : undefined;
  const storage = refs.pvc ? { name: "storage", persistentVolumeClaim: { claimName: refs.pvc } } : { name: "storage", emptyDir: { sizeLimit: "1Gi" } };
  const deployment = {
    replicas: args.replicas,
    revisionHistoryLimit: 5,
    selector: { matchLabels: selector },
    // One volume (ReadWriteOnce, SQLite): the old pod lets go before the new one mounts it.
    strategy: refs.pvc ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels },
      spec: {
        serviceAccountName: instance,
        // The sidecar watches ConfigMaps through the Kubernetes API.
        automountServiceAccountToken: true,
        enableServiceLinks: false,
        securityContext: { runAsNonRoot: true, runAsUser: GRAFANA_UID, runAsGroup: GRAFANA_UID, fsGroup: GRAFANA_UID, seccompProfile: { type: "RuntimeDefault" } },
        containers: [grafana, sidecar],
        volumes: [
          storage,
          { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
          { name: "dashboards", emptyDir: { sizeLimit: "64Mi" } },
          { name: "provisioning", configMap: { name: refs.provisioning } },
        ],
        ...(spread ? { topologySpreadConstraints: spread } : {}),
      },
    },
  };
  return { instance, labels, selector, replicated, deployment };
}

export class Grafana extends pulumi.ComponentResource {
  /** Name of the Service (port GRAFANA_PORT). */
  readonly serviceName: pulumi.Output<string>;
  readonly port = GRAFANA_PORT;
  /** Labels of Grafana's pods. */
  readonly podLabels: Record<string, string>;
  /** Secret holding the admin's user name and password (keys ADMIN_SECRET_KEYS). */
  readonly adminSecretName: pulumi.Output<string>;
  /** In-cluster URL. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:observability:Grafana", name, {}, opts);
    // Validate before declaring anything.
    const problems = grafanaProblems(args);
    if (problems.length > 0) throw new Error(`Grafana ${name}: ${problems.join("; ")}`);
    const instance = k8sName(name);
    const meta = (n: string, component = "dashboards", extra: Record<string, string> = {}) => ({ name: n, namespace: args.namespace, labels: { ...standardLabels("grafana", instance, component), ...extra } });

    const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
    const admin = new k8s.core.v1.Secret(`${name}-admin`, {
      metadata: meta(k8sName(instance, "admin")),
      type: "Opaque",
      stringData: { [ADMIN_SECRET_KEYS.user]: "admin", [ADMIN_SECRET_KEYS.password]: pulumi.secret(adminPassword.result) },
    }, { parent: this });
    const keyValue = new random.RandomPassword(`${name}-secret-key-value`, { length: 48, special: false }, { parent: this });
    const secretKey = new k8s.core.v1.Secret(`${name}-secret-key`, {
      metadata: meta(k8sName(instance, "secret-key")),
      type: "Opaque",
      stringData: { [SECRET_KEY_KEY]: pulumi.secret(keyValue.result) },
    }, { parent: this });

    const provisioning = new k8s.core.v1.ConfigMap(`${name}-provisioning`, {
      metadata: meta(k8sName(instance, "provisioning")),
      data: {
        "datasources.yaml": pulumi.all([args.prometheusUrl, args.alertmanagerUrl]).apply(([p, a]) => datasourcesYaml(p, a)),
        "providers.yaml": dashboardProvidersYaml(),
      },
    }, { parent: this });

    const dashboards = Object.entries(args.dashboards).map(
      ([dash, json]) =>
        new k8s.core.v1.ConfigMap(`${name}-dashboard-${dash}`, {
          metadata: meta(k8sName(instance, "dashboard", dash), "dashboard", { [DASHBOARD_LABEL.key]: DASHBOARD_LABEL.value }),
          data: { [`${dash}.json`]: json },
        }, { parent: this }),
    );

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(instance) }, { parent: this });
    const role = new k8s.rbac.v1.Role(`${name}-role`, {
      metadata: meta(instance),
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    }, { parent: this });
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-rolebinding`, {
      metadata: meta(instance),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: args.namespace }],
    }, { parent: this });

    const pvc = args.database
      ? undefined
      : new k8s.core.v1.PersistentVolumeClaim(`${name}-storage`, {
          metadata: meta(k8sName(instance, "storage"), "storage"),
          spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.persistence.storageClass, resources: { requests: { storage: args.persistence.size } } },
          // Dashboards, users and preferences live here (SQLite): removing Grafana from the program keeps them.
        }, { parent: this, retainOnDelete: true });

    const plan = grafanaPlan(name, args, { admin: admin.metadata.name, secretKey: secretKey.metadata.name, provisioning: provisioning.metadata.name, pvc: pvc?.metadata.name });
    this.podLabels = plan.selector;

    new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta(instance),
      spec: plan.deployment,
    }, { parent: this, dependsOn: [binding, admin, secretKey, provisioning, ...dashboards, ...(pvc ? [pvc] : [])] });

    // Prometheus (this namespace) scrapes Grafana's /metrics; users arrive through the gateway, whose
    // policy the edge layer adds.
    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: meta(instance),
      spec: { podSelector: { matchLabels: plan.selector }, policyTypes: ["Ingress"], ingress: [{ from: [namespacePeer(args.namespace)], ports: tcpPorts(GRAFANA_PORT) }] },
    }, { parent: this });

    const service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta(instance),
      spec: { type: "ClusterIP", selector: plan.selector, ports: [{ name: "http", port: GRAFANA_PORT, targetPort: "http", protocol: "TCP" }] },
    }, { parent: this });

    if (plan.replicated) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
        metadata: meta(instance),
        spec: { maxUnavailable: 1, selector: { matchLabels: plan.selector } },
      }, { parent: this });
    }

    new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(instance),
      spec: {
        selector: { matchLabels: plan.selector },
        namespaceSelector: { matchNames: [args.namespace] },
        endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s", scheme: "http" }],
      },
    }, { parent: this, dependsOn: [service] });

    this.serviceName = service.metadata.name;
    this.adminSecretName = admin.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${GRAFANA_PORT}`;
    this.registerOutputs({ serviceName: this.serviceName, adminSecretName: this.adminSecretName, url: this.url });
  }
}
