// The ONE-DATA-STUDIO platform program: read and validate the stack config once, then build the layers
// in order, each from its config section and the handles of the layers below, and export the outputs.
import { loadConfig } from "./config";
import { dataLayer } from "./layers/data";
import { infraLayer } from "./layers/infra";
import { modelLayer } from "./layers/model";
import { stackOutputs } from "./layers/outputs";

const cfg = loadConfig();

// L1: cluster, namespaces, GPU operator.
const infra = infraLayer(cfg, cfg.infra);
// L2: object store, MySQL, Redis, Milvus, the data API.
const data = dataLayer(cfg, cfg.data, { infra });
// L3: served models, their autoscaling, the model API.
const model = modelLayer(cfg, cfg.model, { infra, data });

export const {
  environment,
  clusterName,
  kubeconfig,
  storageClass,
  kubernetesVersion,
  gpuCapacityTotal,
  gpuPools,
  namespaces,
  dataServices,
  modelServices,
  endpoints,
} = stackOutputs(cfg, { infra, data, model });
