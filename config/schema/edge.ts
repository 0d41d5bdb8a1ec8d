// Edge (`ods:edge`): the certificate issuer, Istio and the Gateway API entry point. Every public host
// derives from `ods:domain` (PlatformConfig.hosts); nothing here names a host.
import { z } from "zod";
import { annotationKey, count } from "./common";
import { resourcesSchema, ResourcesConfig } from "./data";
import type { PlatformFacts } from "./platform";

const res = (cpu: string, memory: string, limitMemory: string): ResourcesConfig => ({ requests: { cpu, memory }, limits: { memory: limitMemory } });

/** Let's Encrypt's ACME directories; `server` takes one of these names or an https URL. */
export const ACME_SERVERS = {
  production: "https://acme-v02.api.letsencrypt.org/directory",
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
} as const;

/**
 * Domains no public CA can validate: they resolve to 127.0.0.1 (localtest.me, localhost) or are reserved
 * for private use (RFC 6761 / 6762 / 8375). A self-signed CA is the only issuer for them.
 */
export const PRIVATE_DOMAIN_SUFFIXES = ["localtest.me", "localhost", "local", "test", "internal", "home.arpa", "example", "invalid"] as const;

export function isPrivateDomain(host: string): boolean {
  return PRIVATE_DOMAIN_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`));
}

/** Node ports the local stack maps to the host (docs/kind-cluster.yaml). */
export const DEFAULT_NODE_PORTS = { http: 30080, https: 30443 } as const;

/** The AWS NLB the gateway Service asks for (in-tree service controller or the AWS Load Balancer Controller). */
export const DEFAULT_AWS_LB_ANNOTATIONS: Readonly<Record<string, string>> = {
  "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
  "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
  "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
};

const nodePort = z.number().int().min(30000, { error: "must be a node port (30000-32767)" }).max(32767, { error: "must be a node port (30000-32767)" });

export const edgeInputSchema = z
  .strictObject({
    issuer: z
      .strictObject({
        kind: z
          .enum(["selfSigned", "acme-http01", "acme-dns01"])
          .optional()
          .meta({
            description:
              "Where the gateway's certificate comes from: `selfSigned` (a self-signed root, a CA certificate from it and a CA issuer), `acme-http01` (Let's Encrypt, the challenge answered through the Gateway with cert-manager's Gateway API support, which L1 enables) or `acme-dns01` (Let's Encrypt, TXT records in Route53; needs infra.kind aws). ACME is refused on a private domain.",
            "x-default": `selfSigned on a private domain (${PRIVATE_DOMAIN_SUFFIXES.join(", ")}), else required`,
          }),
        acme: z
          .strictObject({
            email: z
              .email({ error: "must be an e-mail address such as platform@example.com" })
              .optional()
              .describe("The ACME account's contact for expiry notices: required for the acme-* kinds, refused otherwise."),
            server: z
              .union([z.enum(["production", "staging"]), z.url({ protocol: /^https$/, error: 'must be "production", "staging" or an https URL of an ACME directory' })])
              .default("production")
              .describe("Let's Encrypt (`production`), its staging CA (`staging`: untrusted, high rate limits), or the https URL of another ACME directory."),
          })
          .default({ server: "production" })
          .describe("The ACME account (acme-* kinds)."),
        route53: z
          .strictObject({
            hostedZoneId: z
              .string()
              .regex(/^Z[A-Z0-9]{1,32}$/, { error: "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ" })
              .describe("Hosted zone id, e.g. Z0123456789ABCDEFGHIJ."),
          })
          .optional()
          .describe("Route53: the hosted zone holding `domain`; required for acme-dns01, refused otherwise."),
      })
      .default({ acme: { server: "production" } })
      .describe("Where the gateway's certificate comes from."),
    gateway: z
      .strictObject({
        replicas: count("replicas", 20)
          .min(1, { error: "must be >= 1" })
          .optional()
          .meta({ description: "Gateway (Envoy) replicas; highAvailability needs 2 or more.", "x-default": "2 where highAvailability, else 1" }),
        resources: resourcesSchema.default(res("100m", "128Mi", "1Gi")).describe("The Envoy container."),
        service: z
          .strictObject({
            type: z
              .enum(["LoadBalancer", "NodePort", "ClusterIP"])
              .optional()
              .meta({ description: "The gateway Service's type.", "x-default": "LoadBalancer on AWS, NodePort on an existing cluster (kind maps the node ports to the host)" }),
            annotations: z
              .record(annotationKey, z.string().max(4096, { error: "must be at most 4096 characters" }))
              .optional()
              .meta({ description: "Service annotations; LoadBalancer only.", "x-default": "on AWS: an internet-facing NLB with cross-zone load balancing; else none" }),
            nodePorts: z
              .strictObject({ http: nodePort.describe("Node port of HTTP."), https: nodePort.describe("Node port of HTTPS; not the same as http.") })
              .optional()
              .meta({
                description: "NodePort only: the node ports of the two listeners (`docs/kind-cluster.yaml` maps them to the host's ports 80 and 443).",
                "x-default": `http ${DEFAULT_NODE_PORTS.http}, https ${DEFAULT_NODE_PORTS.https} with NodePort`,
              }),
          })
          .default({})
          .describe("The gateway's Service."),
      })
      .default({ resources: res("100m", "128Mi", "1Gi"), service: {} })
      .describe("The gateway (Envoy) pods and their Service."),
    istiod: z
      .strictObject({
        replicas: count("replicas", 10)
          .min(1, { error: "must be >= 1" })
          .optional()
          .meta({ description: "istiod replicas; highAvailability needs 2 or more.", "x-default": "2 where highAvailability, else 1" }),
        resources: resourcesSchema.default(res("200m", "512Mi", "2Gi")).describe("Per replica."),
      })
      .default({ resources: res("200m", "512Mi", "2Gi") })
      .describe("istiod, the control plane that programs the gateway."),
  })
  .default({ issuer: { acme: { server: "production" } }, gateway: { resources: res("100m", "128Mi", "1Gi"), service: {} }, istiod: { resources: res("200m", "512Mi", "2Gi") } });

type EdgeInput = z.infer<typeof edgeInputSchema>;

/** The issuer kind: as configured, else selfSigned on a private domain (undefined: must be configured). */
function issuerKind(edge: EdgeInput, facts: PlatformFacts) {
  return edge.issuer.kind ?? (isPrivateDomain(facts.hosts.web) ? ("selfSigned" as const) : undefined);
}

function serviceType(edge: EdgeInput, facts: PlatformFacts) {
  return edge.gateway.service.type ?? (facts.infraKind === "aws" ? ("LoadBalancer" as const) : ("NodePort" as const));
}

/** Rules across the section's keys and with the platform's; paths are relative to `edge`. */
export function checkEdge(edge: EdgeInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path: [...at, ...path], message });
  const domain = facts.hosts.web.slice(facts.hosts.web.indexOf(".") + 1);
  const kind = issuerKind(edge, facts);
  const i = edge.issuer;
  if (kind === undefined) issue(["issuer", "kind"], `is required for the public domain "${domain}"; allowed: "acme-http01" or "acme-dns01" (Let's Encrypt), or "selfSigned" (browsers will not trust it)`);
  if (kind === "acme-http01" || kind === "acme-dns01") {
    if (isPrivateDomain(domain)) issue(["issuer", "kind"], `"${kind}" cannot issue for "${domain}": no public CA validates a private or loopback domain (${PRIVATE_DOMAIN_SUFFIXES.join(", ")}); allowed here: "selfSigned"`);
    if (i.acme.email === undefined) issue(["issuer", "acme", "email"], `is required for issuer kind "${kind}" (the ACME account's contact for expiry notices), e.g. platform@${domain}`);
  } else if (i.acme.email !== undefined) {
    issue(["issuer", "acme", "email"], `is only used by the acme-http01 and acme-dns01 issuers (this stack's issuer is "${kind ?? "unset"}"); remove it`);
  }
  if (kind === "acme-dns01") {
    if (facts.infraKind !== "aws") issue(["issuer", "kind"], '"acme-dns01" answers challenges in Route53 with an IAM role for cert-manager, which needs an AWS cluster (infra.kind "aws"); allowed on this cluster: "acme-http01" or "selfSigned"');
    if (i.route53 === undefined) issue(["issuer", "route53", "hostedZoneId"], `is required for issuer kind "acme-dns01": the Route53 hosted zone of "${domain}"`);
  } else if (i.route53 !== undefined) {
    issue(["issuer", "route53"], `is only used by the acme-dns01 issuer (this stack's issuer is "${kind ?? "unset"}"); remove it`);
  }
  const type = serviceType(edge, facts);
  const s = edge.gateway.service;
  if (s.nodePorts !== undefined && type !== "NodePort") issue(["gateway", "service", "nodePorts"], `only apply to service type NodePort (this stack's is ${type}); remove them or set type: NodePort`);
  if (s.nodePorts !== undefined && s.nodePorts.http === s.nodePorts.https) issue(["gateway", "service", "nodePorts", "https"], `${s.nodePorts.https} is also the http node port; allowed: two different node ports`);
  if (s.annotations !== undefined && type !== "LoadBalancer") issue(["gateway", "service", "annotations"], `are load-balancer settings, but the service type is ${type}; remove them or set type: LoadBalancer`);
  if (facts.highAvailability) {
    if (edge.gateway.replicas !== undefined && edge.gateway.replicas < 2) issue(["gateway", "replicas"], "must be >= 2 where highAvailability is true (one replica drops every connection on a node drain)");
    if (edge.istiod.replicas !== undefined && edge.istiod.replicas < 2) issue(["istiod", "replicas"], "must be >= 2 where highAvailability is true (no new gateway configuration while the only istiod restarts)");
  }
}

/** The validated section with every default applied. */
export function resolveEdge(edge: EdgeInput, facts: PlatformFacts) {
  const kind = issuerKind(edge, facts) ?? "selfSigned";
  const type = serviceType(edge, facts);
  const acme = kind === "selfSigned" ? undefined : { email: edge.issuer.acme.email ?? "", server: edge.issuer.acme.server in ACME_SERVERS ? ACME_SERVERS[edge.issuer.acme.server as keyof typeof ACME_SERVERS] : edge.issuer.acme.server };
  const replicas = facts.highAvailability ? 2 : 1;
  return {
    issuer: {
      kind,
      ...(acme ? { acme } : {}),
      ...(kind === "acme-dns01" && edge.issuer.route53 ? { route53: edge.issuer.route53 } : {}),
    },
    gateway: {
      replicas: edge.gateway.replicas ?? replicas,
      resources: edge.gateway.resources,
      service: {
        type,
        annotations: edge.gateway.service.annotations ?? (type === "LoadBalancer" && facts.infraKind === "aws" ? { ...DEFAULT_AWS_LB_ANNOTATIONS } : {}),
        ...(type === "NodePort" ? { nodePorts: edge.gateway.service.nodePorts ?? { ...DEFAULT_NODE_PORTS } } : {}),
      },
    },
    istiod: { replicas: edge.istiod.replicas ?? replicas, resources: edge.istiod.resources },
  };
}

export type EdgeConfig = ReturnType<typeof resolveEdge>;
