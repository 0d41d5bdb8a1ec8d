// Images are reproducible (pinned), come from registries the platform trusts, and never from the
// frozen Bitnami repositories. All three look at every image of every object: containers, custom
// resources that spell images out as {repository, image, version} blocks, and Helm values.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { FoundImage, imageLocation, imagesIn, underPrefix, whereOf } from "./lib/images";
import { HELM_CHART_TYPES, isK8sKind } from "./lib/k8s";
import { K8S_OBJECTS_AND_CHARTS, Scope, validateObjects } from "./lib/rule";
import { Obj } from "./lib/values";

/**
 * The images a resource names: a Helm chart's values, or the whole object (CustomResourceDefinitions
 * are skipped: they describe schemas, not images).
 */
export function imagesOf(type: string, props: Obj): { images: FoundImage[]; helmValues: boolean } {
  if (HELM_CHART_TYPES.has(type)) return { images: imagesIn(props["values"], { helmValues: true }), helmValues: true };
  if (!IMAGE_HOLDERS.test(type, props)) return { images: [], helmValues: false };
  return { images: imagesIn(props, { helmValues: false }), helmValues: false };
}

/** Every Kubernetes object and Helm chart but CustomResourceDefinitions. */
const IMAGE_HOLDERS: Scope = {
  what: "every Kubernetes object (CRDs aside) and Helm chart",
  test: (type, props) => K8S_OBJECTS_AND_CHARTS.test(type, props) && !isK8sKind(type, "apiextensions.k8s.io", "CustomResourceDefinition"),
};

/** A validation that runs `check` on every image of every Kubernetes object and Helm chart. */
function validateImages<T extends object>(defaults: T, check: (found: FoundImage, where: string, cfg: T, report: ReportViolation, args: ResourceValidationArgs) => void) {
  return validateObjects(IMAGE_HOLDERS, defaults, (props, cfg, args, report) => {
    const { images, helmValues } = imagesOf(args.type, props);
    for (const found of images) check(found, whereOf(found, helmValues), cfg, report, args);
  });
}

/** Tags that move: they name a channel or a branch, not a version. */
export const MUTABLE_TAGS: readonly string[] = ["latest", "stable", "main", "master", "edge", "nightly", "dev", "head"];

/** Why an image is not pinned, or undefined when a digest or an explicit version tag pins it. */
export function unpinned(found: FoundImage, mutableTags: readonly string[]): string | undefined {
  if (found.ref.digest || found.tagFromChart) return undefined;
  const tag = found.ref.tag;
  if (tag === undefined || tag === "") return "without a tag (resolves to latest)";
  if (mutableTags.some((m) => m.toLowerCase() === tag.toLowerCase())) return `with the mutable tag ${tag}`;
  if (!/[0-9]/.test(tag)) return `with the tag ${tag}, which names no version (no digit)`;
  return undefined;
}

const pinnedDefaults = { exemptions: [] as Exemption[], mutableTags: [...MUTABLE_TAGS] };

export const imagePinned: ResourceValidationPolicy = {
  name: "k8s-image-pinned",
  description:
    "Every image of every object must be pinned by a digest or an explicit version tag (one with a digit, not latest/stable/main/master/edge/nightly/dev/head): containers, image blocks of custom resources ({repository, image, version}) and Helm values. Blocks under enabled: false are skipped; Helm values that leave the tag to the chart are pinned by the chart version.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use an explicit version tag (vllm/vllm-openai:v0.30.0) or a digest (image@sha256:...); for a chart or a custom resource, set the tag/version value to a release.",
  configSchema: schemaWithDefaults(pinnedDefaults, {
    exemptions: exemptionsSchema,
    mutableTags: { type: "array", items: { type: "string", minLength: 1 }, description: "Tags that never pin an image (compared case-insensitively)." },
  }),
  validateResource: validateImages(pinnedDefaults, (found, where, cfg, report) => {
    const problem = unpinned(found, cfg.mutableTags);
    if (problem) report(`${where} uses image ${found.image} ${problem}.`);
  }),
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

const registryDefaults = { exemptions: [] as Exemption[], allowedRegistries: [...DEFAULT_ALLOWED_REGISTRIES], stackRegistries: [] as string[] };

export const allowedRegistries: ResourceValidationPolicy = {
  name: "k8s-allowed-registries",
  description: "Every image of every object must come from an allowed registry (or registry/path prefix) listed in the policy config; Helm values are judged where they name the registry.",
  enforcementLevel: "mandatory",
  remediationSteps: "Pull the image from an allowed registry (mirror it if needed), or add the registry to allowedRegistries in policies/config/base.json (or the stack's file) after review.",
  configSchema: schemaWithDefaults(registryDefaults, {
    exemptions: exemptionsSchema,
    allowedRegistries: {
      type: "array",
      items: { type: "string", minLength: 1 },
      description: "Registry hosts or host/path prefixes; Docker Hub short names resolve to docker.io/library/<name> and docker.io/<org>/<name>.",
    },
    stackRegistries: {
      type: "array",
      items: { type: "string", minLength: 1 },
      description: "The stack's own image registry (a stack fact: where the kit pushes the images it builds); a host starting with *. takes any one label (an ECR account).",
    },
  }),
  validateResource: validateImages(registryDefaults, (found, where, cfg, report) => {
    // Values that leave the registry to the chart cannot be judged here; the rendered objects are.
    if (!found.registryKnown) return;
    const location = imageLocation(found.ref);
    const allowed = [...cfg.allowedRegistries, ...cfg.stackRegistries];
    if (!allowed.some((p) => underPrefix(location, p))) {
      report(`${where} uses image ${found.image} (${location}), which is not under an allowed registry: ${allowed.join(", ")}.`);
    }
  }),
};

/** Bitnami's free images, frozen since 28 Aug 2025 (moved to bitnamilegacy, no updates): every form they are pulled by. */
export const FROZEN_BITNAMI_REPOSITORIES: readonly string[] = ["docker.io/bitnami", "docker.io/bitnamilegacy", "public.ecr.aws/bitnami", "public.ecr.aws/bitnamilegacy"];

const bitnamiDefaults = { exemptions: [] as Exemption[], frozenRepositories: [...FROZEN_BITNAMI_REPOSITORIES] };

export const noBitnamiImages: ResourceValidationPolicy = {
  name: "k8s-no-bitnami-images",
  description:
    "No image from the frozen Bitnami repositories (docker.io/bitnami, docker.io/bitnamilegacy, their short names bitnami/* and bitnamilegacy/*, registry-1.docker.io forms, public.ecr.aws/bitnami): they get no updates since 28 Aug 2025. Every image of every object and Helm values counts.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use the upstream project's own image (redis, valkey/valkey, quay.io/keycloak/keycloak, ...) or a maintained operator instead of a Bitnami image or chart, pinned by version.",
  configSchema: schemaWithDefaults(bitnamiDefaults, {
    exemptions: exemptionsSchema,
    frozenRepositories: { type: "array", items: { type: "string", minLength: 1 }, description: "Registry/path prefixes whose images are frozen (Docker Hub short names normalise to docker.io/...)." },
  }),
  validateResource: validateImages(bitnamiDefaults, (found, where, cfg, report) => {
    const location = imageLocation(found.ref);
    const frozen = cfg.frozenRepositories.find((p) => underPrefix(location, p));
    if (frozen) report(`${where} uses image ${found.image} from the frozen Bitnami repository ${frozen} (no updates since 28 Aug 2025).`);
  }),
};
