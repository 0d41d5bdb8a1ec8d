import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { helmChartPinned } from "./helm";

const CHART = "kubernetes:helm.sh/v4:Chart";

describe("helm-chart-version-pinned", () => {
  it("accepts an exact version", async () => {
    expect(await check(helmChartPinned, CHART, { chart: "gpu-operator", version: "v26.7.0", namespace: "ods-gpu" })).toEqual([]);
  });
  it("reports a missing version and a range", async () => {
    expect(await check(helmChartPinned, CHART, { chart: "gpu-operator", namespace: "ods-gpu" })).toEqual(["Chart gpu-operator has no version."]);
    expect(await check(helmChartPinned, "kubernetes:helm.sh/v3:Release", { chart: "milvus", version: "^5.0.0" })).toEqual(["Chart milvus uses the version range ^5.0.0."]);
  });
  it("skips an unknown version", async () => {
    expect(await check(helmChartPinned, CHART, { chart: "x", version: UNKNOWN })).toEqual([]);
  });
});
