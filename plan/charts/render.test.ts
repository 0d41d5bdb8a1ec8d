// Chart rendering with the real Helm against the test chart in testdata/ (and the shared cert-manager
// chart): what becomes a child, how it is named, and every way a chart fails to render.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "@pulumi/kubernetes-cert-manager";
import { allStrings, get, ofType, record } from "../../test/harness";
import { manifestFiles, validateObjects } from "../manifests";
import type { RecordedResource } from "../types";
import { chartCacheDir } from "./cache";
import { helmBinary } from "./helm";
import { apiVersionChecks, renderCharts, RenderResult, usesApiVersions } from "./render";

const CACHE = path.join(__dirname, "testdata");
const TEST_CHART = path.join(CACHE, "ods-testchart");
/** Refused at once: a chart that is not in the cache fails fast instead of waiting on the network. */
const DEAD_REPO = "http://127.0.0.1:9/";
const V4 = "kubernetes:helm.sh/v4:Chart";

class App extends pulumi.ComponentResource {
  constructor(name: string, build: (parent: pulumi.Resource) => void) {
    super("ods:test:App", name, {}, {});
    build(this);
    this.registerOutputs({});
  }
}

function testChart(name: string, args: Partial<k8s.helm.v4.ChartArgs> = {}) {
  return new App(`${name}-app`, (parent) => {
    new k8s.helm.v4.Chart(name, { chart: "ods-testchart", version: "v0.3.0", namespace: "ods-test", repositoryOpts: { repo: DEAD_REPO }, ...args }, { parent });
    new k8s.core.v1.ConfigMap(`${name}-after`, { metadata: { name: "declared-after", namespace: "ods-test" } }, { parent });
  });
}

async function render(build: () => unknown, opts: { kubeVersion?: unknown; cacheDir?: string } = {}): Promise<RenderResult> {
  const declared = await record(build);
  return renderCharts(declared, { kubeVersion: "kubeVersion" in opts ? opts.kubeVersion : "1.35", cacheDir: opts.cacheDir ?? CACHE });
}

const childrenOf = (rs: RecordedResource[], chart: string) => rs.filter((r) => r.parent === chart && !r.type.startsWith("ods:") && r.name.startsWith(`${chart}:`));
/** The one resource with this name (and type, where names repeat across kinds). */
const byName = (rs: RecordedResource[], name: string, type?: string) => {
  const found = rs.filter((r) => r.name === name && (!type || r.type === type));
  if (found.length !== 1) throw new Error(`expected one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}`);
  return found[0];
};

