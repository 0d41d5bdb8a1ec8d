// The network flows the platform needs, one row each with the reason: the table plan/flows.ts checks
// every stack's NetworkPolicies against (nothing allowed that no row needs, nothing needed blocked).
import type { Layer } from "./cluster";

/** Pods a row talks about: by layer namespace, optionally narrowed to pods with these labels. */
export interface PodsSpec {
  layer: Layer;
  /** Pod labels (all must match). Absent: any pod of the namespace, including pods the plan cannot see. */
  labels?: Record<string, string>;
}

/** Where a needed flow comes from. */
export type FlowSourceSpec =
  | PodsSpec
  /** Addresses outside the cluster's pod network; `cidrs` absent: any address. */
  | { outside: true; cidrs?: string[] }
  /**
   * Any source at all, in or outside the cluster: for callers whose address the kit cannot know
   * (the API server calling a webhook, a laptop's host reaching a NodePort). Only a rule without
   * `from` grants it, so a row with it must say why nothing narrower works.
   */
  | { anywhere: true };

/** A port of the destination: a number, a container port's name, or "*" (every port). */
export type FlowPort = number | string;

export interface NeededFlow {
  /** Short, stable id used in messages ("apps-to-mysql"). */
  id: string;
  from: FlowSourceSpec;
  /** Destination pods; the row is skipped on a stack where no workload matches (e.g. MinIO where S3 serves). */
  to: PodsSpec;
  ports: FlowPort[];
  protocol?: "TCP" | "UDP" | "SCTP";
  /** Why the platform needs it: who calls, for what. */
  reason: string;
  /** Only where the destination runs at least this many replicas (flows that exist only in HA mode). */
  whenReplicasAtLeast?: number;
}

const DATA_API = { "app.kubernetes.io/name": "data-api" };
const KEYCLOAK = { "app.kubernetes.io/name": "keycloak" };
const PROMETHEUS = { "app.kubernetes.io/name": "prometheus" };
const ALERTMANAGER = { "app.kubernetes.io/name": "alertmanager" };
const GATEWAY = { app: "gateway", istio: "gateway" };
const ISTIOD = { app: "istiod", istio: "pilot" };
const MYSQL = { "app.kubernetes.io/name": "mysql", "app.kubernetes.io/created-by": "moco" };
const MOCO_CONTROLLER = { "app.kubernetes.io/name": "moco", "app.kubernetes.io/component": "moco-controller" };
const MINIO = { "app.kubernetes.io/name": "minio" };
const REDIS = { app: "redis-ha" };
const REDIS_HAPROXY = { app: "redis-ha-haproxy" };
const MILVUS = { "app.kubernetes.io/name": "milvus" };
const MILVUS_PROXY = { "app.kubernetes.io/name": "milvus", component: "proxy" };
const MILVUS_STANDALONE = { "app.kubernetes.io/name": "milvus", component: "standalone" };
const ETCD = { "app.kubernetes.io/name": "etcd" };
const ENGINE = { "app.kubernetes.io/name": "model-server" };
const ROUTER = { "app.kubernetes.io/name": "router", "app.kubernetes.io/component": "router" };
const KEDA_OPERATOR = { app: "keda-operator" };
const KEDA_METRICS_API = { app: "keda-operator-metrics-apiserver" };

/**
 * Application flows: who calls whom inside the platform. Scrapes by Prometheus, the API server's
 * webhook calls, `pulumi up`'s admin endpoints and the gateway's routes are not listed here: they are
 * derived from the plan's own declarations of them (ServiceMonitor/PodMonitor, webhook
 * configurations/APIService, admin Services, HTTPRoutes) in plan/flows.ts `derivedNeeds`.
 *
 * Sources are namespaces where the components admit a namespace (their callers are "the agent API in
 * apps", written as a namespace peer); narrowing a row to pod labels makes the check demand that the
 * policy narrows too.
 */
