import { check } from "../test/harness";
import { DAEMONSET, DEPLOYMENT, deployment, UNKNOWN } from "../test/fixtures";
import { noHostAccess } from "./k8s-host-access";

describe("k8s-no-host-access", () => {
  it("accepts a pod with emptyDir and PVC volumes", async () => {
    const d = deployment({ volumes: [{ name: "tmp", emptyDir: {} }, { name: "data", persistentVolumeClaim: { claimName: "data" } }] });
    expect(await check(noHostAccess, DEPLOYMENT, d)).toEqual([]);
  });
  it("reports hostNetwork, hostPID and hostPath", async () => {
    const d = deployment({ hostNetwork: true, hostPID: true, volumes: [{ name: "dev", hostPath: { path: "/dev" } }] });
    expect(await check(noHostAccess, DEPLOYMENT, d)).toEqual(["spec.hostNetwork is true.", "spec.hostPID is true.", "volume dev mounts hostPath /dev."]);
  });
  it("honours an exemption naming the workload, and ignores unknown flags", async () => {
    const ds = { ...deployment({ hostPID: true }, { namespace: "ods-gpu" }), kind: "DaemonSet" };
    const cfg = { exemptions: [{ kind: "DaemonSet", namespace: "ods-gpu", name: "web", reason: "node agent that reads the host's hardware" }] };
    expect(await check(noHostAccess, DAEMONSET, ds, cfg)).toEqual([]);
    expect(await check(noHostAccess, DAEMONSET, { ...ds, metadata: { name: "other", namespace: "ods-gpu" } }, cfg)).toEqual(["spec.hostPID is true."]);
    expect(await check(noHostAccess, DEPLOYMENT, deployment({ hostNetwork: UNKNOWN, volumes: UNKNOWN }))).toEqual([]);
  });
});
