// L1 (infra section, `ods:infra`): the cluster (EKS or existing), GPU pools, the GPU operator, per-layer namespaces.
import { z } from "zod";
import type { LimitRangeSettings, QuotaSettings } from "../../components/infra/namespaces";
import { Layer, LAYERS } from "../../components/lib/cluster";
import { subnetLayoutProblems } from "../../components/infra/subnets";
import { limitRangeProblems } from "../../components/infra/namespaces";
import { familyOf, isAcceleratedInstance, NVIDIA_GPU_FAMILIES, nvidiaGpusOf } from "../../policies/rules/lib/instances";
import { checkScaling, cidr, count, dnsLabel, instanceType, isWorldOpenCidr, quantity, scaling } from "./common";

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
export const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** gp3 root volumes: at least `min` GiB, at most EBS's 16 TiB. */
const diskSize = (min: number) => z.number().int().min(min, { error: `must be >= ${min} GiB` }).max(16384, { error: "must be <= 16384 GiB (the largest gp3 volume)" });
const KUBERNETES_VERSION = z.string().regex(/^1\.\d{2}$/, { error: 'must be a Kubernetes minor version such as "1.35"' });

export const systemNodesSchema = z
  .strictObject({
    /** EC2 instance types for the system node group (first is preferred); CPU families only. */
    instanceTypes: z.array(instanceType).min(1, { error: "needs at least one instance type" }),
    ...scaling,
    /** Root volume size in GiB (gp3, encrypted). Default 50. */
    diskSizeGiB: diskSize(20).default(50),
  })
  .superRefine((s, ctx) => {
    checkScaling(s, ctx);
    s.instanceTypes.forEach((t, i) => {
      if (isAcceleratedInstance(t)) ctx.addIssue({ code: "custom", path: ["instanceTypes", i], message: `${t} is a GPU/accelerator instance type; allowed: CPU instance types (GPUs belong in gpuPools, tainted so only GPU workloads land there)` });
    });
  });