export const NEEDED_FLOWS: NeededFlow[] = [
  // L2: the data layer's clients.
  { id: "apps-to-mysql", from: { layer: "apps" }, to: { layer: "data", labels: MYSQL }, ports: [3306], reason: "the agent API's database and text-to-SQL's read-only user (layers/data.ts databaseConsumers)" },
  { id: "data-to-mysql", from: { layer: "data" }, to: { layer: "data", labels: MYSQL }, ports: [3306], reason: "the data API's database" },
  { id: "identity-to-mysql", from: { layer: "identity" }, to: { layer: "data", labels: MYSQL }, ports: [3306], reason: "Keycloak's database" },
  { id: "observability-to-mysql", from: { layer: "observability" }, to: { layer: "data", labels: MYSQL }, ports: [3306], reason: "Grafana's database (users, dashboards, annotations)" },
  { id: "mysql-peers", from: { layer: "data", labels: { "app.kubernetes.io/created-by": "moco" } }, to: { layer: "data", labels: MYSQL }, ports: [3306, 33062], reason: "semi-sync replication and clone between mysqld instances, and MOCO's backup/restore Jobs (all labelled created-by=moco)" },
  { id: "moco-to-mysql", from: { layer: "data", labels: MOCO_CONTROLLER }, to: { layer: "data", labels: MYSQL }, ports: [33062, 9080], reason: "the MOCO controller manages mysqld over the admin port and its agent over gRPC (failover, user setup, clone)" },
  { id: "apps-to-redis", from: { layer: "apps" }, to: { layer: "data", labels: REDIS }, ports: [6379], reason: "the agent API's sessions and cache" },
  { id: "apps-to-redis-sentinel", from: { layer: "apps" }, to: { layer: "data", labels: REDIS }, ports: [26379], whenReplicasAtLeast: 2, reason: "Sentinel-aware clients of the agent API ask Sentinel for the current master (replicated Redis only)" },
  { id: "data-to-redis", from: { layer: "data" }, to: { layer: "data", labels: REDIS }, ports: [6379], reason: "clients in Redis' own namespace (redis.ts gives that namespace its own password Secret); no data-layer service uses Redis yet" },
  { id: "data-to-redis-sentinel", from: { layer: "data" }, to: { layer: "data", labels: REDIS }, ports: [26379], whenReplicasAtLeast: 2, reason: "Sentinel-aware clients in Redis' own namespace (replicated Redis only)" },
  { id: "apps-to-redis-haproxy", from: { layer: "apps" }, to: { layer: "data", labels: REDIS_HAPROXY }, ports: [6379], reason: "the agent API's sessions and cache through HAProxy, which follows the current master (replicated Redis)" },
  { id: "data-to-redis-haproxy", from: { layer: "data" }, to: { layer: "data", labels: REDIS_HAPROXY }, ports: [6379], reason: "clients in Redis' own namespace through HAProxy (replicated Redis)" },
  { id: "haproxy-to-redis", from: { layer: "data", labels: REDIS_HAPROXY }, to: { layer: "data", labels: REDIS }, ports: [6379, 26379], reason: "HAProxy checks which server is master (and asks Sentinel) and forwards clients to it" },
  { id: "redis-peers", from: { layer: "data", labels: REDIS }, to: { layer: "data", labels: REDIS }, ports: [6379, 26379], reason: "replication and Sentinel's quorum between the Redis servers (and HAProxy's checks)" },
  { id: "apps-to-milvus", from: { layer: "apps" }, to: { layer: "data", labels: MILVUS_STANDALONE }, ports: [19530], reason: "RAG retrieval in the agent API (standalone Milvus)" },
  { id: "apps-to-milvus-proxy", from: { layer: "apps" }, to: { layer: "data", labels: MILVUS_PROXY }, ports: [19530], reason: "RAG retrieval in the agent API (cluster Milvus' proxy)" },
  { id: "model-to-milvus", from: { layer: "model" }, to: { layer: "data", labels: MILVUS_STANDALONE }, ports: [19530], reason: "embeddings written by the model layer (standalone Milvus)" },
  { id: "model-to-milvus-proxy", from: { layer: "model" }, to: { layer: "data", labels: MILVUS_PROXY }, ports: [19530], reason: "embeddings written by the model layer (cluster Milvus' proxy)" },
  { id: "data-to-milvus", from: { layer: "data" }, to: { layer: "data", labels: MILVUS_STANDALONE }, ports: [19530], reason: "the data API's collections (standalone Milvus)" },
  { id: "data-to-milvus-proxy", from: { layer: "data" }, to: { layer: "data", labels: MILVUS_PROXY }, ports: [19530], reason: "the data API's collections (cluster Milvus' proxy)" },
  { id: "milvus-peers", from: { layer: "data", labels: MILVUS }, to: { layer: "data", labels: MILVUS }, ports: ["*"], reason: "Milvus' coordinators, nodes and proxy talk to one another on ports the chart assigns per role (gRPC); standalone talks to itself" },
  { id: "milvus-to-etcd", from: { layer: "data", labels: MILVUS }, to: { layer: "data", labels: ETCD }, ports: [2379], reason: "Milvus' metadata and service discovery live in etcd" },
  { id: "etcd-peers", from: { layer: "data", labels: ETCD }, to: { layer: "data", labels: ETCD }, ports: [2379, 2380], reason: "etcd's raft peers and their client port" },
  { id: "apps-to-object-store", from: { layer: "apps" }, to: { layer: "data", labels: MINIO }, ports: [9000], reason: "the agent API reads datasets (S3 API)" },
  { id: "data-to-object-store", from: { layer: "data" }, to: { layer: "data", labels: MINIO }, ports: [9000], reason: "the data API's buckets, Milvus' segments, MySQL backups (S3 API)" },
  { id: "model-to-object-store", from: { layer: "model" }, to: { layer: "data", labels: MINIO }, ports: [9000], reason: "the weight fetch Job fills the models bucket; serving pods copy the weights from it" },
  { id: "apps-to-data-api", from: { layer: "apps" }, to: { layer: "data", labels: DATA_API }, ports: [8080], reason: "the agent API reads text-to-SQL metadata from the data API" },
  { id: "model-to-data-api", from: { layer: "model" }, to: { layer: "data", labels: DATA_API }, ports: [8080], reason: "the model layer calls the data API (layers/data.ts callers)" },

  // L3: the model layer.
  { id: "router-to-engines", from: { layer: "model" }, to: { layer: "model", labels: ENGINE }, ports: [8000], reason: "the model API router forwards OpenAI requests to each engine (and the scale-from-zero path)" },
  { id: "apps-to-engines", from: { layer: "apps" }, to: { layer: "model", labels: ENGINE }, ports: [8000], reason: "the agent API may call an engine directly (layers/model.ts callers)" },
  { id: "data-to-engines", from: { layer: "data" }, to: { layer: "model", labels: ENGINE }, ports: [8000], reason: "the data layer's embedding jobs call an engine (layers/model.ts callers)" },
  { id: "apps-to-model-api", from: { layer: "apps" }, to: { layer: "model", labels: ROUTER }, ports: [8000], reason: "the agent API's LLM calls go through the model API router" },
  { id: "keda-metrics-to-operator", from: { layer: "model", labels: KEDA_METRICS_API }, to: { layer: "model", labels: KEDA_OPERATOR }, ports: [9666], reason: "KEDA's metrics API server asks the operator for scaler values over gRPC" },
  { id: "keda-to-prometheus", from: { layer: "model" }, to: { layer: "observability", labels: PROMETHEUS }, ports: [9090], reason: "KEDA's Prometheus scaler queries vllm:num_requests_waiting and the router's request counter" },

  // L4 identity.
  { id: "keycloak-peers", from: { layer: "identity", labels: KEYCLOAK }, to: { layer: "identity", labels: KEYCLOAK }, ports: [7800, 57800], whenReplicasAtLeast: 2, reason: "Keycloak's replicas share sessions and caches over JGroups (and its failure detection)" },
  { id: "data-to-keycloak", from: { layer: "data" }, to: { layer: "identity", labels: KEYCLOAK }, ports: [8080], reason: "the data API fetches the realm's keys (JWKS) to check bearer tokens (Keycloak admits namespaces, as for the apps layer)" },
  { id: "apps-to-keycloak", from: { layer: "apps" }, to: { layer: "identity", labels: KEYCLOAK }, ports: [8080], reason: "the agent API fetches the realm's keys (JWKS) and exchanges tokens in the cluster" },
  { id: "observability-to-keycloak", from: { layer: "observability" }, to: { layer: "identity", labels: KEYCLOAK }, ports: [8080], reason: "Grafana's sign-on exchanges the code for tokens and reads userinfo" },

  // Observability: the monitoring stack's own traffic (Prometheus' scrapes are derived from the monitors).
  { id: "grafana-to-prometheus", from: { layer: "observability" }, to: { layer: "observability", labels: PROMETHEUS }, ports: [9090], reason: "Grafana's Prometheus data source (and Prometheus scraping itself)" },
  { id: "prometheus-to-alertmanager", from: { layer: "observability" }, to: { layer: "observability", labels: ALERTMANAGER }, ports: [9093], reason: "Prometheus sends alerts to Alertmanager; Grafana's Alertmanager data source reads them" },
  { id: "alertmanager-peers", from: { layer: "observability", labels: ALERTMANAGER }, to: { layer: "observability", labels: ALERTMANAGER }, ports: [9094], whenReplicasAtLeast: 2, reason: "Alertmanager's replicas gossip silences and notifications (TCP)" },
  { id: "alertmanager-peers-udp", from: { layer: "observability", labels: ALERTMANAGER }, to: { layer: "observability", labels: ALERTMANAGER }, ports: [9094], protocol: "UDP", whenReplicasAtLeast: 2, reason: "Alertmanager's replicas gossip silences and notifications (UDP)" },

  // Edge: users reach the gateway; the gateway's routes to each service are derived from the HTTPRoutes.
  { id: "outside-to-gateway", from: { anywhere: true }, to: { layer: "edge", labels: GATEWAY }, ports: [80, 443, 15021], reason: "users reach every public host through the gateway's load balancer (or node ports on a laptop), and load balancers probe its status port; client addresses are the internet's" },
  { id: "gateway-to-istiod", from: { layer: "edge", labels: GATEWAY }, to: { layer: "edge", labels: ISTIOD }, ports: [15012], reason: "the gateway's Envoy gets its configuration (xDS) and certificates from istiod" },
];
