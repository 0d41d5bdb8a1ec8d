// The stack config schema: every key the program reads, its type, its default and what is allowed.
import { z } from "zod";

/** Config namespace (the Pulumi project name): keys are `ods:<key>`. */
export const CONFIG_NAMESPACE = "ods";

/** The namespaces the kit creates, one per layer (plus the GPU operator's own). */
export const LAYERS = ["infra", "gpu", "data", "model", "apps", "identity", "observability"] as const;
export type Layer = (typeof LAYERS)[number];

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
/** Kubernetes resource quantities: 500m, 2, 1.5, 4Gi, 512Mi ... */
const QUANTITY = /^([0-9]+(\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  return octets.every((o) => o >= 0 && o <= 255) && bits >= 0 && bits <= 32;
}

const dnsLabel = (what: string, max = 63) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .regex(DNS_LABEL, { error: `must be a DNS-1123 label (${what}: lower-case letters, digits and '-', starting with a letter)` });

const quantity = z.string().regex(QUANTITY, { error: "must be a Kubernetes quantity such as 500m, 2, 4Gi or 512Mi" });
const count = (what: string) => z.number().int({ error: `${what} must be a whole number` }).min(0, { error: `${what} must be >= 0` });

const cidr = z.string().refine(isCidr, { error: "must be an IPv4 CIDR such as 10.0.0.0/16" });

/** Node group sizes: min <= desired <= max, max >= 1. */
const scaling = {
  minSize: count("minSize"),
  desiredSize: count("desiredSize"),
  maxSize: count("maxSize").min(1, { error: "maxSize must be >= 1" }),
};

type Scaling = { minSize: number; desiredSize: number; maxSize: number };
function checkScaling(s: Scaling, ctx: z.RefinementCtx) {
  if (s.minSize > s.maxSize) {
    ctx.addIssue({ code: "custom", path: ["minSize"], message: `minSize ${s.minSize} is greater than maxSize ${s.maxSize}; allowed: minSize <= desiredSize <= maxSize` });
  }
  if (s.desiredSize < s.minSize || s.desiredSize > s.maxSize) {
    ctx.addIssue({ code: "custom", path: ["desiredSize"], message: `desiredSize ${s.desiredSize} is outside [minSize ${s.minSize}, maxSize ${s.maxSize}]; allowed: minSize <= desiredSize <= maxSize` });
  }
}

export const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const systemNodesSchema = z
  .strictObject({
    /** EC2 instance types for the system node group (first is preferred). */
    instanceTypes: z.array(z.string().min(1)).min(1, { error: "needs at least one instance type" }),
    ...scaling,
    /** Root volume size in GiB (gp3, encrypted). Default 50. */
    diskSizeGiB: z.number().int().min(20, { error: "must be >= 20 GiB" }).default(50),
  })
  .superRefine(checkScaling);

export const awsSchema = z.strictObject({
  /** AWS region, e.g. us-east-1. */
  region: z.string().regex(AWS_REGION, { error: "must be an AWS region such as us-east-1" }),
  /** Availability zones for subnets and node groups (all in `region`). */
  availabilityZones: z.array(z.string().min(1)).min(2, { error: "EKS needs subnets in at least 2 availability zones" }),
  /** VPC CIDR; the kit carves one public and one private subnet per AZ out of it. Default 10.0.0.0/16. */
  vpcCidr: cidr.default("10.0.0.0/16"),
  /** NAT gateways: one shared ("single", cheaper) or one per AZ ("perAz", no cross-AZ dependency). Default single. */
  natGateways: z.enum(["single", "perAz"]).default("single"),
  /** EKS Kubernetes version, e.g. "1.34". */
  kubernetesVersion: z.string().regex(/^1\.\d{2}$/, { error: 'must be a Kubernetes minor version such as "1.34"' }),
  /** API endpoint access. Default private only. */
  endpoint: z
    .strictObject({
      privateAccess: z.boolean().default(true),
      publicAccess: z.boolean().default(false),
      /** CIDRs allowed to reach a public endpoint; required (non-empty) when publicAccess is true. */
      publicAccessCidrs: z.array(cidr).default([]),
    })
    .superRefine((e, ctx) => {
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
});

export const gpuPoolSchema = z
  .strictObject({
    /** Pool name, used in resource names and the `ods.io/gpu-pool` node label. */
    name: dnsLabel("pool name", 20),
    /** EC2 GPU instance types, e.g. ["g6e.2xlarge"]. */
    instanceTypes: z.array(z.string().min(1)).min(1, { error: "a GPU pool needs at least one instance type" }),
    /** GPU model label value (`ods.io/gpu-type`), e.g. "l40s", "a10g", "h100". */
    gpuType: dnsLabel("GPU type", 30),
    /** GPUs per node (all instance types of a pool should have the same count). */
    gpusPerNode: z.number().int().min(1, { error: "must be >= 1" }),
    /** "spot" (cheap, can be reclaimed) or "on-demand". */
    capacityType: z.enum(["spot", "on-demand"]),
    ...scaling,
    /** Root volume in GiB (model images and caches are large). Default 200. */
    diskSizeGiB: z.number().int().min(50, { error: "must be >= 50 GiB" }).default(200),
  })
  .superRefine(checkScaling);

export const existingClusterSchema = z.strictObject({
  /** Path to a kubeconfig file (or its contents). Default ~/.kube/config. */
  kubeconfig: z.string().min(1).default("~/.kube/config"),
  /** Context inside the kubeconfig; default: its current context. */
  context: z.string().min(1).optional(),
  /** StorageClass to use for volumes (kind: "standard", k3d: "local-path", minikube: "standard"). */
  storageClass: dnsLabel("storage class").default("standard"),
  /** Allocatable `nvidia.com/gpu` in the cluster (0 = no GPUs); sizes GPU quotas and decides whether GPU workloads are planned. Default 0. */
  gpus: count("gpus").default(0),
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
  gpus: count("gpus").optional(),
  pods: count("pods").optional(),
  persistentVolumeClaims: count("persistentVolumeClaims").optional(),
  requestsStorage: quantity.optional(),
});

export const limitRangeSchema = z.strictObject({
  defaultRequestCpu: quantity.optional(),
  defaultRequestMemory: quantity.optional(),
  defaultLimitCpu: quantity.optional(),
  defaultLimitMemory: quantity.optional(),
  maxLimitMemory: quantity.optional(),
});

export const namespaceOverrideSchema = z.strictObject({
  quota: quotaSchema.optional(),
  limitRange: limitRangeSchema.optional(),
});

export const configSchema = z
  .strictObject({
    /** Environment name, used in resource names and tags (e.g. dev). */
    environment: dnsLabel("environment name", 20),
    /** Environment kind: "aws" (EKS, created by the kit) or "existing" (a cluster from a kubeconfig). */
    kind: z.enum(["aws", "existing"]),
    /** Base DNS domain of the platform's endpoints, e.g. dev.ods.example.com. */
    domain: z.string().regex(HOSTNAME, { error: "must be a lower-case DNS domain with at least two labels, such as dev.ods.example.com" }),
    /** Highly available: multi-AZ, replicas > 1, disruption budgets. Default false. */
    highAvailability: z.boolean().default(false),
    /** Prefix of namespaces and cloud resource names. Default "ods". */
    namePrefix: dnsLabel("name prefix", 12).default("ods"),
    /** AWS settings (required when kind is "aws"). */
    aws: awsSchema.optional(),
    /** GPU node pools (kind "aws" only). Default none. */
    gpuPools: z.array(gpuPoolSchema).default([]),
    /** Existing cluster settings (used when kind is "existing"). */
    existingCluster: existingClusterSchema.optional(),
    /** NVIDIA GPU operator. */
    gpuOperator: gpuOperatorSchema.default({ driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true }),
    /** Per-layer ResourceQuota and LimitRange overrides, merged over the built-in defaults. */
    namespaces: z.partialRecord(z.enum(LAYERS), namespaceOverrideSchema).default({}),
  })
  .superRefine((c, ctx) => {
    if (c.kind === "aws") {
      if (!c.aws) ctx.addIssue({ code: "custom", path: ["aws"], message: 'is required when kind is "aws"' });
      if (c.existingCluster) ctx.addIssue({ code: "custom", path: ["existingCluster"], message: 'is only allowed when kind is "existing"' });
    } else {
      if (c.aws) ctx.addIssue({ code: "custom", path: ["aws"], message: 'is only allowed when kind is "aws"' });
      if (c.gpuPools.length > 0) ctx.addIssue({ code: "custom", path: ["gpuPools"], message: 'GPU node pools can only be created when kind is "aws"; on an existing cluster set existingCluster.gpus instead' });
    }
    if (c.aws) {
      const badAz = c.aws.availabilityZones.findIndex((az) => !az.startsWith(c.aws!.region));
      if (badAz >= 0) {
        ctx.addIssue({ code: "custom", path: ["aws", "availabilityZones", badAz], message: `is not in region ${c.aws.region}; allowed: zones of the configured region such as ${c.aws.region}a` });
      }
      if (new Set(c.aws.availabilityZones).size !== c.aws.availabilityZones.length) {
        ctx.addIssue({ code: "custom", path: ["aws", "availabilityZones"], message: "lists a zone twice; allowed: distinct zones" });
      }
      if (c.highAvailability && c.aws.availabilityZones.length < 3) {
        ctx.addIssue({ code: "custom", path: ["aws", "availabilityZones"], message: `highAvailability needs at least 3 availability zones (quorum survives the loss of one); got ${c.aws.availabilityZones.length}` });
      }
    }
    const names = c.gpuPools.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: ["gpuPools", i, "name"], message: `duplicate pool name "${n}"; allowed: distinct names` });
    });
  });

