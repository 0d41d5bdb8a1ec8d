// L1 (infra section, `ods:infra`): the cluster (EKS or existing), GPU pools, the GPU operator, per-layer namespaces.
import { z } from "zod";
import type { LimitRangeSettings, QuotaSettings } from "../../components/infra/namespaces";
import { Layer, LAYERS } from "../../components/lib/cluster";
import { subnetLayoutProblems } from "../../components/infra/subnets";
import { limitRangeProblems } from "../../components/infra/namespaces";
import { familyOf, isAcceleratedInstance, NVIDIA_GPU_FAMILIES, nvidiaGpusOf } from "../../policies/rules/lib/instances";
import { checkScaling, cidr, count, dnsLabel, instanceType, isWorldOpenCidr, MAX_NODES_PER_GROUP, quantity, scaling } from "./common";

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
export const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** gp3 root volumes: at least `min` GiB, at most EBS's 16 TiB. */
const diskSize = (min: number) => z.number().int().min(min, { error: `must be >= ${min} GiB` }).max(16384, { error: "must be <= 16384 GiB (the largest gp3 volume)" });
const KUBERNETES_VERSION = z
  .string()
  .regex(/^1\.\d{2}$/, { error: 'must be a Kubernetes minor version such as "1.35"' })
  .meta({ title: "Kubernetes version", "x-format": 'a Kubernetes minor version, quoted so YAML keeps it a string, such as "1.35"' });

export const systemNodesSchema = z
  .strictObject({
    instanceTypes: z.array(instanceType).min(1, { error: "needs at least one instance type" }).describe("Instance types of the system node group (AL2023, on-demand), the first preferred; CPU families only (GPUs belong in `gpuPools`)."),
    ...scaling,
    diskSizeGiB: diskSize(20).default(50).describe("Root volume in GiB (gp3, encrypted)."),
  })
  .superRefine((s, ctx) => {
    checkScaling(s, ctx);
    s.instanceTypes.forEach((t, i) => {
      if (isAcceleratedInstance(t)) ctx.addIssue({ code: "custom", path: ["instanceTypes", i], message: `${t} is a GPU/accelerator instance type; allowed: CPU instance types (GPUs belong in gpuPools, tainted so only GPU workloads land there)` });
    });
  })
  .describe("The system node group: cluster add-ons, operators and the platform's control planes.");

