// L3 ("Cube"): every configured model served by vLLM (or its CPU build, or a vLLM simulator on laptops),
// autoscaled by KEDA on vLLM's own queue metric, behind one OpenAI-compatible model API.
import type { ModelConfig, PlatformConfig } from "../config";
import type { ServingPool, WeightStore } from "../components/model/contracts";
import { Keda } from "../components/model/keda";
import { ModelApi, ModelApiKey } from "../components/model/modelApi";
import { ModelServing, ModelWeightAccess } from "../components/model/modelServing";
import type { GpuPoolInfo } from "../components/lib/cluster";
import type { ExposedService } from "../components/edge/contracts";
import { baseName } from "../components/lib/naming";
import { GPU_TAINT } from "../components/infra/gpuNodePool";
import type { DataHandle } from "./data";
import type { InfraHandle } from "./infra";
import * as pulumi from "@pulumi/pulumi";

export interface ModelHandle {
  /** The model API: in-cluster base URL (without /v1), its port, and the API key's Secret (name and key). */
  api: { url: pulumi.Output<string>; apiKey: { secretName: pulumi.Input<string>; key: string }; appsApiKey: { secretName: pulumi.Input<string>; key: string } };
  /** Served model names, in config order (the first is the default for clients and the gate). */
  servedModels: string[];
  /** Per model: its engine's in-cluster URL. */
  engines: Record<string, pulumi.Output<string>>;
  /** A vLLM /metrics URL the gate can diff over a run; only when the first model has one replica at most. */
  metricsUrl?: pulumi.Output<string>;
  /** What the edge gateway publishes: the model API (the router's Service). */
  exposed: ExposedService[];
}

/** Prometheus as KEDA queries it: the operator's `prometheus-operated` Service in the observability namespace. */
export function prometheusUrl(observabilityNamespace: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`http://prometheus-operated.${observabilityNamespace}.svc.cluster.local:9090`;
}

/** The GPU pool a model runs on: a pool of the EKS cluster, or on an existing cluster its GPU nodes as one pool. */
export function servingPool(poolName: string | undefined, pools: GpuPoolInfo[], existingGpus: number): ServingPool {
  if (poolName !== undefined) {
    const p = pools.find((x) => x.name === poolName);
    if (!p) throw new Error(`model pool "${poolName}" is not a GPU pool of the cluster (pools: ${pools.map((x) => x.name).join(", ") || "none"})`);
    return { name: p.name, gpusPerNode: p.gpusPerNode, nodeSelector: p.nodeSelector, taint: p.taint };
  }
  // An existing cluster: GPU nodes carry the GPU operator's resource and, by convention, the GPU taint.
  return { name: "cluster", gpusPerNode: Math.max(1, existingGpus), nodeSelector: {}, taint: GPU_TAINT };
}

export function modelLayer(platform: PlatformConfig, cfg: ModelConfig, { infra, data }: { infra: InfraHandle; data: DataHandle }): ModelHandle {
  const base = baseName(platform);
  const c = infra.cluster;
  const ns = c.namespaces;
  const k8sOpts = { providers: { kubernetes: c.provider } };
  // ServiceMonitors and ScaledObjects need their CRDs: the Prometheus operator's from L1, KEDA's from its chart.
  const monitors = c.prometheusCrds ? [c.prometheusCrds] : [];

  const keda = new Keda(`${base}-keda`, {
    namespace: ns.model,
    highAvailability: platform.highAvailability,
    monitoringNamespace: ns.observability,
  }, { ...k8sOpts, dependsOn: monitors });

  // One key for every engine and the router: created first, read by both from the same Secret. The agent
  // API reads its copy in the apps namespace (appsApiKey).
  const apiKey = new ModelApiKey(`${base}-model-api-key`, { namespace: ns.model, copies: { apps: ns.apps } }, k8sOpts);

  const store = data.objectStore;
  const weightStore = (consumer: "model-cache" | "model-fetch"): WeightStore => ({
    endpoint: store.endpoint,
    region: store.region,
    pathStyle: store.pathStyle,
    bucket: store.buckets.models,
    access: store.access[consumer],
    ready: store.ready,
  });
  const usesWeights = cfg.engine !== "simulator";
  const weights = usesWeights ? { read: weightStore("model-cache"), fetch: weightStore("model-fetch") } : undefined;
  // The object-store service accounts are the namespace's, shared by every model's pods: declared once.
  const weightAccess = weights ? new ModelWeightAccess(`${base}-model-weights`, { namespace: ns.model, weights }, k8sOpts) : undefined;
  const existingGpus = c.gpu.pools.length === 0 ? c.gpu.capacity : 0;

  const served = cfg.models.map(
    (m) =>
      new ModelServing(`${base}-model-${m.name}`, {
        namespace: ns.model,
        model: m,
        engine: cfg.engine,
        images: cfg.images,
        pool: cfg.engine === "vllm-gpu" ? servingPool(m.pool, c.gpu.pools, existingGpus) : undefined,
        simulator: cfg.engine === "simulator" ? cfg.simulator : undefined,
        weights,
        createServiceAccounts: false,
        apiKey: apiKey.ref,
        autoscaling: { ...cfg.autoscaling, scaleToZero: m.scaleToZero, prometheusUrl: prometheusUrl(ns.observability) },
        // The router (same namespace), the agent API, and the data layer's embedding jobs.
        callers: [ns.model, ns.apps, ns.data],
        monitoringNamespace: ns.observability,
        scalerReady: [keda.ready],
      }, { ...k8sOpts, dependsOn: [...monitors, apiKey, ...(weightAccess ? [weightAccess, ...store.ready] : [])] }),
  );

  const api = new ModelApi(`${base}-model-api`, {
    namespace: ns.model,
    models: served.map((s) => ({ servedModelName: s.servedModelName, url: s.url, serviceName: s.serviceName })),
    replicas: { min: cfg.api.replicas, max: cfg.api.replicas },
    resources: cfg.api.resources,
    monitoringNamespace: ns.observability,
    // The agent API calls it; the edge gateway's own NetworkPolicy (layers/edge.ts) admits the public route.
    callers: [ns.apps],
    apiKey,
    dependsOn: served,
  }, { ...k8sOpts, dependsOn: monitors });

  const first = cfg.models[0];
  return {
    exposed: [{ host: "modelApi", namespace: ns.model, service: api.serviceName, port: api.port, pods: api.podLabels, targetPort: api.port }],
    api: { url: api.url, apiKey: apiKey.ref, appsApiKey: apiKey.copies.apps },
    servedModels: cfg.models.map((m) => m.servedModelName),
    engines: Object.fromEntries(served.map((s, i) => [cfg.models[i].name, s.url])),
    ...(first.replicas.max <= 1 ? { metricsUrl: pulumi.interpolate`${served[0].url}/metrics` } : {}),
  };
}
