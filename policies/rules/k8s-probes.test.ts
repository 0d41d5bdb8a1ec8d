import { check } from "../test/harness";
import { container, CRONJOB, cronJob, DEPLOYMENT, deployment, POD, pod, UNKNOWN } from "../test/fixtures";
import { probes } from "./k8s-probes";

const noProbes = container({ livenessProbe: undefined, readinessProbe: undefined });

describe("k8s-probes", () => {
  it("accepts containers with both probes; init containers need none", async () => {
    expect(await check(probes, DEPLOYMENT, deployment({ initContainers: [noProbes] }))).toEqual([]);
  });
  it("reports a Deployment container without probes", async () => {
    expect(await check(probes, DEPLOYMENT, deployment({ containers: [container({ readinessProbe: undefined })] }))).toEqual([
      "container app has no readinessProbe.",
    ]);
    expect(await check(probes, DEPLOYMENT, deployment({ containers: [noProbes] }))).toEqual(["container app has no livenessProbe and readinessProbe."]);
  });
  it("exempts CronJobs and run-to-completion Pods", async () => {
    expect(await check(probes, CRONJOB, cronJob({ containers: [noProbes] }))).toEqual([]);
    expect(await check(probes, POD, pod({ restartPolicy: "Never", containers: [noProbes] }))).toEqual([]);
    expect(await check(probes, POD, pod({ containers: [noProbes] }))).toHaveLength(1);
  });
  it("does not report unknown probes", async () => {
    expect(await check(probes, DEPLOYMENT, deployment({ containers: [container({ livenessProbe: UNKNOWN, readinessProbe: UNKNOWN })] }))).toEqual([]);
  });
});
