// Images are reproducible (pinned) and come from registries the platform trusts.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { imageLocation, parseImage, underPrefix } from "./lib/images";
import { containersOf } from "./lib/k8s";
import { HELM_CHARTS, validateObjects, validateWorkloads } from "./lib/rule";
import { isRecord, str } from "./lib/values";

const pinnedDefaults = { exemptions: [] as Exemption[] };

/**
 * `latest` set explicitly in Helm values: `{repository, tag: latest}` blocks and `image: x:latest`
 * strings. Chart defaults are invisible here (the vLLM stack's defaults use latest), so the kit
 * must override them, and this catches an override that still says latest.
 */
export function latestInHelmValues(values: unknown, path = "", out: string[] = []): string[] {
  if (Array.isArray(values)) values.forEach((v, i) => latestInHelmValues(v, `${path}[${i}]`, out));
  if (!isRecord(values)) return out;
  if (typeof values["tag"] === "string" && values["tag"].toLowerCase() === "latest" && ("repository" in values || "image" in values)) {
    out.push(`${path || "(root)"}.tag is latest`);
  }
  for (const [k, v] of Object.entries(values)) {
    const here = path ? `${path}.${k}` : k;
    if (k === "image" && typeof v === "string" && /:latest$/i.test(v)) out.push(`${here} is ${v}`);
    else latestInHelmValues(v, here, out);
  }
  return out;
}

export const imagePinned: ResourceValidationPolicy = {
  name: "k8s-image-pinned",
  description: "Images must be pinned by a version tag (not `latest`) or by digest, so a rollout runs what was reviewed; Helm values must not set an image tag to latest.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use an explicit version tag (vllm/vllm-openai:v0.30.0) or a digest (image@sha256:...); never `latest` or no tag. For charts, set the image tag value to a version.",
  configSchema: schemaWithDefaults(pinnedDefaults, { exemptions: exemptionsSchema }),
  validateResource: [
    validateWorkloads(pinnedDefaults, ({ workload }, report) => {
      for (const c of containersOf(workload.podSpec)) {
        const image = str(c.spec["image"]);
        if (image === undefined) continue;
        const ref = parseImage(image);
        if (ref.digest) continue;
        if (!ref.tag) report(`${c.label} uses image ${image} without a tag (resolves to latest).`);
        else if (ref.tag.toLowerCase() === "latest") report(`${c.label} uses image ${image} with the mutable tag latest.`);
      }
    }),
    validateObjects(HELM_CHARTS, pinnedDefaults, (props, _cfg, _args, report) => {
      for (const finding of latestInHelmValues(props["values"])) report(`Helm values: ${finding}.`);
    }),
  ],
};

/** Registries (and registry/path prefixes) the kit's own images come from. */
export const DEFAULT_ALLOWED_REGISTRIES: readonly string[] = [
  "registry.k8s.io",
  "quay.io",
  "ghcr.io",
  "nvcr.io",
  "public.ecr.aws",
  "docker.io/vllm",
  "docker.io/milvusdb",
  "docker.io/minio",
  "docker.io/library",
  "docker.io/grafana",
  "docker.io/prom",
  "docker.io/istio",
  "docker.io/valkey",
];

const registryDefaults = { exemptions: [] as Exemption[], allowedRegistries: [...DEFAULT_ALLOWED_REGISTRIES] };

export const allowedRegistries: ResourceValidationPolicy = {
  name: "k8s-allowed-registries",
  description: "Images must come from an allowed registry (or registry/path prefix) listed in the policy config.",
  enforcementLevel: "mandatory",
  remediationSteps: "Pull the image from an allowed registry (mirror it if needed), or add the registry to allowedRegistries in policies/config/base.json (or the stack's file) after review.",
  configSchema: schemaWithDefaults(registryDefaults, {
    exemptions: exemptionsSchema,
    allowedRegistries: {
      type: "array",
      items: { type: "string", minLength: 1 },
      description: "Registry hosts or host/path prefixes; Docker Hub short names resolve to docker.io/library/<name> and docker.io/<org>/<name>.",
    },
  }),
  validateResource: validateWorkloads(registryDefaults, ({ workload, cfg }, report) => {
    for (const c of containersOf(workload.podSpec)) {
      const image = str(c.spec["image"]);
      if (image === undefined) continue;
      const location = imageLocation(parseImage(image));
      if (!cfg.allowedRegistries.some((p) => underPrefix(location, p))) {
        report(`${c.label} uses image ${image} (${location}), which is not under an allowed registry: ${cfg.allowedRegistries.join(", ")}.`);
      }
    }
  }),
};
