import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { get, one, record } from "../../test/harness";
import { PROMETHEUS_CRDS_CHART, PrometheusCrds, prometheusCrdsValues } from "./prometheusCrds";

const CHART_DIR = path.join(process.env.ODS_CHART_CACHE ?? "", "kube-prometheus-stack");

test("the chart is pinned to the version the observability layer installs, with only the CRDs on", async () => {
  const rs = await record(() => new PrometheusCrds("mon-crds", { namespace: "ods-observability" }));
  const chart = one(rs, "kubernetes:helm.sh/v4:Chart");
  expect(get(chart, "chart")).toBe("kube-prometheus-stack");
  expect(get(chart, "version")).toBe("88.5.3");
  expect(get(chart, "repositoryOpts.repo")).toBe("https://prometheus-community.github.io/helm-charts");
  expect(get(chart, "values")).toEqual(prometheusCrdsValues());
  expect(get(chart, "values.crds.enabled")).toBe(true);
});

test("every component the chart enables by default is switched off", () => {
  // The switches of the chart's own values.yaml that default to on; a new one in a chart bump must be added.
  const defaults = YAML.parse(fs.readFileSync(path.join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, { enabled?: unknown; create?: unknown }>;
  const onByDefault = Object.entries(defaults)
    .filter(([k, v]) => k !== "crds" && v && typeof v === "object" && (v.enabled === true || v.create === true))
    .map(([k]) => k);
  const values = prometheusCrdsValues() as Record<string, { enabled?: boolean; create?: boolean }>;
  const stillOn = onByDefault.filter((k) => !(values[k] && (values[k].enabled === false || values[k].create === false)));
  expect(onByDefault.length).toBeGreaterThan(5);
  expect(stillOn).toEqual([]);
});

test("the pinned version is the one in the chart cache, whose operator version the constant names", () => {
  const chart = YAML.parse(fs.readFileSync(path.join(CHART_DIR, "Chart.yaml"), "utf8")) as { version: string; appVersion: string };
  expect(chart.version).toBe(PROMETHEUS_CRDS_CHART.version);
  expect(chart.appVersion).toBe(PROMETHEUS_CRDS_CHART.operatorVersion);
});