export const awsSchema = z
  .strictObject({
    /** AWS region, e.g. us-east-1. */
    region: z.string().regex(AWS_REGION, { error: "must be an AWS region such as us-east-1" }),
    /** Availability zones for subnets and node groups (all in `region`). */
    availabilityZones: z.array(z.string().min(1)).min(2, { error: "EKS needs subnets in at least 2 availability zones" }),
    /** VPC CIDR, /16 to /20; the kit carves one public and one private subnet per AZ out of it. Default 10.0.0.0/16. */
    vpcCidr: cidr.default("10.0.0.0/16"),
    /** NAT gateways: one shared ("single", cheaper) or one per AZ ("perAz", no cross-AZ dependency). Default single. */
    natGateways: z.enum(["single", "perAz"]).default("single"),
    /** EKS Kubernetes version, e.g. "1.35". */
    kubernetesVersion: KUBERNETES_VERSION,
    /** API endpoint access. Default private only. */
    endpoint: z
      .strictObject({
        privateAccess: z.boolean().default(true),
        publicAccess: z.boolean().default(false),
        /** CIDRs allowed to reach a public endpoint; required (non-empty) when publicAccess is true. */
        publicAccessCidrs: z.array(cidr).default([]),
        /** Why the API may be reached from the whole internet; required for a CIDR wider than /8, such as 0.0.0.0/0. */
        worldOpenReason: z.string().min(20, { error: "must say why in at least 20 characters" }).optional(),
      })
      .superRefine((e, ctx) => {
        e.publicAccessCidrs.forEach((c, i) => {
          if (isWorldOpenCidr(c) && !e.worldOpenReason) {
            ctx.addIssue({ code: "custom", path: ["publicAccessCidrs", i], message: "opens the Kubernetes API to (nearly) the whole internet; allowed: the CIDRs of your office, VPN or CI runners, or set endpoint.worldOpenReason to say why it must be world-open" });
          }
        });
        if (!e.privateAccess && !e.publicAccess) {
          ctx.addIssue({ code: "custom", path: ["privateAccess"], message: "privateAccess and publicAccess are both false; allowed: at least one of them true" });
        }
        if (e.publicAccess && e.publicAccessCidrs.length === 0) {
          ctx.addIssue({ code: "custom", path: ["publicAccessCidrs"], message: "publicAccess is true but no publicAccessCidrs are given; allowed: a non-empty list of CIDRs (name them, do not open 0.0.0.0/0 by default)" });
        }
      })
      .default({ privateAccess: true, publicAccess: false, publicAccessCidrs: [] }),
    /** Control-plane log types sent to CloudWatch. Default: all five. */
    logTypes: z.array(z.enum(LOG_TYPES)).min(1, { error: "needs at least one log type" }).default([...LOG_TYPES]),
    /** CloudWatch retention of control-plane logs, in days (a value CloudWatch accepts). Default 90. */
    logRetentionDays: z
      .number()
      .refine((d) => RETENTION_DAYS.includes(d), { error: `must be one of ${RETENTION_DAYS.join(", ")}` })
      .default(90),
    /** Version of the aws-ebs-csi-driver EKS add-on, e.g. "v1.53.0-eksbuild.1". */
    ebsCsiAddonVersion: z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, { error: 'must look like "v1.53.0-eksbuild.1"' }),
    /** The system node group (cluster add-ons, operators, control planes of the platform). */
    systemNodes: systemNodesSchema,
    /**
     * Security groups (by Pulumi name) that may take ingress from the whole internet, each with the
     * reason; the policy check fails any other world-open group in every stack. Default none.
     */
    worldOpenSecurityGroups: z
      .array(z.strictObject({ name: z.string().min(1), reason: z.string().min(20, { error: "must say why in at least 20 characters" }) }))
      .default([]),
  })
  .superRefine((a, ctx) => {
    for (const p of subnetLayoutProblems(a.vpcCidr, a.availabilityZones)) ctx.addIssue({ code: "custom", path: [p.key], message: p.message });
    const badAz = a.availabilityZones.findIndex((az) => !az.startsWith(a.region));
    if (badAz >= 0) {
      ctx.addIssue({ code: "custom", path: ["availabilityZones", badAz], message: `is not in region ${a.region}; allowed: zones of the configured region such as ${a.region}a` });
    }
    if (new Set(a.availabilityZones).size !== a.availabilityZones.length) {
      ctx.addIssue({ code: "custom", path: ["availabilityZones"], message: "lists a zone twice; allowed: distinct zones" });
    }
  });

export const gpuPoolSchema = z
  .strictObject({
    /** Pool name, used in resource names and the `ods.io/gpu-pool` node label. */
    name: dnsLabel("pool name", 20),
    /** EC2 GPU instance types of NVIDIA x86-64 families, e.g. ["g6e.2xlarge"]; all with gpusPerNode GPUs. */
    instanceTypes: z.array(instanceType).min(1, { error: "a GPU pool needs at least one instance type" }),
    /** GPU model label value (`ods.io/gpu-type`), e.g. "l40s", "a10g", "h100". */
    gpuType: dnsLabel("GPU type", 30),
    /** GPUs per node (every instance type of the pool must have this many). */
    gpusPerNode: z.number().int().min(1, { error: "must be >= 1" }).max(16, { error: "must be <= 16" }),
    /** "spot" (cheap, can be reclaimed) or "on-demand". */
    capacityType: z.enum(["spot", "on-demand"]),
    ...scaling,
    /** Root volume in GiB (model images and caches are large). Default 200. */
    diskSizeGiB: diskSize(50).default(200),
  })
  .superRefine((p, ctx) => {
    checkScaling(p, ctx);
    p.instanceTypes.forEach((t, i) => {
      if (!NVIDIA_GPU_FAMILIES.includes(familyOf(t))) {
        ctx.addIssue({ code: "custom", path: ["instanceTypes", i], message: `${t} is not an NVIDIA GPU instance type the EKS x86-64 NVIDIA AMI runs on; allowed families: ${NVIDIA_GPU_FAMILIES.join(", ")}` });
        return;
      }
      const gpus = nvidiaGpusOf(t);
      if (gpus !== undefined && gpus !== p.gpusPerNode) {
        ctx.addIssue({ code: "custom", path: ["gpusPerNode"], message: `${t} has ${gpus} GPU(s) but gpusPerNode is ${p.gpusPerNode}; allowed: every instance type of a pool has gpusPerNode GPUs` });
      }
    });
  });