describe("a helm.v4.Chart from the cache", () => {
  let result: RenderResult;
  let children: RecordedResource[];
  beforeAll(async () => {
    result = await render(() => testChart("demo"));
    children = childrenOf(result.resources, "demo");
  });

  it("records each rendered object as a child of the chart, right after it, with type token, name and URN", () => {
    // The chart's children follow it directly; the resource declared next to it stays where it was.
    const names = result.resources.map((r) => r.name);
    const at = names.indexOf("demo");
    expect(names.slice(at + 1, at + 1 + children.length)).toEqual(children.map((c) => c.name));
    expect(names).toContain("demo-after");
    expect(names.slice(at + 1, at + 1 + children.length)).not.toContain("demo-after");
    expect(children.map((c) => `${c.type} ${c.name}`).sort()).toEqual([
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition demo:gadgets.ods-test.example.com",
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition demo:widgets.ods-test.example.com",
      "kubernetes:core/v1:ConfigMap demo:ods-test/demo-config",
      "kubernetes:core/v1:ConfigMap demo:ods-test/listed-config",
      "kubernetes:core/v1:Secret demo:ods-test/demo-token",
      "kubernetes:ods-test.example.com/v1:Gadget demo:global-gadget",
      "kubernetes:ods-test.example.com/v1:Widget demo:ods-test/demo",
      "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole demo:ods-testchart-reader",
    ]);
    for (const c of children) {
      expect(c).toMatchObject({ parent: "demo", parentType: V4, component: false });
      expect(c.urn).toBe(`urn:pulumi:test::ods::ods:test:App$${V4}$${c.type}::${c.name}`);
    }
    expect(result.charts).toEqual([
      { type: V4, name: "demo", chart: "ods-testchart", version: "v0.3.0", path: TEST_CHART, objects: 8, passes: 2 },
    ]);
  });

  it("sets the release namespace on namespaced objects only (built-in kinds and the plan's CRD scopes)", () => {
    const ns = (name: string) => get(byName(children, name), "metadata.namespace");
    expect(ns("demo:ods-test/demo-config")).toBe("ods-test");
    expect(ns("demo:ods-test/listed-config")).toBe("ods-test");
    expect(ns("demo:ods-test/demo")).toBe("ods-test");
    expect(ns("demo:ods-testchart-reader")).toBeUndefined();
    expect(ns("demo:global-gadget")).toBeUndefined();
  });

  it("renders with the release name, the stack's Kubernetes version and the API versions of the CRDs found", () => {
    const data = get(byName(children, "demo:ods-test/demo-config"), "data");
    expect(data).toEqual({ greeting: "hello", release: "demo", namespace: "ods-test", kubeVersion: "v1.35.0", widgetApi: "true" });
  });

  it("expands a List into its items and keeps no List", () => {
    expect(children.some((c) => c.type.endsWith(":List"))).toBe(false);
    expect(get(byName(children, "demo:ods-test/listed-config"), "data")).toEqual({ from: "a List" });
  });

  it("marks a Secret's data and stringData secret, so no value of it is in the plan", () => {
    const secret = byName(children, "demo:ods-test/demo-token");
    expect(secret.inputs.data).toBe("[secret]");
    expect(secret.inputs.stringData).toBe("[secret]");
    const everything = allStrings(result.resources);
    expect(everything.some((s) => s.includes("s3cr3t") || s.includes(Buffer.from("s3cr3t-from-chart").toString("base64")))).toBe(false);
    // The bad case: the chart does render the values, which the plan must not keep.
    const raw = spawnSync(helmBinary(), ["template", "demo", TEST_CHART], { encoding: "utf8" });
    expect(raw.stdout).toContain("s3cr3t-string-from-chart");
  });

  it("drops hooks as helm.v4.Chart does, although the chart has them", () => {
    expect(children.some((c) => c.type === "kubernetes:batch/v1:Job" || c.type === "kubernetes:core/v1:Pod")).toBe(false);
    // The bad case: Helm itself renders them when hooks are not switched off.
    const raw = spawnSync(helmBinary(), ["template", "demo", TEST_CHART], { encoding: "utf8" });
    expect(raw.stdout).toContain("helm.sh/hook: pre-install");
    expect(raw.stdout).toContain("helm.sh/hook: test");
  });

  it("its objects pass their schemas: built-in kinds upstream, custom resources against the rendered CRDs", () => {
    expect(validateObjects(manifestFiles(result.resources))).toEqual([]);
  });

  it("writes the objects' manifests with a header naming the chart", () => {
    const file = manifestFiles(result.resources).find((f) => f.source.name === "demo:ods-test/demo")!;
    expect(file.renderedBy).toEqual({ type: V4, name: "demo", chart: "ods-testchart", version: "v0.3.0" });
  });
});

test("inputs change the render: release name, skipCrds, values; a declared CRD makes one pass enough", async () => {
  const { resources, charts } = await render(() =>
    new App("app", (parent) => {
      new k8s.apiextensions.v1.CustomResourceDefinition("widgets-crd", {
        metadata: { name: "widgets.ods-test.example.com" },
        spec: {
          group: "ods-test.example.com",
          scope: "Namespaced",
          names: { kind: "Widget", plural: "widgets" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } } }],
        },
      }, { parent });
      new k8s.helm.v4.Chart("named", { chart: "ods-testchart", version: "0.3.0", name: "custom", namespace: "other", skipCrds: true, values: { greeting: "hi" } }, { parent });
    }),
  );
  const children = childrenOf(resources, "named");
  expect(children.filter((c) => c.type.includes("CustomResourceDefinition"))).toEqual([]);
  expect(get(byName(children, "named:other/custom-config"), "data")).toMatchObject({ greeting: "hi", release: "custom", namespace: "other", widgetApi: "true" });
  expect(charts[0].passes).toBe(1);
  // Without its CRD in the plan, the cluster-scoped Gadget is taken for a namespaced kind.
  expect(get(byName(children, "named:other/global-gadget"), "metadata.namespace")).toBe("other");
});

