import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { noPublicLoadBalancer, tlsListeners } from "./k8s-exposure";

const SERVICE = "kubernetes:core/v1:Service";
const CHART = "kubernetes:helm.sh/v4:Chart";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

const service = (type: string, annotations?: unknown, namespace = "ods-apps") => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "api", namespace, annotations },
  spec: { type, ports: [{ port: 443 }] },
});

describe("k8s-no-public-load-balancer", () => {
  it("accepts ClusterIP and internal load balancers", async () => {
    expect(await check(noPublicLoadBalancer, SERVICE, service("ClusterIP"))).toEqual([]);
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }))).toEqual([]);
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-internal": "true" }))).toEqual([]);
  });
  it("reports an internet-facing load balancer", async () => {
    const svc = service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" });
    expect(await check(noPublicLoadBalancer, SERVICE, svc)).toEqual(["Service ods-apps/api is a public LoadBalancer (no internal-scheme annotation)."]);
  });
  it("reports a LoadBalancer requested through Helm values", async () => {
    const chart = { chart: "gateway", version: "1.28.0", namespace: "ods-edge", values: { service: { type: "LoadBalancer", ports: [] } } };
    expect(await check(noPublicLoadBalancer, CHART, chart)).toEqual(["Helm values service request a public LoadBalancer service (no internal-scheme annotation)."]);
    const internal = { ...chart, values: { service: { type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } } } };
    expect(await check(noPublicLoadBalancer, CHART, internal)).toEqual([]);
  });
  it("honours exemptions and unknown annotations", async () => {
    const cfg = { exemptions: [{ kind: "Service", namespace: "ods-edge", name: "api", reason: "the public edge gateway, behind WAF" }] };
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", undefined, "ods-edge"), cfg)).toEqual([]);
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", undefined, "ods-apps"), cfg)).toHaveLength(1);
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", UNKNOWN))).toEqual([]);
    expect(await check(noPublicLoadBalancer, SERVICE, service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-scheme": UNKNOWN }))).toEqual([]);
  });
});

const gateway = (listeners: unknown) => ({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "edge", namespace: "ods-edge" }, spec: { gatewayClassName: "istio", listeners } });

describe("k8s-tls-listeners", () => {
  const https = { name: "https", protocol: "HTTPS", port: 443, tls: { mode: "Terminate", certificateRefs: [{ name: "edge-tls" }] } };
  it("accepts HTTPS listeners with certificates and TLS passthrough", async () => {
    expect(await check(tlsListeners, GATEWAY, gateway([https, { name: "tls", protocol: "TLS", port: 8443, tls: { mode: "Passthrough" } }]))).toEqual([]);
  });
  it("reports plain HTTP and HTTPS without certificates", async () => {
    const res = await check(tlsListeners, GATEWAY, gateway([{ name: "http", protocol: "HTTP", port: 80 }, { name: "https", protocol: "HTTPS", port: 443, tls: { certificateRefs: [] } }]));
    expect(res).toEqual([
      "Gateway ods-edge/edge listener http uses protocol HTTP; only HTTPS or TLS is allowed.",
      "Gateway ods-edge/edge listener https terminates TLS but has no tls.certificateRefs.",
    ]);
  });
  it("checks Ingress hosts against spec.tls, wildcards included", async () => {
    const ingress = (tls: unknown) => ({ metadata: { name: "web", namespace: "ods-apps" }, spec: { tls, rules: [{ host: "app.ods.example.com" }, { host: "api.ods.example.com" }] } });
    expect(await check(tlsListeners, INGRESS, ingress([{ hosts: ["*.ods.example.com"], secretName: "wild" }]))).toEqual([]);
    expect(await check(tlsListeners, INGRESS, ingress([{ hosts: ["app.ods.example.com"], secretName: "app" }]))).toEqual([
      "Ingress ods-apps/web host api.ods.example.com is not covered by spec.tls.",
    ]);
    expect(await check(tlsListeners, INGRESS, ingress(undefined))).toEqual(["Ingress ods-apps/web has no spec.tls."]);
  });
  it("allows plaintext on a laptop when configured, and skips unknown values", async () => {
    expect(await check(tlsListeners, GATEWAY, gateway([{ name: "http", protocol: "HTTP", port: 80 }]), { allowPlaintextListeners: true })).toEqual([]);
    expect(await check(tlsListeners, GATEWAY, gateway([{ name: "x", protocol: UNKNOWN }, { name: "y", protocol: "HTTPS", tls: UNKNOWN }]))).toEqual([]);
  });
});
