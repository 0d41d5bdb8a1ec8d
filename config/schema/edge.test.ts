// The edge section: defaults that follow the domain, the cluster and highAvailability, and every rule with the bad input that breaks it.
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../../test/minimalConfig";
import { configErrorOf } from "../../test/harness";
import { validateConfig } from "../load";
import { ACME_SERVERS, DEFAULT_AWS_LB_ANNOTATIONS, isPrivateDomain } from "./edge";

const existing = { kind: "existing", existingCluster: {} };
const aws = {
  kind: "aws",
  aws: { region: "us-east-1", availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"], kubernetesVersion: "1.35", ebsCsiAddonVersion: "v1.67.1-eksbuild.1", systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 4, desiredSize: 4, maxSize: 6 } },
};
type Opts = { ha?: boolean; infra?: Record<string, unknown>; domain?: string };
const cfg = (edge: Record<string, unknown> | undefined, opts: Opts = {}) =>
  validateConfig({
    environment: "t",
    domain: opts.domain ?? "t.example.com",
    highAvailability: opts.ha ?? false,
    infra: opts.infra ?? existing,
    data: { ...MINIMAL_DATA, access: { mode: "nodePort" } },
    model: MINIMAL_MODEL,
    identity: MINIMAL_IDENTITY,
    apps: opts.ha ? { agentApi: { ...MINIMAL_APPS.agentApi, replicas: { min: 2, max: 4 } }, web: { ...MINIMAL_APPS.web, replicas: { min: 2, max: 4 } } } : MINIMAL_APPS,
    ...(edge ? { edge } : {}),
  });
const error = (edge: Record<string, unknown> | undefined, opts: Opts = {}) => configErrorOf(() => cfg(edge, opts));
const ACME = { email: "ops@example.com" };
const DNS01 = { kind: "acme-dns01", acme: ACME, route53: { hostedZoneId: "Z0123456789ABC" } };

test("private domains are the ones no public CA validates", () => {
  expect(["ods.localtest.me", "a.localhost", "x.test", "corp.internal", "h.home.arpa"].map(isPrivateDomain)).toEqual([true, true, true, true, true]);
  expect(["ods.example.com", "localtest.me.example.com", "testing.io"].map(isPrivateDomain)).toEqual([false, false, false]);
});

test("defaults on a laptop: a self-signed CA, a NodePort gateway on 30080/30443, one replica each", () => {
  const e = cfg(undefined, { domain: "ods.localtest.me" }).edge;
  expect(e.issuer).toEqual({ kind: "selfSigned" });
  expect(e.gateway).toEqual({ replicas: 1, resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } }, service: { type: "NodePort", annotations: {}, nodePorts: { http: 30080, https: 30443 } } });
  expect(e.istiod).toEqual({ replicas: 1, resources: { requests: { cpu: "200m", memory: "512Mi" }, limits: { memory: "2Gi" } } });
});

test("defaults on AWS with HA: an internet-facing NLB, Let's Encrypt production, two replicas each", () => {
  const e = cfg({ issuer: DNS01 }, { infra: aws, ha: true }).edge;
  expect(e.issuer).toEqual({ kind: "acme-dns01", acme: { email: "ops@example.com", server: ACME_SERVERS.production }, route53: { hostedZoneId: "Z0123456789ABC" } });
  expect(e.gateway.service).toEqual({ type: "LoadBalancer", annotations: DEFAULT_AWS_LB_ANNOTATIONS });
  expect(e.gateway.service.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]).toBe("internet-facing");
  expect([e.gateway.replicas, e.istiod.replicas]).toEqual([2, 2]);
});

test("the ACME server: staging by name, or any https directory", () => {
  expect(cfg({ issuer: { kind: "acme-http01", acme: { ...ACME, server: "staging" } } }).edge.issuer.acme).toEqual({ email: "ops@example.com", server: ACME_SERVERS.staging });
  expect(cfg({ issuer: { kind: "acme-http01", acme: { ...ACME, server: "https://acme.zerossl.com/v2/DV90" } } }).edge.issuer.acme?.server).toBe("https://acme.zerossl.com/v2/DV90");
});

