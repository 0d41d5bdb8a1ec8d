// Container image references: registry, repository, tag, digest; and finding them anywhere in an object.
import { isRecord, isUnknown } from "./values";

export interface ImageRef {
  /** Registry host, "docker.io" for Docker Hub short names. */
  registry: string;
  /** Repository path, with Docker Hub's implicit "library/" for single-word names. */
  repository: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(["docker.io", "registry-1.docker.io", "index.docker.io", "registry.hub.docker.com"]);

/** Parses an image the way the container runtime resolves it ("nginx" -> docker.io/library/nginx). */
export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  // A colon before the last slash is a registry port (localhost:5000/x), not a tag.
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split("/");
  const first = parts[0];
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  // Docker Hub answers under several host names; all of them are docker.io.
  const registry = hasRegistry ? (DOCKER_HUB_ALIASES.has(first.toLowerCase()) ? "docker.io" : first) : "docker.io";
  let repository = hasRegistry ? parts.slice(1).join("/") : rest;
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return { registry: registry.toLowerCase(), repository, tag, digest };
}

/** "docker.io/vllm/vllm-openai" for matching against the allow list. */
export function imageLocation(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/**
 * True if `location` is `prefix` itself or lies under it at a path boundary. A prefix whose host starts
 * with `*.` takes any one DNS label there (an ECR registry's account: `*.dkr.ecr.us-east-1.amazonaws.com`).
 */
export function underPrefix(location: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, "").toLowerCase();
  const l = location.toLowerCase();
  if (p.startsWith("*.")) {
    const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?\./.exec(l);
    return label !== null && underPrefix(l.slice(label[0].length), p.slice(2));
  }
  return l === p || l.startsWith(`${p}/`);
}

/** An image reference found in an object or in Helm values. */
export interface FoundImage {
  /** Where it was found: "spec.template.spec.containers[0].image", "spec.devicePlugin", "image". */
  path: string;
  /** "container app" / "initContainer setup" when it is a container's image. */
  label?: string;
  /** The reference as written or composed from a block: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0". */
  image: string;
  ref: ImageRef;
  /** Helm values that leave the tag to the chart (which pins it with the chart version). */
  tagFromChart: boolean;
  /** Whether the registry is known: always in objects (the runtime resolves short names to Docker Hub); in Helm values only when the values name it. */
  registryKnown: boolean;
}

const CONTAINER_LISTS: Record<string, string> = { containers: "container", initContainers: "initContainer", ephemeralContainers: "ephemeralContainer" };
const TAG_KEYS = ["tag", "version", "digest", "registry"];

function text(v: unknown): string | undefined {
  if (typeof v === "number") return String(v);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function hasRegistryHost(name: string): boolean {
  const first = name.split("/")[0];
  return name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
}

/**
 * Every image an object (or Helm values) names: `image: "<ref>"` strings, and blocks that spell an
 * image out as `{registry?, repository?, image?, tag|version?, digest?}` (Helm values, and custom
 * resources such as the GPU operator's ClusterPolicy: `{repository: nvcr.io/nvidia, image:
 * k8s-device-plugin, version: v0.20.0}`). A subtree with `enabled: false` is skipped (it deploys
 * nothing), and so is a value that is not known yet.
 */
export function imagesIn(root: unknown, opts: { helmValues: boolean }): FoundImage[] {
  const out: FoundImage[] = [];
  const add = (path: string, image: string, label: string | undefined, tagFromChart: boolean, registryKnown: boolean) =>
    out.push({ path, label, image, ref: parseImage(image), tagFromChart, registryKnown });

  const walk = (value: unknown, path: string, label: string | undefined): void => {
    if (isUnknown(value)) return;
    if (Array.isArray(value)) {
      const list = CONTAINER_LISTS[path.slice(path.lastIndexOf(".") + 1)];
      value.forEach((v, i) => walk(v, `${path}[${i}]`, list && isRecord(v) && typeof v["name"] === "string" ? `${list} ${v["name"]}` : undefined));
      return;
    }
    if (!isRecord(value)) return;
    if (value["enabled"] === false || value["enabled"] === "false") return;
    const here = (k: string) => (path ? `${path}.${k}` : k);
    const repository = value["repository"];
    const image = value["image"];
    const isBlock = typeof repository === "string" || (typeof image === "string" && TAG_KEYS.some((k) => k in value));
    if (isBlock) {
      const parts = [value["registry"], repository, image];
      const tag = value["tag"] ?? value["version"];
      const digest = value["digest"];
      if (![...parts, tag, digest].some(isUnknown)) {
        const name = parts.map(text).filter((p): p is string => p !== undefined).map((p) => p.replace(/^\/+|\/+$/g, "")).join("/");
        if (name !== "") {
          const inName = parseImage(name);
          const t = text(tag);
          const d = text(digest);
          const full = `${name}${t && !inName.tag ? `:${t}` : ""}${d && !inName.digest ? `@${d}` : ""}`;
          const registryKnown = !opts.helmValues || text(value["registry"]) !== undefined || hasRegistryHost(name);
          add(path || "(root)", full, label, opts.helmValues && !t && !d && !inName.tag && !inName.digest, registryKnown);
        }
      }
    } else if (typeof image === "string" && !isUnknown(image) && image.trim() !== "") {
      add(here("image"), image.trim(), label, false, !opts.helmValues || hasRegistryHost(image.trim()));
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "object" && v !== null) walk(v, here(k), undefined);
    }
  };
  walk(root, "", undefined);
  return out;
}

/** How a message names where an image was found. */
export function whereOf(found: FoundImage, helmValues: boolean): string {
  if (found.label) return found.label;
  return helmValues ? `Helm values ${found.path}` : found.path;
}
