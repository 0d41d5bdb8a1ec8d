// The chart cache's index: chart folders (folder names need not be chart names), `helm pull --untar`
// layouts and archives, matched by chart name and version with or without a leading "v".
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { chartCacheDir, chartName, dependencyDisabled, findCached, indexCache, missingDependencies, renderableChartDir, sameVersion } from "./cache";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-cache-index-"));
  const chart = (folder: string, name: string, version: string) => {
    fs.mkdirSync(path.join(dir, folder, "templates"), { recursive: true });
    fs.writeFileSync(path.join(dir, folder, "Chart.yaml"), `apiVersion: v2\nversion: ${version}\nname: ${name}\n`);
  };
  chart("istio-base", "base", "1.30.3");
  chart("untarred/gpu-operator", "gpu-operator", "v26.7.0");
  chart("mysql-operator", "mysql-operator", '"2.2.2"');
  // A subchart inside a chart is not a chart of the cache.
  chart("istio-base/charts/inner", "inner", "0.1.0");
  fs.writeFileSync(path.join(dir, "keda-2.20.2.tgz"), "");
  fs.writeFileSync(path.join(dir, "notes.txt"), "not a chart");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("indexes folders by their Chart.yaml, untar layouts one level deeper, and archives by file name", () => {
  const index = indexCache(dir).map((c) => [c.name, c.version, path.relative(dir, c.path)]);
  expect(index.sort()).toEqual([
    ["base", "1.30.3", "istio-base"],
    ["gpu-operator", "v26.7.0", "untarred/gpu-operator"],
    ["keda", "2.20.2", "keda-2.20.2.tgz"],
    ["mysql-operator", "2.2.2", "mysql-operator"],
  ]);
  expect(indexCache(path.join(dir, "does-not-exist"))).toEqual([]);
});

test("matches name and version, with or without a leading v, and nothing else", () => {
  const index = indexCache(dir);
  expect(findCached(index, "gpu-operator", "26.7.0")?.path).toBe(path.join(dir, "untarred", "gpu-operator"));
  expect(findCached(index, "base", "v1.30.3")?.path).toBe(path.join(dir, "istio-base"));
  expect(findCached(index, "istio-base", "1.30.3")).toBeUndefined();
  expect(findCached(index, "base", "1.30.4")).toBeUndefined();
  expect(sameVersion("v1.2.3", "1.2.3")).toBe(true);
  expect(sameVersion("1.2.3", "1.2.30")).toBe(false);
});

test("chart names of references; the cache folder from the flag, the environment or the default", () => {
  expect(chartName("oci://registry.k8s.io/gateway-api-inference-extension/charts/inferencepool")).toBe("inferencepool");
  expect(chartName("jetstack/cert-manager")).toBe("cert-manager");
  expect(chartName("gpu-operator")).toBe("gpu-operator");
  const saved = process.env.ODS_CHART_CACHE;
  try {
    process.env.ODS_CHART_CACHE = "/tmp/from-env";
    expect(chartCacheDir("/tmp/from-flag")).toBe("/tmp/from-flag");
    expect(chartCacheDir()).toBe("/tmp/from-env");
    delete process.env.ODS_CHART_CACHE;
    expect(chartCacheDir()).toBe(path.resolve(__dirname, "..", "..", ".cache", "charts"));
  } finally {
    if (saved === undefined) delete process.env.ODS_CHART_CACHE;
    else process.env.ODS_CHART_CACHE = saved;
  }
});

describe("a cached chart without some of its subcharts", () => {
  let chartDir: string;
  beforeAll(() => {
    chartDir = path.join(dir, "partial");
    fs.mkdirSync(path.join(chartDir, "charts", "crds", "templates"), { recursive: true });
    fs.mkdirSync(path.join(chartDir, "templates"), { recursive: true });
    fs.writeFileSync(
      path.join(chartDir, "Chart.yaml"),
      [
        "apiVersion: v2",
        "name: partial",
        "version: 1.0.0",
        "dependencies:",
        "  - { name: crds, version: 0.0.0, condition: crds.enabled }",
        "  - { name: grafana, version: 12.11.1, repository: https://example.invalid, condition: grafana.enabled }",
        "  - { name: exporter, version: 4.0.0, repository: https://example.invalid, condition: 'exporter.enabled,global.exporter' }",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(path.join(chartDir, "charts", "crds", "Chart.yaml"), "apiVersion: v2\nname: crds\nversion: 0.0.0\n");
    fs.writeFileSync(path.join(chartDir, "values.yaml"), "crds: { enabled: true }\ngrafana: { enabled: true }\nexporter: { enabled: false }\n");
    fs.writeFileSync(path.join(chartDir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n");
  });

  test("lists what Chart.yaml declares and charts/ lacks", () => {
    expect(missingDependencies(chartDir).map((d) => d.name)).toEqual(["grafana", "exporter"]);
  });

  test("conditions decide as Helm does: the given values first, then the chart's defaults", () => {
    const defaults = { grafana: { enabled: true }, exporter: { enabled: false } };
    const grafana = { name: "grafana", condition: "grafana.enabled" };
    expect(dependencyDisabled(grafana, {}, defaults)).toBe(false);
    expect(dependencyDisabled(grafana, { grafana: { enabled: false } }, defaults)).toBe(true);
    expect(dependencyDisabled({ name: "exporter", condition: "exporter.enabled" }, {}, defaults)).toBe(true);
    expect(dependencyDisabled({ name: "exporter", condition: "exporter.enabled" }, { exporter: { enabled: true } }, defaults)).toBe(false);
    // The first path that resolves to a boolean decides; no condition means always on.
    expect(dependencyDisabled({ name: "e", condition: "missing.path,exporter.enabled" }, {}, defaults)).toBe(true);
    expect(dependencyDisabled({ name: "e" }, {}, defaults)).toBe(false);
  });

  test("renders from a copy without the subcharts these values disable", () => {
    const copy = renderableChartDir(chartDir, { grafana: { enabled: false } }, "test chart");
    expect(copy).not.toBe(chartDir);
    const doc = YAML.parse(fs.readFileSync(path.join(copy, "Chart.yaml"), "utf8")) as { dependencies: { name: string }[] };
    expect(doc.dependencies.map((d) => d.name)).toEqual(["crds"]);
    expect(fs.readFileSync(path.join(copy, "templates", "cm.yaml"), "utf8")).toContain("ConfigMap");
    expect(fs.existsSync(path.join(copy, "charts", "crds", "Chart.yaml"))).toBe(true);
    // The same request reuses the copy.
    expect(renderableChartDir(chartDir, { grafana: { enabled: false } }, "test chart")).toBe(copy);
  });

  test("a missing subchart the values enable is an error naming it and its condition", () => {
    expect(() => renderableChartDir(chartDir, {}, 'helm.v4.Chart "mon"')).toThrow(/helm.v4.Chart "mon".*lacks the subchart\(s\) grafana 12.11.1, which these values enable \(grafana.enabled\)/);
    expect(() => renderableChartDir(chartDir, { grafana: { enabled: false }, exporter: { enabled: true } }, "x")).toThrow(/exporter 4.0.0/);
  });

  test("a complete chart is rendered where it is", () => {
    expect(renderableChartDir(path.join(chartDir, "charts", "crds"), {}, "x")).toBe(path.join(chartDir, "charts", "crds"));
  });
});