test.each([
  [{}, {}, 'ods:edge.issuer.kind (not set): is required for the public domain "t.example.com"'],
  [{ issuer: { kind: "acme-http01", acme: ACME } }, { domain: "ods.localtest.me" }, '"acme-http01" cannot issue for "ods.localtest.me": no public CA validates a private or loopback domain'],
  [{ issuer: { kind: "acme-http01" } }, {}, 'ods:edge.issuer.acme.email (not set): is required for issuer kind "acme-http01"'],
  [{ issuer: { kind: "acme-http01", acme: { email: "not-an-address" } } }, {}, "ods:edge.issuer.acme.email = \"not-an-address\": must be an e-mail address"],
  [{ issuer: { kind: "acme-http01", acme: { ...ACME, server: "http://acme.example.com/dir" } } }, {}, 'must be "production", "staging" or an https URL of an ACME directory'],
  [{ issuer: { kind: "acme-dns01", acme: ACME } }, { infra: aws }, 'ods:edge.issuer.route53.hostedZoneId (not set): is required for issuer kind "acme-dns01"'],
  [{ issuer: DNS01 }, {}, '"acme-dns01" answers challenges in Route53 with an IAM role for cert-manager, which needs an AWS cluster'],
  [{ issuer: { ...DNS01, route53: { hostedZoneId: "example.com" } } }, { infra: aws }, "must be a Route53 hosted zone id"],
  [{ issuer: { kind: "acme-http01", acme: ACME, route53: { hostedZoneId: "Z0123456789ABC" } } }, {}, 'is only used by the acme-dns01 issuer (this stack\'s issuer is "acme-http01")'],
  [{ issuer: { kind: "selfSigned", acme: ACME } }, {}, 'is only used by the acme-http01 and acme-dns01 issuers (this stack\'s issuer is "selfSigned")'],
  [{ issuer: { kind: "letsencrypt" } }, {}, "ods:edge.issuer.kind = \"letsencrypt\""],
  [{ issuer: { kind: "selfSigned" }, gateway: { service: { type: "LoadBalancer", nodePorts: { http: 30080, https: 30443 } } } }, {}, "only apply to service type NodePort (this stack's is LoadBalancer)"],
  [{ issuer: { kind: "selfSigned" }, gateway: { service: { nodePorts: { http: 30080, https: 30080 } } } }, {}, "ods:edge.gateway.service.nodePorts.https = 30080: 30080 is also the http node port"],
  [{ issuer: { kind: "selfSigned" }, gateway: { service: { nodePorts: { http: 80, https: 30443 } } } }, {}, "ods:edge.gateway.service.nodePorts.http = 80: must be a node port (30000-32767)"],
  [{ issuer: { kind: "selfSigned" }, gateway: { service: { annotations: { a: "b" } } } }, {}, "are load-balancer settings, but the service type is NodePort"],
  [{ issuer: { kind: "selfSigned" }, gateway: { replicas: 1 } }, { ha: true }, "ods:edge.gateway.replicas = 1: must be >= 2 where highAvailability is true"],
  [{ issuer: { kind: "selfSigned" }, istiod: { replicas: 1 } }, { ha: true }, "ods:edge.istiod.replicas = 1: must be >= 2 where highAvailability is true"],
  [{ issuer: { kind: "selfSigned" }, gateway: { replicas: 0 } }, {}, "ods:edge.gateway.replicas = 0: must be >= 1"],
  [{ issuer: { kind: "selfSigned" }, gateway: { resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { memory: "1Gi" } } } }, {}, "must be a Kubernetes quantity"],
  [{ issuer: { kind: "selfSigned" }, ingress: {} }, {}, "ingress"],
])("%j is rejected by name", (edge, opts, message) => {
  expect(error(edge, opts as Opts)).toContain(message);
});

test("the good neighbours of those cases pass", () => {
  expect(() => cfg({ issuer: { kind: "acme-http01", acme: ACME } })).not.toThrow();
  expect(() => cfg({ issuer: DNS01 }, { infra: aws })).not.toThrow();
  expect(() => cfg({ issuer: { kind: "selfSigned" } })).not.toThrow();
  expect(() => cfg({ issuer: { kind: "selfSigned" }, gateway: { replicas: 2 }, istiod: { replicas: 2 } }, { ha: true })).not.toThrow();
  expect(() => cfg({ issuer: { kind: "selfSigned" }, gateway: { service: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" } } } })).not.toThrow();
});

test("Service annotation keys must be Kubernetes keys; values are bounded", () => {
  const svc = (annotations: Record<string, string>) => ({ issuer: { kind: "selfSigned" }, gateway: { service: { type: "LoadBalancer", annotations } } });
  expect(error(svc({ "bad key!": "x" }))).toContain("must be a Kubernetes annotation key");
  expect(error(svc({ "Example.COM/x": "x" }))).toContain("must be a Kubernetes annotation key");
  expect(error(svc({ "a/b": "v".repeat(5000) }))).toContain("must be at most 4096 characters");
  expect(cfg(svc({ "service.beta.kubernetes.io/aws-load-balancer-type": "external" })).edge.gateway.service).toMatchObject({ annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "external" } });
});