test("a chart packed as <name>-<version>.tgz in the cache renders the same objects", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-charts-"));
  try {
    const res = spawnSync(helmBinary(), ["package", TEST_CHART, "--destination", dir], { encoding: "utf8" });
    expect(res.status).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(["ods-testchart-0.3.0.tgz"]);
    expect(usesApiVersions(path.join(dir, "ods-testchart-0.3.0.tgz"))).toBe(true);
    const { resources, charts } = await render(() => testChart("packed"), { cacheDir: dir });
    expect(charts[0].path).toBe(path.join(dir, "ods-testchart-0.3.0.tgz"));
    expect(childrenOf(resources, "packed")).toHaveLength(8);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a chart that is neither cached nor reachable fails at once, naming chart, version, repository and cache", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-empty-cache-"));
  try {
    const started = Date.now();
    const build = () => new App("app", (parent) => new k8s.helm.v4.Chart("missing", { chart: "no-such-chart", version: "1.2.3", repositoryOpts: { repo: DEAD_REPO } }, { parent }));
    const err = (await render(build, { cacheDir: dir }).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`chart no-such-chart 1.2.3 (repository ${DEAD_REPO}, for ${V4} "missing")`);
    expect(err.message).toContain(`is not in the chart cache ${dir}`);
    expect(err.message).toContain("connection refused");
    expect(err.message).toContain(`helm pull no-such-chart --repo ${DEAD_REPO} --version 1.2.3 --destination ${dir}`);
    expect(err.message).toContain("--chart-cache / ODS_CHART_CACHE");
    expect(Date.now() - started).toBeLessThan(15_000);
    // The same chart at a version the cache has renders (the good case).
    await expect(render(() => testChart("found"))).resolves.toBeDefined();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a chart with a secret among its values is refused, and the secret is not in the message", async () => {
  const build = () => new App("app", (parent) => new k8s.helm.v4.Chart("creds", { chart: "ods-testchart", version: "0.3.0", values: { greeting: "hi", admin: { password: pulumi.secret("hunter2") } } }, { parent }));
  const err = (await render(build).catch((e: Error) => e)) as Error;
  expect(err.message).toMatch(/^helm\.v4\.Chart "creds" \(chart ods-testchart 0\.3\.0\) cannot be rendered: .*secret/);
  expect(err.message).toContain("Credentials must reach a chart by Secret reference");
  expect(err.message).toContain("existingSecret");
  expect(err.message).not.toContain("hunter2");
  // The same chart with plain values renders.
  await expect(render(() => new App("app", (parent) => new k8s.helm.v4.Chart("plain", { chart: "ods-testchart", version: "0.3.0", values: { greeting: "hi" } }, { parent })))).resolves.toBeDefined();
});

