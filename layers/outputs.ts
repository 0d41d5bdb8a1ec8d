// The stack outputs, from the handles of every layer.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";
import { ModelHandle } from "./model";
import { IdentityHandle } from "../components/identity/contracts";
import { AppsHandle } from "./apps";
import { ObservabilityHandle } from "./observability";
import { EdgeHandle } from "./edge";

export interface Layers {
  infra: InfraHandle;
  data: DataHandle;
  model: ModelHandle;
  identity: IdentityHandle;
  apps: AppsHandle;
  observability: ObservabilityHandle;
  edge: EdgeHandle;
}

export function stackOutputs(platform: PlatformConfig, { infra, data, model, identity, apps, edge }: Layers) {
  const c = infra.cluster;
  return {
    environment: platform.environment,
    clusterName: c.name,
    kubeconfig: pulumi.secret(c.kubeconfig),
    storageClass: c.storageClass,
    /** Kubernetes minor version the program targets; the offline plan renders Helm charts for it. */
    kubernetesVersion: c.kubernetesVersion,
    gpuCapacityTotal: c.gpu.capacity,
    gpuPools: c.gpu.pools.map((p) => ({ name: p.name, gpuType: p.gpuType, capacityType: p.capacityType, instanceTypes: p.instanceTypes, minSize: p.minSize, maxSize: p.maxSize, nodeGroupName: p.nodeGroupName })),
    namespaces: c.namespaces,
    /** Where the data services are inside the cluster, and the names (never the values) of their credential Secrets. */
    dataServices: {
      objectStore: { kind: data.objectStore.kind, endpoint: data.objectStore.endpoint, region: data.objectStore.region, buckets: data.objectStore.buckets },
      mysql: { host: data.mysql.host, port: data.mysql.port, replicaHost: data.mysql.replicaHost, credentials: Object.fromEntries(Object.entries(data.mysql.access).map(([k, a]) => [k, a.secretName])) },
      redis: { host: data.redis.host, port: data.redis.port, sentinel: data.redis.sentinel, passwordSecret: data.redis.passwordSecret },
      milvus: { endpoint: data.milvus.endpoint },
    },
    /** Public base URL (https://<host>) of every service the gateway publishes, by host key (web, agentApi, dataApi, modelApi, keycloak, grafana, minioConsole, s3). */
    urls: edge.urls,
    /**
     * The model API (OpenAI-compatible, `<url>/chat/completions`): in the cluster (`url`) and through the
     * gateway (`publicUrl`), the Secret holding its key (name and key, never the value) and the served
     * model names.
     */
    modelServices: {
      api: {
        url: model.api.url,
        ...(edge.urls.modelApi ? { publicUrl: `${edge.urls.modelApi}/v1` } : {}),
        apiKeySecret: model.api.apiKey.secretName,
        apiKeySecretKey: model.api.apiKey.key,
      },
      models: model.servedModels,
      engines: model.engines,
    },
    /**
     * What the performance gate tests (loadtests/runner/endpoints.ts reads this shape): in-cluster URLs,
     * so the gate measures the services rather than the gateway and the local CA's trust; run it in the
     * cluster or through port-forwards. The auth flow uses the public token endpoint.
     */
    endpoints: {
      llm: {
        baseUrl: model.api.url.apply((u) => u.replace(/\/v1$/, "")),
        model: model.servedModels[0],
        ...(model.metricsUrl ? { metricsUrl: model.metricsUrl } : {}),
      },
      dataApi: { baseUrl: data.dataApi.url },
      milvus: { baseUrl: data.milvus.endpoint },
      objectStore: { baseUrl: data.objectStore.endpoint, region: data.objectStore.region },
      ...(apps.agentApi ? { agentApi: { baseUrl: apps.agentApi.url } } : {}),
      ...(apps.web ? { web: { baseUrl: apps.web.url } } : {}),
      // The auth flow (client credentials): the agent API's confidential client; its secret comes from the environment.
      keycloak: { tokenUrl: identity.tokenEndpoint, clientId: identity.clients["agent-api"].clientId },
    },
  };
}
