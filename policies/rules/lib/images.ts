// Container image references: registry, repository, tag, digest.

export interface ImageRef {
  /** Registry host, "docker.io" for Docker Hub short names. */
  registry: string;
  /** Repository path, with Docker Hub's implicit "library/" for single-word names. */
  repository: string;
  tag?: string;
  digest?: string;
}

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
  const registry = hasRegistry ? first : "docker.io";
  let repository = hasRegistry ? parts.slice(1).join("/") : rest;
  if (registry === "docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return { registry: registry.toLowerCase(), repository, tag, digest };
}

/** "docker.io/vllm/vllm-openai" for matching against the allow list. */
export function imageLocation(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** True if `location` is `prefix` itself or lies under it at a path boundary. */
export function underPrefix(location: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, "").toLowerCase();
  const l = location.toLowerCase();
  return l === p || l.startsWith(`${p}/`);
}
