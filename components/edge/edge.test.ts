// The edge components' pure parts (listeners, routes, chart values, issuer solvers) with the bad arguments
// each refuses, and the components as recorded under the mocks.
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { allStrings, get, record } from "../../test/harness";
import { publicHosts } from "./contracts";
import { EdgeGateway, edgeGatewayProblems, gatewayListeners, gatewayValues, listenerName, orderedHostKeys, redirectRouteSpec } from "./gateway";
import { gatewayApiUrlProblem, GATEWAY_API, retainChildren } from "../infra/gatewayApiCrds";
import { acmeSolver, CertIssuer, HTTP01_SOLVER, issuerProblems, route53Policy } from "./issuer";
import { istioProblems, istiodValues } from "./istio";
import { routePlans, routeProblems } from "./routes";
import { publicUrls } from "../../layers/edge";
import { cachedManifest, fetchManifest, manifestProblems, PINNED_MANIFESTS, renderManifestFiles } from "../../plan/manifestFiles";

const hosts = publicHosts("t.example.com");
const res = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } };
const svc = { namespace: "ods-data", service: "data-api", port: 8080, targetPort: 8080, pods: { app: "data-api" } };

test("listeners: HTTP for the redirect, then one HTTPS listener per host in host order, each with the certificate", () => {
  const l = gatewayListeners(hosts, ["modelApi", "dataApi", "dataApi"], "public-tls");
  expect(l.map((x) => [x.name, x.protocol, x.port, (x as { hostname?: string }).hostname])).toEqual([
    ["http", "HTTP", 80, undefined],
    ["https-data", "HTTPS", 443, "data.t.example.com"],
    ["https-llm", "HTTPS", 443, "llm.t.example.com"],
  ]);
  expect(l[1]).toMatchObject({ tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", group: "", name: "public-tls" }] } });
  expect(orderedHostKeys(["s3", "web"])).toEqual(["web", "s3"]);
  expect(listenerName("agentApi")).toBe("https-agent");
});

test("the redirect answers every HTTP request with a 301 to https", () => {
  expect(redirectRouteSpec("ods-edge").rules).toEqual([{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);
});

test.each([
  [{ hostKeys: [], replicas: 1, service: { type: "ClusterIP", annotations: {} } }, "hostKeys is empty"],
  [{ hostKeys: ["nope"], replicas: 1, service: { type: "ClusterIP", annotations: {} } }, 'unknown host key "nope"'],
  [{ hostKeys: ["web"], replicas: 0, service: { type: "ClusterIP", annotations: {} } }, "replicas 0 is out of range"],
  [{ hostKeys: ["web"], replicas: 1, service: { type: "NodePort", annotations: {} } }, "service.nodePorts is required for service type NodePort"],
  [{ hostKeys: ["web"], replicas: 1, service: { type: "LoadBalancer", annotations: {}, nodePorts: { http: 30080, https: 30443 } } }, "service.nodePorts only applies to type NodePort"],
])("EdgeGateway refuses %j", (args, message) => {
  expect(edgeGatewayProblems(args as Parameters<typeof edgeGatewayProblems>[0]).join("; ")).toContain(message);
});

test("gateway values: fixed replicas, restricted pods, readiness on the status port, PDB and spreading only with replicas > 1", () => {
  const one = gatewayValues({ replicas: 1, resources: res, service: { type: "NodePort", annotations: {}, nodePorts: { http: 30080, https: 30443 } } });
  expect(one.autoscaling).toEqual({ enabled: false });
  expect(one.podDisruptionBudget).toEqual({});
  expect(one.service.ports.map((p) => [p.port, (p as { nodePort?: number }).nodePort])).toEqual([[15021, undefined], [80, 30080], [443, 30443]]);
  expect(one.securityContext.sysctls).toEqual([{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]);
  expect(one.containerSecurityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
  expect(one.readinessProbe.httpGet).toEqual({ path: "/healthz/ready", port: 15021 });
  const three = gatewayValues({ replicas: 3, resources: res, service: { type: "LoadBalancer", annotations: { a: "b" } } });
  expect(three.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
  expect(three.topologySpreadConstraints.map((t) => t.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  expect(three.service).toMatchObject({ type: "LoadBalancer", annotations: { a: "b" }, externalTrafficPolicy: "Local" });
});

test("istiod values: pinned images, fixed replicas, a PDB only with two or more; bad arguments refused", () => {
  const v = istiodValues("ods-edge", { replicas: 1, resources: res });
  expect(v.global).toMatchObject({ istioNamespace: "ods-edge", hub: "docker.io/istio", tag: "1.30.3", defaultPodDisruptionBudget: { enabled: false } });
  expect([v.autoscaleEnabled, v.replicaCount]).toEqual([false, 1]);
  expect(istiodValues("ods-edge", { replicas: 2, resources: res }).global.defaultPodDisruptionBudget).toEqual({ enabled: true });
  expect(istioProblems({ replicas: 0 })).toEqual(["replicas 0 is out of range; allowed: an integer 1-10"]);
  expect(istioProblems({ replicas: 1, version: "latest" })[0]).toContain('version "latest" is not a pinned chart version');
});

test("routes: one per service, named by host and path; duplicates, bad paths, ports and empty selectors refused", () => {
  expect(routePlans([{ host: "dataApi", ...svc }, { host: "web", ...svc, pathPrefix: "/api" }], hosts)).toEqual([
    { name: "public-data", host: "data.t.example.com", sectionName: "https-data", pathPrefix: "/" },
    { name: "public-app-api", host: "app.t.example.com", sectionName: "https-app", pathPrefix: "/api" },
  ]);
  const bad = routeProblems([
    { host: "dataApi", ...svc },
    { host: "dataApi", ...svc },
    { host: "web", ...svc, pathPrefix: "api" },
    { host: "s3", ...svc, port: 0 },
    { host: "grafana", ...svc, pods: {} },
  ]).join("; ");
  expect(bad).toContain("services[1]: host dataApi path / is already published by services[0]");
  expect(bad).toContain('services[2].pathPrefix "api" is not an absolute path prefix');
  expect(bad).toContain("services[3].port 0 is not a TCP port");
  expect(bad).toContain("services[4].pods is empty");
});

test("issuers: solver per kind, Route53 scoped to one zone, missing settings refused", () => {
  expect(acmeSolver({ kind: "acme-http01", http01: { gateway: "public", namespace: "ods-edge", sectionName: "http" } })).toEqual({
    http01: { gatewayHTTPRoute: { serviceType: "ClusterIP", parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "ods-edge", sectionName: "http" }] } },
  });
  expect(acmeSolver({ kind: "acme-dns01" }, { hostedZoneId: "Z1", region: "us-east-1", roleArn: "arn:aws:iam::1:role/r", serviceAccount: "sa" })).toEqual({
    dns01: { route53: { region: "us-east-1", hostedZoneID: "Z1", role: "arn:aws:iam::1:role/r", auth: { kubernetes: { serviceAccountRef: { name: "sa" } } } } },
  });
  expect(() => acmeSolver({ kind: "selfSigned" })).toThrow("has no ACME solver");
  const policy = JSON.parse(route53Policy("Z1")) as { Statement: { Action: string[]; Resource: string; Condition?: Record<string, Record<string, string[]>> }[] };
  expect(policy.Statement.map((s) => s.Resource)).toEqual(["arn:aws:route53:::change/*", "arn:aws:route53:::hostedzone/Z1", "arn:aws:route53:::hostedzone/Z1", "*"]);
  // Record changes: TXT records of the challenge only, never the platform's A/CNAME records.
  const change = policy.Statement.find((s) => s.Action.includes("route53:ChangeResourceRecordSets"))!;
  expect(change.Condition).toEqual({ "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] }, "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"] } });
  expect(issuerProblems({ kind: "acme-http01" })).toEqual(["kind acme-http01 needs acme.email (the ACME account's contact)", "kind acme-http01 needs http01 (the Gateway and its HTTP listener that answer the challenge)"]);
  expect(issuerProblems({ kind: "acme-dns01", acme: { email: "a@b.c", server: "http://x" } })).toContain('acme.server "http://x" is not an https ACME directory URL');
  expect(issuerProblems({ kind: "selfSigned", dns01: { hostedZoneId: "Z", region: "r", oidcProviderArn: "a", oidcIssuerUrl: "u" } })).toEqual(["dns01 is only used by kind acme-dns01 (kind is selfSigned)"]);
});

/** A manifest shaped like a Gateway API release: one CRD stamped with `version`. */
const crdManifest = (version: string, group = "gateway.networking.k8s.io") =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gateways.${group}\n  annotations:\n    gateway.networking.k8s.io/bundle-version: ${version}\nspec:\n  group: ${group}\n`;

test("the Gateway API manifest must be a pinned release; the offline plan reads it from the cache or says how to fill it", () => {
  expect(gatewayApiUrlProblem(GATEWAY_API.url)).toBeUndefined();
  expect(gatewayApiUrlProblem("https://github.com/kubernetes-sigs/gateway-api/releases/latest/download/standard-install.yaml")).toContain("is not a pinned Gateway API release manifest");
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "ods-manifests-"));
  fs.mkdirSync(path.join(cache, "gateway-api-v1.5.1"));
  fs.writeFileSync(path.join(cache, "gateway-api-v1.5.1", "standard-crds.yaml"), crdManifest("v1.5.1"));
  expect(cachedManifest(GATEWAY_API.url, cache, "x")).toBe(path.join(cache, "gateway-api-v1.5.1", "standard-crds.yaml"));
  expect(() => cachedManifest(GATEWAY_API.url, "/nonexistent", "x", "GET: offline")).toThrow(`fetching it failed (GET: offline)`);
  expect(() => cachedManifest(GATEWAY_API.url, "/nonexistent", "x")).toThrow(`curl -fsSL ${GATEWAY_API.url} -o /nonexistent/gateway-api-v1.5.1/standard-install.yaml`);
  expect(() => cachedManifest("https://example.com/x.yaml", cache, "x")).toThrow("is not a manifest the offline plan knows");
});

test("a missing pinned manifest is fetched into the cache, checked against its release; another release or a broken body is refused", async () => {
  const bodies: Record<string, [number, string]> = { "/ok": [200, crdManifest("v1.5.1")], "/old": [200, crdManifest("v1.4.0")], "/foreign": [200, crdManifest("v1.5.1", "example.com")], "/gone": [404, ""], "/junk": [200, "{: ["] };
  const server = http.createServer((req, res) => {
    const [status, body] = bodies[req.url ?? ""] ?? [500, ""];
    res.writeHead(status).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pinned = PINNED_MANIFESTS[GATEWAY_API.url];
  try {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "ods-manifests-"));
    const dest = path.join(cache, pinned.files[0]);
    expect(await fetchManifest(`${base}/old`, pinned, cache, "x")).toContain("release v1.4.0, not gateway.networking.k8s.io v1.5.1");
    expect(await fetchManifest(`${base}/foreign`, pinned, cache, "x")).toContain("of group example.com");
    expect(await fetchManifest(`${base}/gone`, pinned, cache, "x")).toBe(`GET ${base}/gone: HTTP 404`);
    expect(await fetchManifest(`${base}/junk`, pinned, cache, "x")).toMatch(/invalid YAML|not an object/);
    expect(fs.existsSync(dest)).toBe(false);
    expect(await fetchManifest(`${base}/ok`, pinned, cache, "x")).toBeUndefined();
    expect(fs.readFileSync(dest, "utf8")).toBe(crdManifest("v1.5.1"));
    expect(cachedManifest(GATEWAY_API.url, cache, "x")).toBe(dest);
    expect(fs.readdirSync(path.dirname(dest))).toEqual(["standard-install.yaml"]);
  } finally {
    server.close();
  }
  expect(manifestProblems("kind: ConfigMap\napiVersion: v1\n", pinned, "x")).toEqual(["x: holds no CustomResourceDefinition"]);
});

test("the Gateway API CRDs' children are kept on delete (the transform adds retainOnDelete to each)", async () => {
  const out = await retainChildren({ type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", name: "gateways", custom: true, props: { a: 1 }, opts: { protect: false } });
  expect(out).toEqual({ props: { a: 1 }, opts: { protect: false, retainOnDelete: true } });
});

test("urls: https://<host> per exposed host key", () => {
  expect(publicUrls(hosts, ["modelApi", "dataApi"])).toEqual({ dataApi: "https://data.t.example.com", modelApi: "https://llm.t.example.com" });
});

test("recorded: HTTP-01 answers through the Gateway, whose pods alone may reach the solver pods (default deny)", async () => {
  const gatewayPods = { app: "gateway", istio: "gateway" };
  const rs = await record(() => new CertIssuer("t-issuer", { kind: "acme-http01", acme: { email: "ops@example.com", server: "https://acme-v02.api.letsencrypt.org/directory" }, certManagerNamespace: "ods-infra", http01: { gateway: "public", namespace: "ods-edge", sectionName: "http", gatewayPods } }));
  const np = rs.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!;
  expect(get(np, "metadata.namespace")).toBe("ods-edge");
  expect(get(np, "spec.podSelector")).toEqual({ matchLabels: { [HTTP01_SOLVER.label]: "true" } });
  expect(get(np, "spec.ingress")).toEqual([{ from: [{ podSelector: { matchLabels: gatewayPods } }], ports: [{ protocol: "TCP", port: 8089 }] }]);
  // No policy for the other kinds: nothing runs a solver pod.
  const selfSigned = await record(() => new CertIssuer("t-issuer", { kind: "selfSigned", certManagerNamespace: "ods-infra" }));
  expect(selfSigned.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual([]);
});

test("recorded: the self-signed chain, the Gateway bound to the chart's Service, no secret anywhere", async () => {
  const resources = await record(() => {
    const issuer = new CertIssuer("t-issuer", { kind: "selfSigned", certManagerNamespace: "ods-infra" });
    new EdgeGateway("t-gateway", { namespace: "ods-edge", hosts, hostKeys: ["dataApi"], replicas: 1, resources: res, service: { type: "ClusterIP", annotations: {} }, issuerRef: issuer.issuerRef, monitoringNamespace: "ods-observability" });
  });
  const crs = resources.filter((r) => /^kubernetes:(cert-manager\.io|gateway\.networking\.k8s\.io)\//.test(r.type));
  const named = (kind: string, name: string) => crs.find((r) => get(r, "kind") === kind && get(r, "metadata.name") === name)!;
  expect(crs.map((r) => `${String(get(r, "kind"))} ${String(get(r, "metadata.name"))}`).sort()).toEqual([
    "Certificate public-tls",
    "Certificate t-issuer-ca",
    "ClusterIssuer t-issuer",
    "ClusterIssuer t-issuer-root",
    "Gateway public",
    "HTTPRoute https-redirect",
  ]);
  expect(get(named("Gateway", "public"), "spec.addresses")).toEqual([{ type: "Hostname", value: "gateway.ods-edge.svc.cluster.local" }]);
  expect(get(named("Certificate", "public-tls"), "spec.dnsNames")).toEqual(["data.t.example.com"]);
  expect(get(named("Certificate", "public-tls"), "spec.issuerRef")).toEqual({ name: "t-issuer", kind: "ClusterIssuer", group: "cert-manager.io" });
  expect(get(named("ClusterIssuer", "t-issuer"), "spec.ca")).toEqual({ secretName: "t-issuer-ca" });
  expect(named("Certificate", "t-issuer-ca").options?.retainOnDelete).toBe(true);
  expect(allStrings(resources.map((r) => r.inputs)).some((s) => s.includes("PRIVATE KEY"))).toBe(false);
});

test("renderManifestFiles leaves a plan without ConfigFiles alone", () => {
  expect(renderManifestFiles([], { cacheDir: "/nonexistent" })).toEqual([]);
});