export const existingClusterSchema = z.strictObject({
  /** Path to a kubeconfig file (or its contents). Default ~/.kube/config. */
  kubeconfig: z.string().min(1).default("~/.kube/config"),
  /** Context inside the kubeconfig; default: its current context. */
  context: z.string().min(1).optional(),
  /** StorageClass to use for volumes (kind: "standard", k3d: "local-path", minikube: "standard"). Default standard. */
  storageClass: dnsLabel("storage class").default("standard"),
  /** Allocatable `nvidia.com/gpu` in the cluster (0 = no GPUs); sizes GPU quotas and decides whether GPU workloads are planned. Default 0. */
  gpus: count("gpus", 4096).default(0),
  /** The cluster's Kubernetes minor version; the offline plan renders charts for it (a deployment asks the cluster). Default "1.35". */
  kubernetesVersion: KUBERNETES_VERSION.default("1.35"),
});

export const gpuOperatorSchema = z.strictObject({
  /** Install the NVIDIA GPU operator. Default: true when the cluster has GPUs. */
  enabled: z.boolean().optional(),
  /** Let the operator install the driver (false on EKS AL2023 NVIDIA AMIs, which ship it). Default false. */
  driver: z.boolean().default(false),
  /** Let the operator install the container toolkit (false on EKS NVIDIA AMIs). Default false. */
  toolkit: z.boolean().default(false),
  /** Time-slicing: advertise each GPU as this many `nvidia.com/gpu`. 1 = off. Default 1. */
  timeSlicingReplicas: z.number().int().min(1, { error: "must be >= 1 (1 = no time-slicing)" }).max(48, { error: "must be <= 48" }).default(1),
  /** Create the DCGM exporter's ServiceMonitor (needs the Prometheus operator CRDs). Default true. */
  serviceMonitor: z.boolean().default(true),
});

export const quotaSchema = z.strictObject({
  requestsCpu: quantity.optional(),
  requestsMemory: quantity.optional(),
  limitsMemory: quantity.optional(),
  /** `requests.nvidia.com/gpu`: GPUs this namespace may hold; 0 = none. */
  gpus: count("gpus", 4096).optional(),
  pods: count("pods", 100000).optional(),
  persistentVolumeClaims: count("persistentVolumeClaims", 100000).optional(),
  requestsStorage: quantity.optional(),
});

export const limitRangeSchema = z.strictObject({
  defaultRequestCpu: quantity.optional(),
  defaultRequestMemory: quantity.optional(),
  defaultLimitCpu: quantity.optional(),
  defaultLimitMemory: quantity.optional(),
  maxLimitMemory: quantity.optional(),
});

const namespaceOverrideSchema = z.strictObject({ quota: quotaSchema.optional(), limitRange: limitRangeSchema.optional() });