/** The validated config, with every default applied. */
export type OdsConfig = z.infer<typeof configSchema>;
export type AwsConfig = z.infer<typeof awsSchema>;
export type GpuPoolConfig = z.infer<typeof gpuPoolSchema>;
export type ExistingClusterConfig = z.infer<typeof existingClusterSchema>;
export type GpuOperatorConfig = z.infer<typeof gpuOperatorSchema>;
export type QuotaConfig = z.infer<typeof quotaSchema>;
export type LimitRangeConfig = z.infer<typeof limitRangeSchema>;
export type NamespaceOverride = z.infer<typeof namespaceOverrideSchema>;

/** Keys that Pulumi.yaml declares with an empty-object default (its config block cannot say "optional"); `{}` means unset. */
export const OPTIONAL_SECTIONS = ["aws", "existingCluster"] as const;

/** Top-level keys and whether the value is a plain string (others are YAML objects, arrays, numbers or booleans). */
export const TOP_LEVEL_KEYS: Record<keyof z.input<typeof configSchema>, "string" | "structured"> = {
  environment: "string",
  kind: "string",
  domain: "string",
  namePrefix: "string",
  highAvailability: "structured",
  aws: "structured",
  gpuPools: "structured",
  existingCluster: "structured",
  gpuOperator: "structured",
  namespaces: "structured",
};
