// What the edge layer needs from the layers below: the public host of each exposed service (all derived
// from the one `domain` key) and, per service, where the gateway sends its traffic.
import type * as pulumi from "@pulumi/pulumi";

/** The first DNS label of each public host; the full name is `<label>.<domain>`. */
export const PUBLIC_HOST_LABELS = {
  /** The web front end. */
  web: "app",
  /** The agent API (RAG, text-to-SQL). */
  agentApi: "agent",
  /** The data API. */
  dataApi: "data",
  /** The model API (OpenAI-compatible). */
  modelApi: "llm",
  /** Keycloak (login, OIDC). */
  keycloak: "auth",
  /** Grafana. */
  grafana: "grafana",
  /** The MinIO console (MinIO stacks only). */
  minioConsole: "minio",
  /** MinIO's S3 API (MinIO stacks only). */
  s3: "s3",
} as const;

export type PublicHostKey = keyof typeof PUBLIC_HOST_LABELS;
export type PublicHosts = Record<PublicHostKey, string>;

/** Every public host name of a domain (pure). */
export function publicHosts(domain: string): PublicHosts {
  return Object.fromEntries(Object.entries(PUBLIC_HOST_LABELS).map(([k, label]) => [k, `${label}.${domain}`])) as PublicHosts;
}

/**
 * A Service that the gateway publishes on its public host: an HTTPRoute on the HTTPS listener, in the
 * Service's own namespace, and a NetworkPolicy there admitting the gateway's pods to `pods` on `targetPort`.
 */
export interface ExposedService {
  /** Which public host serves it. */
  host: PublicHostKey;
  namespace: pulumi.Input<string>;
  /** Name of the Service the route's backendRef points at. */
  service: pulumi.Input<string>;
  /** The Service's port. */
  port: number;
  /** Labels of the pods behind the Service (the NetworkPolicy's podSelector). */
  pods: Record<string, string>;
  /** The container port the Service forwards to (the NetworkPolicy's port). */
  targetPort: number;
  /** Route only this path prefix. Default "/". */
  pathPrefix?: string;
}
