// The edge layer as each stack's plan has it, checked against that stack's own config: the Gateway API
// CRDs from the pinned manifest before istiod and every Gateway/HTTPRoute, an HTTPS listener per exposed
// host with the one certificate, HTTP redirected, an HTTPRoute per exposed service in its namespace with
// the NetworkPolicy admitting the gateway, the issuer of the config, and the URLs.
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { REPO_ROOT } from "../../lib/repo";
import type { FullPlanResult } from "../../plan/run";
import type { RecordedResource } from "../../plan/types";
import { GATEWAY_NAMES, GATEWAY_POD_LABELS, listenerName, orderedHostKeys } from "../../components/edge/gateway";
import { GATEWAY_API } from "../../components/infra/gatewayApiCrds";
import { PUBLIC_HOST_LABELS, PublicHostKey } from "../../components/edge/contracts";
import { get, ofType } from "../harness";

type Obj = Record<string, unknown>;

export function describeEdgeLayer(stack: string, plan: () => FullPlanResult): void {
  const sc = readStackConfig(REPO_ROOT, stack);
  const cfg = validateStackConfig(sc);
  const e = cfg.edge;
  const edgeNs = `${cfg.namePrefix}-edge`;
  // Every layer's public hosts on this stack (MinIO's only where MinIO serves).
  const expected: PublicHostKey[] = orderedHostKeys(["web", "agentApi", "dataApi", "modelApi", "keycloak", "grafana", ...(cfg.data.objectStore.kind === "minio" ? (["minioConsole", "s3"] as const) : [])]);

  describe(`the edge layer of ${stack} (${e.issuer.kind}, ${e.gateway.service.type})`, () => {
    const rendered = (kind: string) => plan().resources.filter((r) => r.type.endsWith(`:${kind}`) && !r.component);
    const gateway = () => rendered("Gateway").find((g) => get(g, "metadata.name") === GATEWAY_NAMES.gateway)!;
    const routes = () => rendered("HTTPRoute");
    const listeners = () => get(gateway(), "spec.listeners") as Obj[];

    it("applies the Gateway API CRDs from the pinned v1.5.1 release manifest, expanded from the manifest cache", () => {
      const file = ofType(plan().resources, "kubernetes:yaml/v2:ConfigFile");
      expect(file.map((f) => get(f, "file"))).toEqual([GATEWAY_API.url]);
      const crds = plan().resources.filter((r) => r.parent === file[0].name && r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
      expect(crds.map((c) => get(c, "spec.names.kind")).sort()).toEqual(["BackendTLSPolicy", "GRPCRoute", "Gateway", "GatewayClass", "HTTPRoute", "ListenerSet", "ReferenceGrant", "TLSRoute"]);
      expect(crds.every((c) => (get(c, "metadata.annotations") as Obj)["gateway.networking.k8s.io/bundle-version"] === "v1.5.1")).toBe(true);
    });

    it("installs Istio 1.30.3 (base, istiod, gateway) in the edge namespace, istiod pinned and waiting for the CRDs", () => {
      const charts = ofType(plan().resources, "kubernetes:helm.sh/v4:Chart").filter((c) => get(c, "namespace") === edgeNs);
      expect(charts.map((c) => [get(c, "chart"), get(c, "version")]).sort()).toEqual([["base", "1.30.3"], ["gateway", "1.30.3"], ["istiod", "1.30.3"]]);
      const istiod = rendered("Deployment").find((d) => get(d, "metadata.name") === "istiod" && get(d, "metadata.namespace") === edgeNs)!;
      expect((get(istiod, "spec.template.spec.containers") as Obj[])[0].image).toBe("docker.io/istio/pilot:1.30.3");
      expect(get(istiod, "spec.replicas")).toBe(e.istiod.replicas);
      const file = ofType(plan().resources, "kubernetes:yaml/v2:ConfigFile")[0];
      const istiodChart = charts.find((c) => get(c, "chart") === "istiod")!;
      expect(istiodChart.dependencies).toContain(file.urn);
    });

    it("publishes the URL of every exposed host (output `urls`) and the model API's public /v1 URL", () => {
      const o = plan().outputs as { urls: Record<string, string>; modelServices: { api: { publicUrl: string } } };
      expect(o.urls).toEqual(Object.fromEntries(expected.map((k) => [k, `https://${PUBLIC_HOST_LABELS[k]}.${cfg.domain}`])));
      expect(o.modelServices.api.publicUrl).toBe(`https://llm.${cfg.domain}/v1`);
    });

    it("has one HTTPS listener per exposed host, all presenting the one certificate, and an HTTP listener for the redirect", () => {
      const l = listeners();
      expect(l[0]).toMatchObject({ name: "http", protocol: "HTTP", port: 80, allowedRoutes: { namespaces: { from: "Same" } } });
      const https = l.slice(1);
      expect(https.map((x) => x.name)).toEqual(expected.map(listenerName));
      expect(https.map((x) => x.hostname)).toEqual(expected.map((k) => `${PUBLIC_HOST_LABELS[k]}.${cfg.domain}`));
      for (const x of https) {
        expect(x).toMatchObject({ protocol: "HTTPS", port: 443, tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: GATEWAY_NAMES.certificate }] } });
        expect(get({ inputs: x } as unknown as RecordedResource, "allowedRoutes.namespaces.selector.matchExpressions")).toEqual([{ key: "ods.io/layer", operator: "Exists" }]);
      }
      expect(get(gateway(), "spec.addresses")).toEqual([{ type: "Hostname", value: `gateway.${edgeNs}.svc.cluster.local` }]);
    });

    it("one certificate for every exposed host, from the configured issuer", () => {
      const cert = rendered("Certificate").find((c) => get(c, "metadata.name") === GATEWAY_NAMES.certificate)!;
      expect(get(cert, "metadata.namespace")).toBe(edgeNs);
      expect(get(cert, "spec.dnsNames")).toEqual(expected.map((k) => `${PUBLIC_HOST_LABELS[k]}.${cfg.domain}`));
      const issuers = rendered("ClusterIssuer").filter((i) => !String(get(i, "metadata.name")).startsWith("cert-manager"));
      const signer = issuers.find((i) => get(i, "metadata.name") === (get(cert, "spec.issuerRef") as Obj).name)!;
      if (e.issuer.kind === "selfSigned") expect(get(signer, "spec.ca")).toEqual({ secretName: `ods-${stack}-issuer-ca` });
      else expect(get(signer, "spec.acme")).toMatchObject({ email: e.issuer.acme!.email, server: e.issuer.acme!.server });
      if (e.issuer.kind === "acme-dns01") expect((get(signer, "spec.acme.solvers") as Obj[])[0]).toMatchObject({ dns01: { route53: { hostedZoneID: e.issuer.route53!.hostedZoneId } } });
    });

    it("redirects every HTTP request to HTTPS with a 301", () => {
      const r = routes().find((x) => get(x, "metadata.name") === GATEWAY_NAMES.redirect)!;
      expect(get(r, "spec.parentRefs")).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: edgeNs, sectionName: "http" }]);
      expect(get(r, "spec.rules")).toEqual([{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);
    });

    it("every exposed service has an HTTPRoute on its host's HTTPS listener, in its own namespace, and a NetworkPolicy admitting only the gateway", () => {
      const published = routes().filter((x) => get(x, "metadata.name") !== GATEWAY_NAMES.redirect);
      expect([...new Set(published.map((x) => (get(x, "spec.parentRefs") as Obj[])[0].sectionName as string))].sort()).toEqual(expected.map(listenerName).sort());
      expect(published.map((x) => get(x, "spec.hostnames"))).toEqual(published.map((x) => [`${String((get(x, "spec.parentRefs") as Obj[])[0].sectionName).replace(/^https-/, "")}.${cfg.domain}`]));
      const policies = rendered("NetworkPolicy");
      for (const r of published) {
        const ns = get(r, "metadata.namespace");
        expect(ns).not.toBe(edgeNs);
        const backend = (get(r, "spec.rules") as { backendRefs: Obj[] }[])[0].backendRefs[0];
        const svc = rendered("Service").find((s) => get(s, "metadata.name") === backend.name && get(s, "metadata.namespace") === ns)!;
        expect(svc).toBeDefined();
        expect((get(svc, "spec.ports") as Obj[]).map((p) => p.port)).toContain(backend.port);
        const np = policies.find((p) => get(p, "metadata.name") === `allow-gateway-${get(r, "metadata.name")}`)!;
        expect(get(np, "metadata.namespace")).toBe(ns);
        expect(get(np, "spec.ingress")).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": edgeNs } }, podSelector: { matchLabels: GATEWAY_POD_LABELS } }], ports: [{ protocol: "TCP", port: expect.any(Number) }] }]);
        // The policy selects the Service's pods (a subset of its selector's labels), on the port the Service forwards to.
        expect(get(svc, "spec.selector")).toMatchObject(get(np, "spec.podSelector.matchLabels") as Obj);
        const target = (get(svc, "spec.ports") as Obj[]).find((p) => p.port === backend.port)!.targetPort;
        const npPort = ((get(np, "spec.ingress") as { ports: Obj[] }[])[0].ports[0]).port;
        expect(typeof target === "number" ? target : npPort).toBe(npPort);
      }
    });

    it("the gateway pods accept the listener ports from anywhere; its Service is what the stack configures", () => {
      const np = rendered("NetworkPolicy").find((p) => get(p, "metadata.name") === "allow-gateway-listeners")!;
      expect((get(np, "spec.ingress") as Obj[])[0]).toEqual({ ports: [{ protocol: "TCP", port: 80 }, { protocol: "TCP", port: 443 }, { protocol: "TCP", port: 15021 }] });
      const svc = rendered("Service").find((s) => get(s, "metadata.name") === "gateway" && get(s, "metadata.namespace") === edgeNs)!;
      expect(get(svc, "spec.type")).toBe(e.gateway.service.type);
      expect(get(svc, "metadata.annotations") ?? {}).toMatchObject(e.gateway.service.annotations);
      if (e.gateway.service.nodePorts) {
        const ports = get(svc, "spec.ports") as Obj[];
        expect(ports.filter((p) => p.nodePort).map((p) => [p.port, p.nodePort])).toEqual([[80, e.gateway.service.nodePorts.http], [443, e.gateway.service.nodePorts.https]]);
      }
      const d = rendered("Deployment").find((x) => get(x, "metadata.name") === "gateway" && get(x, "metadata.namespace") === edgeNs)!;
      expect(get(d, "spec.replicas")).toBe(e.gateway.replicas);
      const pdb = rendered("PodDisruptionBudget").find((x) => get(x, "metadata.namespace") === edgeNs && get(x, "metadata.name") === "gateway");
      expect(pdb !== undefined).toBe(e.gateway.replicas > 1);
    });
  });
}
