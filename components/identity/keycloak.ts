// Keycloak on the platform's MySQL: the official image on the kit's own Deployment (clustered through the
// database where there is more than one pod), the generated bootstrap admin in a Secret, hostname v2 set
// to the public URL behind the gateway, health and metrics on the management port, the admin route for
// `pulumi up` (AdminEndpoint) and the @pulumi/keycloak provider configured only once Keycloak answers.
import * as k8s from "@pulumi/kubernetes";
import * as keycloak from "@pulumi/keycloak";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AdminAccessSettings, AdminEndpoint } from "../data/adminEndpoint";
import { ContainerResources, DB_SECRET_KEYS } from "../data/contracts";
import { containerResources } from "../apps/appService";
import { k8sName, standardLabels } from "../lib/naming";
import { KEYCLOAK_PORTS, keycloakInternalUrl } from "./contracts";

// Their home is the identity contracts (config derives the realm's endpoints from them); kept importable here.
export { KEYCLOAK_PORTS, keycloakInternalUrl };
import { namespacePeer, tcpPorts } from "../lib/network";
import { quantityValue } from "../lib/quantity";
import type { ExposedService } from "../edge/contracts";
import { spreadOverNodesAndZones } from "../lib/scheduling";

/** Keycloak's ports: HTTP (served behind the gateway's TLS) and the management interface (health, metrics). */

/** The image's numeric user (the official image runs as 1000, group 0). */
export const KEYCLOAK_UID = 1000;

/** Name of the bootstrap admin, and the keys of its Secret. */
export const BOOTSTRAP_ADMIN = { username: "admin", keys: { username: "username", password: "password" } } as const;

const PINNED_IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/;

export interface KeycloakArgs {
  namespace: pulumi.Input<string>;
  /** Image pinned by tag or digest, e.g. quay.io/keycloak/keycloak:26.5.6. */
  image: string;
  /** Pods; more than one forms one cluster (Infinispan, discovery through the database) with a PDB and spreading. */
  replicas: number;
  resources: ContainerResources;
  /** The public URL (hostname v2 takes a full URL): https://auth.<domain>. */
  publicUrl: string;
  /** The platform realm, the only one the gateway publishes (the master realm stays inside). */
  realm: string;
  /** Secret with the database's host, port, database, username, password (DB_SECRET_KEYS) in `namespace`. */
  databaseSecret: pulumi.Input<string>;
  /** How `pulumi up` reaches the admin API, and the node port in nodePort mode. */
  access: AdminAccessSettings & { nodePort: number };
  /** Namespaces whose pods call Keycloak inside the cluster (token introspection, JWKS). */
  clientNamespaces: pulumi.Input<string>[];
  /** Namespace of Prometheus, allowed to scrape the management port. */
  monitoringNamespace: pulumi.Input<string>;
  /** Resources the pods must start after (the database and its user). */
  dependsOn?: pulumi.Resource[];
  /** Resources the ServiceMonitor must wait for (the Prometheus operator's CRDs). */
  monitorDependsOn?: pulumi.Resource[];
}

/** Every problem with the args, each naming the argument, its value and what is allowed (pure). */
export function keycloakProblems(args: Pick<KeycloakArgs, "image" | "replicas" | "resources" | "publicUrl">): string[] {
  const p: string[] = [];
  const v = (x: unknown) => JSON.stringify(x);
  if (!PINNED_IMAGE.test(args.image)) p.push(`image ${v(args.image)} is not pinned; allowed: an image with a tag or digest such as quay.io/keycloak/keycloak:26.5.6`);
  else if (/:latest$/i.test(args.image)) p.push(`image ${v(args.image)} uses the tag latest; allowed: a pinned version tag or a digest`);
  if (!Number.isInteger(args.replicas) || args.replicas < 1 || args.replicas > 10) p.push(`replicas ${v(args.replicas)} is out of range; allowed: an integer 1-10`);
  if (!/^https:\/\/[a-z0-9.-]+$/.test(args.publicUrl)) p.push(`publicUrl ${v(args.publicUrl)} is not an https origin; allowed: https://<host> with no path (hostname v2 takes the full URL)`);
  const r = args.resources;
  const req = quantityValue(r.requests.memory);
  const lim = quantityValue(r.limits.memory);
  if (req === undefined || lim === undefined || quantityValue(r.requests.cpu) === undefined) p.push(`resources ${v(r)} has a value that is not a Kubernetes quantity; allowed: e.g. 500m, 1Gi`);
  else if (req > lim) p.push(`resources.requests.memory ${r.requests.memory} is above resources.limits.memory ${r.limits.memory}; allowed: request <= limit`);
  else if (lim < 1024 ** 3) p.push(`resources.limits.memory ${r.limits.memory} is below 1Gi; allowed: 1Gi or more (Keycloak's JVM takes 70% of the limit as heap)`);
  return p;
}