export const awsSchema = z
  .strictObject({
    region: z.string().regex(AWS_REGION, { error: "must be an AWS region such as us-east-1" }).describe("AWS region, e.g. us-east-1."),
    availabilityZones: z
      .array(z.string().min(1))
      .min(2, { error: "EKS needs subnets in at least 2 availability zones" })
      .describe("Distinct zones of `region` for subnets and node groups: EKS needs 2, highAvailability 3. At most 6 fit the subnet layout."),
    vpcCidr: cidr
      .default("10.0.0.0/16")
      .describe("The VPC, /16 to /20. Each zone gets a private subnet of 1/8 of it (pods take VPC addresses) and a public one of 1/64."),
    natGateways: z
      .enum(["single", "perAz"])
      .default("single")
      .describe("One shared NAT gateway (`single`, cheaper), or one per zone (`perAz`) so a zone outage does not cut egress."),
    kubernetesVersion: KUBERNETES_VERSION.describe('EKS Kubernetes version, e.g. "1.35".'),
    endpoint: z
      .strictObject({
        privateAccess: z.boolean().default(true).describe("API endpoint reachable inside the VPC. At least one of the two access keys must be true."),
        publicAccess: z.boolean().default(false).describe("API endpoint reachable from the internet (from `publicAccessCidrs`)."),
        publicAccessCidrs: z
          .array(cidr)
          .default([])
          .describe("CIDRs that may reach a public endpoint; required, non-empty, when `publicAccess` is true. A CIDR wider than /8 (such as 0.0.0.0/0) needs `worldOpenReason`."),
        worldOpenReason: z
          .string()
          .min(20, { error: "must say why in at least 20 characters" })
          .optional()
          .describe("Why the API must be reachable from the whole internet; the policy check reads it too (without it a world-open endpoint fails)."),
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
      .default({ privateAccess: true, publicAccess: false, publicAccessCidrs: [] })
      .describe("Access to the Kubernetes API endpoint; private only by default."),
    logTypes: z.array(z.enum(LOG_TYPES)).min(1, { error: "needs at least one log type" }).default([...LOG_TYPES]).describe("Control-plane log types sent to CloudWatch."),
    logRetentionDays: z
      .number()
      .refine((d) => RETENTION_DAYS.includes(d), { error: `must be one of ${RETENTION_DAYS.join(", ")}` })
      .default(90)
      .describe(`CloudWatch retention of the control-plane logs, in days: a value CloudWatch accepts (${RETENTION_DAYS.join(", ")}).`),
    ebsCsiAddonVersion: z
      .string()
      .regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, { error: 'must look like "v1.53.0-eksbuild.1"' })
      .describe("Pinned version of the aws-ebs-csi-driver EKS add-on, e.g. v1.67.1-eksbuild.1; one EKS offers for `kubernetesVersion` (`aws eks describe-addon-versions --addon-name aws-ebs-csi-driver`)."),
    systemNodes: systemNodesSchema,
    worldOpenSecurityGroups: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe("The security group's Pulumi name."),
          reason: z.string().min(20, { error: "must say why in at least 20 characters" }).describe("Why it must take ingress from the whole internet."),
        }),
      )
      .default([])
      .describe("Security groups that may take ingress from the whole internet, each with the reason; the policy check fails every other world-open group, in every stack."),
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
    name: dnsLabel("pool name", 20).describe("Pool name, used in resource names and the node label `ods.io/gpu-pool`; unique."),
    instanceTypes: z
      .array(instanceType)
      .min(1, { error: "a GPU pool needs at least one instance type" })
      .describe(`NVIDIA x86-64 GPU instance types, e.g. [g6e.2xlarge], each with \`gpusPerNode\` GPUs. Families: ${NVIDIA_GPU_FAMILIES.join(", ")}.`),
    gpuType: dnsLabel("GPU type", 30).describe("GPU model, the node label `ods.io/gpu-type`, e.g. l4, l40s, h100."),
    gpusPerNode: z
      .number()
      .int()
      .min(1, { error: "must be >= 1" })
      .max(16, { error: "must be <= 16" })
      .describe("GPUs per node, checked against the instance types' published counts; sizes the GPU quota."),
    capacityType: z.enum(["spot", "on-demand"]).describe("EC2 capacity type: spot (cheap, can be reclaimed) or on-demand."),
    ...scaling,
    maxSize: scaling.maxSize.describe(`Largest number of nodes (at most ${MAX_NODES_PER_GROUP}): the pool's cost ceiling.`),
    diskSizeGiB: diskSize(50).default(200).describe("Root volume in GiB (gp3, encrypted); images and model caches are large."),
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
  kubeconfig: z
    .string()
    .min(1)
    .default("~/.kube/config")
    .describe("Path to a kubeconfig, or its contents as a secret (`pulumi config set --secret --path 'infra.existingCluster.kubeconfig' \"$(cat kc)\"`; inline plain text is refused). Read by the provider at deploy time."),
  context: z.string().min(1).optional().meta({ description: "Context in the kubeconfig.", "x-default": "the kubeconfig's current context" }),
  storageClass: dnsLabel("storage class").default("standard").describe("StorageClass of volumes (kind and minikube: standard; k3d: local-path)."),
  gpus: count("gpus", 4096).default(0).describe("Allocatable `nvidia.com/gpu` in the cluster (0 = no GPUs); sizes the GPU quotas and decides whether GPU workloads are planned."),
  registry: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, { error: "must be a registry host[:port][/path] such as localhost:5001 or registry.example.com/team" })
    .optional()
    .describe("Where `pulumi up` pushes the images the kit builds and the nodes pull them from, such as localhost:5001 (kind's local registry: docs/deploy.md). Required while a service of the kit has no prebuilt image."),
  imagePlatform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64").describe("The nodes' platform, which the images the kit builds target (linux/arm64 for kind on Apple silicon)."),
  kubernetesVersion: KUBERNETES_VERSION.default("1.35").describe("The cluster's Kubernetes minor version; the offline plan renders charts for it (a deployment asks the cluster)."),
  nodes: z
    .strictObject({
      count: count("nodes.count", 1000).min(1, { error: "nodes.count must be >= 1" }).default(1).describe("Nodes that run workloads."),
      cpu: quantity.default("8").describe("CPU each node offers to pods (allocatable)."),
      memory: quantity.default("16Gi").describe("Memory each node offers to pods (allocatable)."),
    })
    .prefault({})
    .describe("The cluster's nodes as `npm run cluster-check` models them (it creates this many fake nodes of this size, with `gpus` spread over them); `pulumi up` does not read it. Default: one laptop node (kind) of 8 CPU and 16Gi."),
});

