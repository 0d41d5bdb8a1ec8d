// The chart cache's index: chart folders (folder names need not be chart names), `helm pull --untar`
// layouts and archives, matched by chart name and version with or without a leading "v".
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chartCacheDir, chartName, findCached, indexCache, sameVersion } from "./cache";

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