/**
 * Keycloak's environment (pure): plain settings as literals, every credential from a Secret key. The
 * database and the bootstrap admin come from `databaseSecret` and `adminSecret`.
 */
export function keycloakEnv(args: { publicUrl: string; replicas: number }, databaseSecret: pulumi.Input<string>, adminSecret: pulumi.Input<string>) {
  const fromSecret = (name: string, secret: pulumi.Input<string>, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key, optional: false } } });
  return [
    { name: "KC_DB", value: "mysql" },
    fromSecret("KC_DB_URL_HOST", databaseSecret, DB_SECRET_KEYS.host),
    fromSecret("KC_DB_URL_PORT", databaseSecret, DB_SECRET_KEYS.port),
    fromSecret("KC_DB_URL_DATABASE", databaseSecret, DB_SECRET_KEYS.database),
    fromSecret("KC_DB_USERNAME", databaseSecret, DB_SECRET_KEYS.user),
    fromSecret("KC_DB_PASSWORD", databaseSecret, DB_SECRET_KEYS.password),
    // Hostname v2: the frontend URL is the gateway's; back-channel calls (the provider through the admin
    // endpoint, services inside the cluster) may use the address they came in on.
    { name: "KC_HOSTNAME", value: args.publicUrl },
    { name: "KC_HOSTNAME_BACKCHANNEL_DYNAMIC", value: "true" },
    // The gateway publishes only the platform realm and the static resources; the admin console (and the
    // master realm) stay inside, reached with `kubectl port-forward` on this address.
    { name: "KC_HOSTNAME_ADMIN", value: ADMIN_CONSOLE_URL },
    // TLS ends at the gateway, which sets X-Forwarded-* on the plain-HTTP hop to Keycloak.
    { name: "KC_HTTP_ENABLED", value: "true" },
    { name: "KC_HTTP_PORT", value: String(KEYCLOAK_PORTS.http) },
    { name: "KC_PROXY_HEADERS", value: "xforwarded" },
    { name: "KC_HTTP_MANAGEMENT_PORT", value: String(KEYCLOAK_PORTS.management) },
    { name: "KC_HEALTH_ENABLED", value: "true" },
    { name: "KC_METRICS_ENABLED", value: "true" },
    // One pod keeps its caches to itself; more form one Infinispan cluster that finds its members through
    // the database (jdbc-ping), so no headless Service or pod-listing RBAC is needed.
    { name: "KC_CACHE", value: args.replicas > 1 ? "ispn" : "local" },
    ...(args.replicas > 1 ? [{ name: "KC_CACHE_STACK", value: "jdbc-ping" }] : []),
    { name: "KC_LOG_CONSOLE_OUTPUT", value: "json" },
    fromSecret("KC_BOOTSTRAP_ADMIN_USERNAME", adminSecret, BOOTSTRAP_ADMIN.keys.username),
    fromSecret("KC_BOOTSTRAP_ADMIN_PASSWORD", adminSecret, BOOTSTRAP_ADMIN.keys.password),
  ];
}