/** Built-in ResourceQuota per layer; `gpus` comes from the cluster's GPU capacity (see GPU_LAYERS). */
const DEFAULT_QUOTAS: Record<Layer, { requestsCpu: string; requestsMemory: string; limitsMemory: string; pods: number; persistentVolumeClaims?: number }> = {
  infra: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 50 },
  gpu: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 200 },
  data: { requestsCpu: "16", requestsMemory: "64Gi", limitsMemory: "128Gi", pods: 100, persistentVolumeClaims: 50 },
  model: { requestsCpu: "32", requestsMemory: "256Gi", limitsMemory: "512Gi", pods: 50, persistentVolumeClaims: 20 },
  apps: { requestsCpu: "16", requestsMemory: "32Gi", limitsMemory: "64Gi", pods: 100 },
  identity: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 30 },
  observability: { requestsCpu: "8", requestsMemory: "32Gi", limitsMemory: "64Gi", pods: 50, persistentVolumeClaims: 10 },
  edge: { requestsCpu: "8", requestsMemory: "16Gi", limitsMemory: "32Gi", pods: 50 },
};

/** Built-in container defaults of every layer's LimitRange. */
const DEFAULT_LIMIT_RANGE = { defaultRequestCpu: "100m", defaultRequestMemory: "128Mi", defaultLimitMemory: "512Mi" };

/** Layers whose workloads may hold GPUs by default: model serving, and the operator's own validator. */
const GPU_LAYERS: readonly Layer[] = ["model", "gpu"];

export const infraInputSchema = z.strictObject({
  /** Environment kind: "aws" (EKS, created by the kit) or "existing" (a cluster from a kubeconfig). */
  kind: z.enum(["aws", "existing"]),
  /** AWS settings (required when kind is "aws"). */
  aws: awsSchema.optional(),
  /** GPU node pools (kind "aws" only). Default none. */
  gpuPools: z.array(gpuPoolSchema).default([]),
  /** Existing cluster settings (kind "existing"; every key has a default). */
  existingCluster: existingClusterSchema.optional(),
  /** cert-manager (certificates for operator webhooks and, with the edge layer, the gateway). */
  certManager: z
    .strictObject({
      /** Install cert-manager with the platform; false only where the cluster already runs it (v1.15 or newer). Default true. */
      enabled: z.boolean().default(true),
    })
    .default({ enabled: true }),
  /** The Gateway API v1.5.1 CRDs (Gateway, HTTPRoute, ...), which cert-manager's Gateway API support and the edge layer need. */
  gatewayApiCrds: z
    .strictObject({
      /** Install them with L1; false only where the cluster already has them (v1.5.1 or newer, standard channel). Default true. */
      enabled: z.boolean().default(true),
    })
    .default({ enabled: true }),
  /** The Prometheus operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule, ...), which every layer's monitors need. */
  prometheusCrds: z
    .strictObject({
      /** Install them with L1; false only where the cluster already has them (operator v0.93 or newer). Default true. */
      enabled: z.boolean().default(true),
    })
    .default({ enabled: true }),
  /** NVIDIA GPU operator. */
  gpuOperator: gpuOperatorSchema.default({ driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true }),
  /** Per-layer ResourceQuota and LimitRange overrides, merged key by key over the built-in defaults. */
  namespaces: z.partialRecord(z.enum(LAYERS), namespaceOverrideSchema).default({}),
});

type InfraInput = z.infer<typeof infraInputSchema>;

/** Rules across infra keys and with platform keys; paths are relative to `infra`. */
export function checkInfra(infra: InfraInput, platform: { highAvailability: boolean }, ctx: z.RefinementCtx, at: PropertyKey[]): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  if (infra.kind === "aws") {
    if (!infra.aws) issue(["aws"], 'is required when kind is "aws"');
    if (infra.existingCluster) issue(["existingCluster"], 'is only allowed when kind is "existing"');
  } else {
    if (infra.aws) issue(["aws"], 'is only allowed when kind is "aws"');
    if (infra.gpuPools.length > 0) issue(["gpuPools"], 'GPU node pools can only be created when kind is "aws"; on an existing cluster set existingCluster.gpus instead');
  }
  if (infra.aws && platform.highAvailability && infra.aws.availabilityZones.length < 3) {
    issue(["aws", "availabilityZones"], `highAvailability needs at least 3 availability zones (quorum survives the loss of one); got ${infra.aws.availabilityZones.length}`);
  }
  for (const [layer, ns] of Object.entries(derived(infra).namespaces)) {
    for (const p of limitRangeProblems(ns.limitRange)) issue(["namespaces", layer, "limitRange", p.key], p.message);
  }
  const names = infra.gpuPools.map((p) => p.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issue(["gpuPools", i, "name"], `duplicate pool name "${n}"; allowed: distinct names`);
  });
}

