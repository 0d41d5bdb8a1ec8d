import { check } from "../test/harness";
import { container, DEPLOYMENT, deployment, JOB, UNKNOWN } from "../test/fixtures";
import { containerResources } from "./k8s-resources";

describe("k8s-container-resources", () => {
  it("accepts requests and a memory limit on every container", async () => {
    expect(await check(containerResources, DEPLOYMENT, deployment({ initContainers: [container({ name: "migrate" })] }))).toEqual([]);
  });
  it("reports what each container lacks, init containers included", async () => {
    const d = deployment({
      initContainers: [container({ name: "migrate", resources: { requests: { cpu: "50m" } } })],
      containers: [container({ resources: undefined })],
    });
    expect(await check(containerResources, DEPLOYMENT, d)).toEqual([
      "initContainer migrate does not set resources.requests.memory, resources.limits.memory.",
      "container app does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory.",
    ]);
  });
  it("applies to Jobs and ignores unknown quantities", async () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: { containers: [container({ resources: { requests: { cpu: UNKNOWN, memory: "1Gi" }, limits: { memory: UNKNOWN } } })] } } } };
    expect(await check(containerResources, JOB, job)).toEqual([]);
    const bad = { ...job, spec: { template: { spec: { containers: [container({ resources: {} })] } } } };
    expect(await check(containerResources, JOB, bad)).toHaveLength(1);
  });
});