/** Names, labels and the pod spec (pure); throws one error naming every bad argument. */
export function keycloakPlan(name: string, args: Pick<KeycloakArgs, "image" | "replicas" | "resources" | "publicUrl">) {
  const problems = keycloakProblems(args);
  if (problems.length > 0) throw new Error(`Keycloak ${name}: ${problems.join("; ")}`);
  const objectName = k8sName(name);
  const labels = standardLabels("keycloak", objectName, "identity");
  const selector = { "app.kubernetes.io/name": "keycloak", "app.kubernetes.io/instance": objectName };
  const replicated = args.replicas > 1;
  const mgmt = (path: string) => ({ httpGet: { path, port: "management", scheme: "HTTP" } });
  const uid = KEYCLOAK_UID;
  const container = {
    name: "keycloak",
    image: args.image,
    imagePullPolicy: "IfNotPresent",
    // `start` builds the configured features at boot (no custom image needed), then serves.
    args: ["start"],
    ports: [
      { name: "http", containerPort: KEYCLOAK_PORTS.http, protocol: "TCP" },
      { name: "management", containerPort: KEYCLOAK_PORTS.management, protocol: "TCP" },
      // Infinispan's JGroups transport and failure detection between pods of the same namespace.
      ...(replicated ? [{ name: "jgroups", containerPort: KEYCLOAK_CLUSTER_PORTS[0], protocol: "TCP" }, { name: "jgroups-fd", containerPort: KEYCLOAK_CLUSTER_PORTS[1], protocol: "TCP" }] : []),
    ],
    resources: containerResources(args.resources),
    // The first boot builds and migrates the schema: up to 10 minutes before liveness takes over.
    startupProbe: { ...mgmt("/health/started"), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 120 },
    readinessProbe: { ...mgmt("/health/ready"), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { ...mgmt("/health/live"), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      allowPrivilegeEscalation: false,
      privileged: false,
      // `start` writes the build result under /opt/keycloak, so the root file system stays writable.
      readOnlyRootFilesystem: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
  };
  const topologySpreadConstraints = replicated
    ? spreadOverNodesAndZones(selector) : undefined;
  return {
    objectName,
    labels,
    selector,
    replicated,
    container,
    podSpec: {
      serviceAccountName: objectName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 60,
      securityContext: { runAsNonRoot: true, runAsUser: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } },
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
      ...(topologySpreadConstraints ? { topologySpreadConstraints } : {}),
    },
  };
}

/** Where the admin console answers: through `kubectl port-forward svc/<keycloak> 8080:8080`, never the gateway. */
export const ADMIN_CONSOLE_URL = "http://localhost:8080";


/** Path prefixes the gateway routes to Keycloak (pure): the realm's endpoints and the static resources its pages load. */
export function publishedPaths(realm: string): string[] {
  return [`/realms/${realm}`, "/resources"];
}

/** Ports of Keycloak's cluster traffic between replicas (JGroups and its failure detection). */
export const KEYCLOAK_CLUSTER_PORTS = [7800, 57800] as const;

/**
 * Ingress through the namespace's default deny (pure): in-cluster clients on HTTP, Prometheus on the
 * management port, and with several replicas the replicas' cluster traffic (peers only: the selector).
 */
export function keycloakIngress(clientNamespaces: pulumi.Input<string>[], monitoringNamespace: pulumi.Input<string>, peers?: Record<string, string>) {
  return [
    ...(clientNamespaces.length > 0 ? [{ from: clientNamespaces.map(namespacePeer), ports: tcpPorts(KEYCLOAK_PORTS.http) }] : []),
    { from: [namespacePeer(monitoringNamespace)], ports: tcpPorts(KEYCLOAK_PORTS.management) },
    ...(peers ? [{ from: [{ podSelector: { matchLabels: peers } }], ports: tcpPorts(...KEYCLOAK_CLUSTER_PORTS) }] : []),
  ];
}

export class Keycloak extends pulumi.ComponentResource {
  /** The provider for every @pulumi/keycloak resource: configured only once Keycloak accepts connections. */
  readonly provider: keycloak.Provider;
  /** In-cluster base URL: http://<svc>.<ns>.svc.cluster.local:8080 */
  readonly internalUrl: pulumi.Output<string>;
  /** Name of the Secret holding the bootstrap admin (keys username, password). */
  readonly adminSecret: pulumi.Output<string>;
  /** Keycloak's Service, for the gateway. */
  /** What the gateway publishes: the platform realm's endpoints and the static resources, nothing else. */
  readonly exposed: ExposedService[];

  constructor(name: string, args: KeycloakArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:identity:Keycloak", name, {}, opts);
    const plan = keycloakPlan(name, args);
    const meta = (suffix = "") => ({ name: suffix ? `${plan.objectName}-${suffix}` : plan.objectName, namespace: args.namespace, labels: plan.labels });

    const password = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this });
    const adminSecret = new k8s.core.v1.Secret(`${name}-admin`, {
      metadata: meta("admin"),
      type: "Opaque",
      stringData: { [BOOTSTRAP_ADMIN.keys.username]: BOOTSTRAP_ADMIN.username, [BOOTSTRAP_ADMIN.keys.password]: pulumi.secret(password.result) },
    }, { parent: this });

    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(), automountServiceAccountToken: false }, { parent: this });

    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta(),
      spec: {
        replicas: args.replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 900,
        selector: { matchLabels: plan.selector },
        // One pod at a time, never below the count: sessions live in the cluster's distributed caches.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: plan.labels },
          spec: { ...plan.podSpec, containers: [{ ...plan.container, env: keycloakEnv(args, args.databaseSecret, adminSecret.metadata.name) }] },
        },
      },
    }, { parent: this, dependsOn: [sa, ...(args.dependsOn ?? [])] });

    const service = new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta(),
      spec: {
        type: "ClusterIP",
        selector: plan.selector,
        ports: [
          { name: "http", protocol: "TCP", port: KEYCLOAK_PORTS.http, targetPort: "http" },
          { name: "management", protocol: "TCP", port: KEYCLOAK_PORTS.management, targetPort: "management" },
        ],
      },
    }, { parent: this });

    if (plan.replicated) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
        metadata: meta(),
        spec: { maxUnavailable: 1, selector: { matchLabels: plan.selector } },
      }, { parent: this });
    }

    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: meta(),
      spec: { podSelector: { matchLabels: plan.selector }, policyTypes: ["Ingress"], ingress: keycloakIngress(args.clientNamespaces, args.monitoringNamespace, plan.replicated ? plan.selector : undefined) },
    }, { parent: this });

    new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(),
      spec: {
        selector: { matchLabels: plan.selector },
        endpoints: [{ port: "management", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
      },
    }, { parent: this, dependsOn: [service, ...(args.monitorDependsOn ?? [])] });

    // The route `pulumi up` takes to the admin API; resolves only once a Keycloak pod is ready.
    const admin = new AdminEndpoint(`${name}-admin-endpoint`, {
      namespace: args.namespace,
      serviceName: k8sName(plan.objectName, "admin"),
      selector: plan.selector,
      port: KEYCLOAK_PORTS.http,
      nodePort: args.access.nodePort,
      access: args.access,
      app: "keycloak",
      serverReady: [deployment],
    }, { parent: this });

    this.provider = new keycloak.Provider(`${name}-provider`, {
      url: pulumi.interpolate`http://${admin.host}:${admin.port}`,
      realm: "master",
      clientId: "admin-cli",
      username: BOOTSTRAP_ADMIN.username,
      password: pulumi.secret(password.result),
      // Log in on the first API call, not when configured: a preview never needs a running Keycloak.
      initialLogin: false,
      clientTimeout: 60,
    }, { parent: this });

    this.adminSecret = adminSecret.metadata.name;
    this.internalUrl = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${KEYCLOAK_PORTS.http}`;
    this.exposed = publishedPaths(args.realm).map((pathPrefix) => ({ host: "keycloak" as const, namespace: args.namespace, service: service.metadata.name, port: KEYCLOAK_PORTS.http, pods: plan.selector, targetPort: KEYCLOAK_PORTS.http, pathPrefix }));
    this.registerOutputs({ internalUrl: this.internalUrl, adminSecret: this.adminSecret, service: service.metadata.name });
  }
}