/**
 * GPUs the cluster can offer at full scale, as `nvidia.com/gpu` resources: the sum over the pools of
 * maxSize x gpusPerNode (or the existing cluster's count), times the time-slicing replicas.
 */
export function gpuCapacityOf(infra: Pick<InfraInput, "kind" | "gpuPools" | "existingCluster" | "gpuOperator">): number {
  const physical = infra.kind === "aws" ? infra.gpuPools.reduce((sum, p) => sum + p.maxSize * p.gpusPerNode, 0) : (infra.existingCluster?.gpus ?? 0);
  return physical * infra.gpuOperator.timeSlicingReplicas;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * What depends on other keys: the existing cluster with its defaults, the GPU capacity, and every
 * layer's quota and LimitRange (the built-in defaults with the stack's overrides merged key by key).
 */
function derived(infra: InfraInput) {
  const existingCluster = infra.kind === "existing" ? (infra.existingCluster ?? existingClusterSchema.parse({})) : undefined;
  const gpuCapacity = gpuCapacityOf({ ...infra, existingCluster });
  const namespaces = Object.fromEntries(
    LAYERS.map((layer) => {
      const override = infra.namespaces[layer] ?? {};
      return [
        layer,
        {
          quota: { ...DEFAULT_QUOTAS[layer], gpus: GPU_LAYERS.includes(layer) ? gpuCapacity : 0, ...stripUndefined(override.quota ?? {}) },
          limitRange: { ...DEFAULT_LIMIT_RANGE, ...stripUndefined(override.limitRange ?? {}) },
        },
      ];
    }),
  ) as Record<Layer, { quota: QuotaSettings; limitRange: LimitRangeSettings }>;
  return { existingCluster, gpuCapacity, namespaces };
}

/** The validated section with everything derived filled in. */
export function resolveInfra(infra: InfraInput) {
  const { existingCluster, gpuCapacity, namespaces } = derived(infra);
  return {
    ...infra,
    existingCluster,
    gpuOperator: { ...infra.gpuOperator, enabled: infra.gpuOperator.enabled ?? gpuCapacity > 0 },
    /** `nvidia.com/gpu` at full scale (derived, not configurable). */
    gpuCapacity,
    namespaces,
  };
}

export type InfraConfig = ReturnType<typeof resolveInfra>;
export type AwsConfig = z.infer<typeof awsSchema>;
export type GpuPoolConfig = z.infer<typeof gpuPoolSchema>;
export type ExistingClusterConfig = z.infer<typeof existingClusterSchema>;
export type GpuOperatorConfig = InfraConfig["gpuOperator"];

/** A kubeconfig given inline rather than as a file path (paths have no line breaks and no YAML/JSON keys). */
export function isInlineKubeconfig(value: unknown): boolean {
  return typeof value === "string" && (/[\r\n]/.test(value) || /^\s*[{[]/.test(value) || /\b(apiVersion|clusters|users)\s*:/.test(value));
}

/** Values that must be Pulumi secrets when present; a plaintext one is refused without being shown. */
export const INFRA_SECRET_ONLY_FIELDS = [
  {
    path: ["infra", "existingCluster", "kubeconfig"],
    when: isInlineKubeconfig,
    message:
      "holds an inline kubeconfig (credentials) in plain text; store it as a secret (pulumi config set --secret --path 'infra.existingCluster.kubeconfig' \"$(cat <file>)\") or give the path of a kubeconfig file instead",
  },
] as const;
