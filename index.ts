// The ONE-DATA-STUDIO platform program: read and validate the stack config once, then build the layers
// in order, each from its config section and the handles of the layers below, and export the outputs.
import { loadConfig } from "./config";
import { dataLayer } from "./layers/data";
import { infraLayer } from "./layers/infra";
import { modelLayer } from "./layers/model";
import { identityLayer } from "./layers/identity";
import { appsLayer } from "./layers/apps";
import { observabilityContent, observabilityLayer } from "./layers/observability";
import { edgeLayer } from "./layers/edge";
import { stackOutputs } from "./layers/outputs";

const cfg = loadConfig();

// L1: cluster, namespaces, GPU operator.
const infra = infraLayer(cfg, cfg.infra);
// L2: object store, MySQL, Redis, Milvus, the data API.
const data = dataLayer(cfg, cfg.data, { infra });
// L3: served models, their autoscaling, the model API.
const model = modelLayer(cfg, cfg.model, { infra, data });
// L4 identity: Keycloak, the realm, roles, groups, OIDC clients, Kubernetes access.
const identity = identityLayer(cfg, cfg.identity, { infra, data });
// L4 applications: the agent API and the web front end.
const apps = appsLayer(cfg, cfg.apps, { infra, data, model, identity });
// Across all: Prometheus, Alertmanager, Grafana, dashboards, alert rules.
const observability = observabilityLayer(cfg, cfg.observability, { infra, data, identity }, observabilityContent(cfg));
// Edge: certificates, Istio, the Gateway and a route per exposed service.
const edge = edgeLayer(cfg, cfg.edge, { infra, data, model, identity, apps, observability });

export const {
  environment,
  clusterName,
  kubeconfig,
  storageClass,
  kubernetesVersion,
  gpuCapacityTotal,
  gpuPools,
  namespaces,
  urls,
  dataServices,
  modelServices,
  endpoints,
} = stackOutputs(cfg, { infra, data, model, identity, apps, observability, edge });
