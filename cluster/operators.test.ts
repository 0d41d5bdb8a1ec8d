// How an operator's planned Deployment becomes a local process's command line, and that each operator
// built is the release the kit's chart ships.
import * as fs from "fs";
import * as path from "path";
import { chartCacheDir, findCached, indexCache } from "../plan/charts/cache";
import { repoPath } from "../lib/repo";
import { MOCO_CHART } from "../components/data/mysql";
import { CERT_MANAGER_CHART } from "../components/infra/certManager";
import { PROMETHEUS_CRDS_CHART } from "../components/infra/prometheusCrds";
import { KEDA_CHART } from "../components/model/keda";
import { exitedOperators, flagPairs, operatorArgs, OPERATORS, plannedOperator } from "./operators";

test("flags in both forms are read as pairs; a switch stays a switch", () => {
  expect(flagPairs(["--agent-image", "a:1", "--web.enable-tls=false", "--leader-elect", "--v=2"])).toEqual([
    ["--agent-image", "a:1"],
    ["--web.enable-tls", "false"],
    ["--leader-elect", undefined],
    ["--v", "2"],
  ]);
});

test("the planned flags are kept, listeners replaced, $(VAR) expanded from the container's environment", () => {
  const args = operatorArgs(["--cluster-resource-namespace=$(POD_NAMESPACE)", "--web.listen-address=:8080", "--v=2", "--unset=$(NOT_SET)"], { "--web.listen-address": "127.0.0.1:4242" }, { POD_NAMESPACE: "ods-infra" });
  expect(args).toEqual(["--cluster-resource-namespace=ods-infra", "--v=2", "--unset=$(NOT_SET)", "--web.listen-address=127.0.0.1:4242"]);
  // A planned listener on every interface never survives.
  expect(args.some((a) => /=:8080$/.test(a))).toBe(false);
});

test("each operator is found by its image in the planned Deployments; another image is not taken for it", () => {
  const deploy = (image: string) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "n" }, spec: { template: { spec: { containers: [{ name: "c", image }] } } } });
  const moco = OPERATORS.find((o) => o.name === "moco-controller")!;
  expect(plannedOperator([deploy("ghcr.io/cybozu-go/moco:0.36.0")], moco)?.deployment.metadata.name).toBe("d");
  expect(plannedOperator([deploy("ghcr.io/cybozu-go/moco-agent:0.16.0")], moco)).toBeUndefined();
});

test("each wrapper module builds the release the kit's chart ships (the chart's appVersion)", () => {
  const cache = indexCache(chartCacheDir());
  const required = (dir: string, mod: string) => new RegExp(`^require ${mod.replace(/[.]/g, "\\.")} (v\\S+)$`, "m").exec(fs.readFileSync(repoPath("cluster", "go", dir, "go.mod"), "utf8"))?.[1];
  const appVersion = (chart: string, version: string) => {
    const found = findCached(cache, chart, version);
    if (!found) throw new Error(`chart ${chart} ${version} is not in the chart cache`);
    return /^appVersion:\s*"?([^"\s]+)"?/m.exec(fs.readFileSync(path.join(found.path, "Chart.yaml"), "utf8"))?.[1];
  };
  const v = (s: string | undefined) => (s ?? "").replace(/^v/, "");
  expect(v(required("moco", "github.com/cybozu-go/moco"))).toBe(v(appVersion(MOCO_CHART.chart, MOCO_CHART.version)));
  expect(v(required("prometheus-operator", "github.com/prometheus-operator/prometheus-operator"))).toBe(v(appVersion(PROMETHEUS_CRDS_CHART.chart, PROMETHEUS_CRDS_CHART.version)));
  expect(v(required("cert-manager", "github.com/cert-manager/cert-manager"))).toBe(v(appVersion(CERT_MANAGER_CHART.chart, CERT_MANAGER_CHART.version)));
  expect(v(required("keda", "github.com/kedacore/keda/v2"))).toBe(v(appVersion(KEDA_CHART.chart, KEDA_CHART.version)));
});

test("an operator that has exited is reported with the end of its log; one still running is not", async () => {
  const { spawn } = await import("child_process");
  const os = await import("os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-ops-"));
  fs.mkdirSync(path.join(dir, "logs"));
  fs.writeFileSync(path.join(dir, "logs", "gone.log"), "starting\nUnable to get cluster object namespace\n");
  const gone = spawn("true");
  await new Promise((r) => gone.on("exit", r));
  const running = spawn("sleep", ["30"]);
  try {
    const exited = exitedOperators(
      [
        { name: "gone", pid: gone.pid as number, for: "ns/gone", args: [] },
        { name: "running", pid: running.pid as number, for: "ns/running", args: [] },
      ],
      dir,
    );
    expect(exited).toEqual([{ name: "gone", log: "starting\nUnable to get cluster object namespace" }]);
  } finally {
    running.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