test("charts need the stack's kubernetesVersion output and a pinned chart version", async () => {
  await expect(render(() => testChart("nokube"), { kubeVersion: undefined })).rejects.toThrow(
    /the plan has Helm charts \(kubernetes:helm\.sh\/v4:Chart "nokube"\) but the program exports no `kubernetesVersion` stack output/,
  );
  await expect(render(() => testChart("badkube"), { kubeVersion: "latest" })).rejects.toThrow(/kubernetesVersion must be a plain version such as "1.35", got "latest"/);
  await expect(render(() => testChart("unpinned", { version: undefined }))).rejects.toThrow(/helm\.v4\.Chart "unpinned" \(chart ods-testchart\): no chart version/);
  // No chart, no kubernetesVersion needed.
  const plain = await record(() => new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm" } }));
  await expect(renderCharts(plain, { kubeVersion: undefined, cacheDir: CACHE })).resolves.toEqual({ resources: plain, charts: [] });
});

test("a helm.v3.Release renders the same way, the release named after the resource", async () => {
  const { resources } = await render(() =>
    new App("app", (parent) => new k8s.helm.v3.Release("rel", { chart: "ods-testchart", version: "0.3.0", namespace: "ods-rel", repositoryOpts: { repo: DEAD_REPO }, values: { greeting: "v3" } }, { parent })),
  );
  const children = childrenOf(resources, "rel");
  // Helm runs a Release's install hooks: the pre-install Job is rendered (and checked); the test Pod is not.
  expect(children).toHaveLength(9);
  expect(ofType(children, "kubernetes:batch/v1:Job").map((c) => c.name)).toEqual(["rel:ods-rel/rel-pre-install"]);
  expect(ofType(children, "kubernetes:core/v1:Pod")).toEqual([]);
  const cm = byName(children, "rel:ods-rel/rel-config");
  expect(cm.type).toBe("kubernetes:core/v1:ConfigMap");
  expect(cm.urn).toBe("urn:pulumi:test::ods::ods:test:App$kubernetes:helm.sh/v3:Release$kubernetes:core/v1:ConfigMap::rel:ods-rel/rel-config");
  expect(get(cm, "data.greeting")).toBe("v3");
});

test("the cert-manager component renders the cert-manager chart from the shared cache, typed inputs over helmOptions.values", async () => {
  const { resources, charts } = await render(
    () =>
      new CertManager("certs", {
        replicaCount: 2,
        podDnsPolicy: "ClusterFirst",
        helmOptions: { version: "v1.21.1", namespace: "cert-manager", values: { crds: { enabled: true }, replicaCount: 5 } },
      }),
    { cacheDir: chartCacheDir() },
  );
  expect(charts).toEqual([expect.objectContaining({ type: "kubernetes-cert-manager:index:CertManager", name: "certs", chart: "cert-manager", version: "v1.21.1" })]);
  const children = childrenOf(resources, "certs");
  const deployments = ofType(children, "kubernetes:apps/v1:Deployment");
  expect(deployments.map((d) => d.name).sort()).toEqual(["certs:cert-manager/certs-cert-manager", "certs:cert-manager/certs-cert-manager-cainjector", "certs:cert-manager/certs-cert-manager-webhook"]);
  expect(get(byName(children, "certs:cert-manager/certs-cert-manager", "kubernetes:apps/v1:Deployment"), "spec.replicas")).toBe(2);
  expect(ofType(children, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").map((c) => c.name)).toContain("certs:certificates.cert-manager.io");
  expect(ofType(children, "kubernetes:admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration").map((c) => c.name)).toEqual(["certs:certs-cert-manager-webhook"]);
  // startupapicheck is a post-install hook, which the Release the component creates does run: rendered.
  expect(ofType(children, "kubernetes:batch/v1:Job").map((c) => c.name)).toEqual(["certs:cert-manager/certs-cert-manager-startupapicheck"]);
  expect(validateObjects(manifestFiles(resources))).toEqual([]);
});

test("what a chart asks about API versions: nothing, the literals of .Has, or anything (another use); the test chart asks for its Widget", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-apiv-"));
  const chart = (name: string, template: string) => {
    fs.mkdirSync(path.join(dir, name, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, name, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
    fs.writeFileSync(path.join(dir, name, "templates", "t.yaml"), template);
    return path.join(dir, name);
  };
  try {
    expect(apiVersionChecks(chart("plain", "kind: ConfigMap\n"))).toBe("none");
    expect(apiVersionChecks(chart("literal", '{{ if .Capabilities.APIVersions.Has "a.example.com/v1" }}x{{ end }}{{ if (.Capabilities.APIVersions.Has "b.example.com/v1/B") }}y{{ end }}'))).toEqual(new Set(["a.example.com/v1", "b.example.com/v1/B"]));
    // A check through a variable or a loop over the versions could ask about anything.
    expect(apiVersionChecks(chart("variable", "{{ if .Capabilities.APIVersions.Has $v }}x{{ end }}"))).toBe("any");
    expect(apiVersionChecks(chart("loop", "{{ range .Capabilities.APIVersions }}{{ . }}{{ end }}"))).toBe("any");
    expect(apiVersionChecks(TEST_CHART)).toEqual(new Set(["ods-test.example.com/v1/Widget"]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