export const gpuOperatorSchema = z.strictObject({
  enabled: z.boolean().optional().meta({ description: "Install the NVIDIA GPU operator (chart gpu-operator v26.7.0).", "x-default": "true when the cluster has GPUs" }),
  driver: z.boolean().default(false).describe("Let the operator install the driver (the EKS AL2023 NVIDIA AMI ships it)."),
  toolkit: z.boolean().default(false).describe("Let the operator install the container toolkit (the EKS NVIDIA AMI ships it)."),
  timeSlicingReplicas: z
    .number()
    .int()
    .min(1, { error: "must be >= 1 (1 = no time-slicing)" })
    .max(48, { error: "must be <= 48" })
    .default(1)
    .describe("Time-slicing: advertise each GPU as this many `nvidia.com/gpu`; 1 = off."),
  serviceMonitor: z.boolean().default(true).describe("Create the DCGM exporter's ServiceMonitor (needs the Prometheus operator's CRDs)."),
});

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

/** The built-in quota of one key for every layer, in words, for the configuration reference. */
function quotaDefault(key: keyof (typeof DEFAULT_QUOTAS)[Layer]): string {
  const set = LAYERS.filter((l) => DEFAULT_QUOTAS[l][key] !== undefined);
  const unset = LAYERS.filter((l) => DEFAULT_QUOTAS[l][key] === undefined);
  return [set.map((l) => `${l} ${DEFAULT_QUOTAS[l][key]}`).join(", "), unset.length ? `${unset.join(", ")}: no limit` : ""].filter(Boolean).join("; ");
}

export const quotaSchema = z.strictObject({
  requestsCpu: quantity.optional().meta({ description: "`requests.cpu` the namespace may hold.", "x-default": quotaDefault("requestsCpu") }),
  requestsMemory: quantity.optional().meta({ description: "`requests.memory` the namespace may hold.", "x-default": quotaDefault("requestsMemory") }),
  limitsMemory: quantity.optional().meta({ description: "`limits.memory` the namespace may hold.", "x-default": quotaDefault("limitsMemory") }),
  gpus: count("gpus", 4096)
    .optional()
    .meta({
      description: "`requests.nvidia.com/gpu`: GPUs this namespace may hold; 0 = none. The cluster's GPU capacity is the pools' maxSize x gpusPerNode (or existingCluster.gpus), times timeSlicingReplicas.",
      "x-default": `${GPU_LAYERS.join(" and ")}: the cluster's GPU capacity; other layers 0`,
    }),
  pods: count("pods", 100000).optional().meta({ description: "Pods in the namespace.", "x-default": quotaDefault("pods") }),
  persistentVolumeClaims: count("persistentVolumeClaims", 100000).optional().meta({ description: "Volume claims in the namespace.", "x-default": quotaDefault("persistentVolumeClaims") }),
  requestsStorage: quantity.optional().meta({ description: "`requests.storage` of all claims.", "x-default": "no limit" }),
});

export const limitRangeSchema = z.strictObject({
  defaultRequestCpu: quantity.optional().meta({ description: "CPU request of a container that sets none.", "x-default": DEFAULT_LIMIT_RANGE.defaultRequestCpu }),
  defaultRequestMemory: quantity.optional().meta({ description: "Memory request of a container that sets none.", "x-default": DEFAULT_LIMIT_RANGE.defaultRequestMemory }),
  defaultLimitCpu: quantity.optional().meta({ description: "CPU limit of a container that sets none.", "x-default": "none" }),
  defaultLimitMemory: quantity.optional().meta({ description: "Memory limit of a container that sets none; after merging, request <= default limit <= max, as the API server requires.", "x-default": DEFAULT_LIMIT_RANGE.defaultLimitMemory }),
  maxLimitMemory: quantity.optional().meta({ description: "Largest memory limit a container may set.", "x-default": "none" }),
});

const namespaceOverrideSchema = z.strictObject({
  quota: quotaSchema.optional().describe("ResourceQuota overrides, merged key by key over the layer's built-in quota."),
  limitRange: limitRangeSchema.optional().describe("LimitRange overrides (container defaults), merged key by key over the built-in ones."),
});

export const infraInputSchema = z.strictObject({
  kind: z.enum(["aws", "existing"]).describe("`aws`: the kit creates the VPC, EKS and the GPU pools. `existing`: a cluster from a kubeconfig."),
  aws: awsSchema.optional().describe('AWS settings: required when kind is "aws", refused otherwise.'),
  gpuPools: z
    .array(gpuPoolSchema)
    .default([])
    .describe("GPU node pools (kind aws only; on an existing cluster set existingCluster.gpus), tainted so only GPU workloads land there. Names are unique."),
  existingCluster: existingClusterSchema.optional().describe('Existing cluster settings (kind "existing" only; every key has a default).'),
  certManager: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Install cert-manager with the platform; false only where the cluster already runs it (v1.15 or newer)."),
    })
    .default({ enabled: true })
    .describe("cert-manager: certificates for operator webhooks (MOCO's) and, with the edge layer, the gateway."),
  gatewayApiCrds: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Install them with L1, before cert-manager and the edge layer; false only where the cluster already has them (v1.5.1 or newer, standard channel)."),
    })
    .default({ enabled: true })
    .describe("The Gateway API v1.5.1 standard CRDs (Gateway, HTTPRoute, ...; a pinned upstream manifest), which cert-manager's Gateway API support and the edge layer need."),
  prometheusCrds: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Install them with L1 before any layer declares a monitor; false only where the cluster already has them (operator v0.93 or newer)."),
    })
    .default({ enabled: true })
    .describe("The Prometheus operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule, ...), from kube-prometheus-stack 88.5.3."),
  gpuOperator: gpuOperatorSchema.default({ driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true }).describe("The NVIDIA GPU operator."),
  namespaces: z
    .partialRecord(z.enum(LAYERS), namespaceOverrideSchema)
    .default({})
    .meta({
      "x-key": "layer",
      description:
        "Per-layer ResourceQuota and LimitRange overrides. Every layer gets a namespace `<prefix>-<layer>` with Pod Security `restricted` (except `gpu`, `privileged` because the operator's DaemonSets manage the node's GPUs; the namespace carries that reason as an annotation), a ResourceQuota, a LimitRange and a `default-deny-ingress` NetworkPolicy. By default only `model` and `gpu` may request GPUs, so one team's workload cannot take another's GPUs.",
    }),
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

/** Keys of this section that may hold a secret (see SECRET_SLOTS); a plain-text inline kubeconfig is refused. */
export const INFRA_SECRET_SLOTS = [
  {
    path: "infra.existingCluster.kubeconfig",
    mustBeSecret: isInlineKubeconfig,
    doc: "may be; must be when inline",
    message:
      "holds an inline kubeconfig (credentials) in plain text; store it as a secret (pulumi config set --secret --path '{path}' \"$(cat <file>)\") or give the path of a kubeconfig file instead",
  },
] as const;
