import { check } from "../test/harness";
import { container, CRONJOB, cronJob, DAEMONSET, DEPLOYMENT, deployment, POD, pod, UNKNOWN } from "../test/fixtures";
import { dropAllCapabilities, noPrivilegedContainers, noPrivilegeEscalation, runAsNonRoot, seccompProfile } from "./k8s-security-context";

const gpuExemption = { exemptions: [{ kind: "DaemonSet", namespace: "ods-gpu", name: "web", reason: "GPU operator DaemonSet that manages the node's GPUs" }] };

describe("k8s-no-privileged-containers", () => {
  it("accepts the hardened baseline", async () => {
    expect(await check(noPrivilegedContainers, DEPLOYMENT, deployment())).toEqual([]);
  });
  it("reports a privileged container in a Pod", async () => {
    const p = pod({ containers: [container({ securityContext: { privileged: true } })] });
    expect(await check(noPrivilegedContainers, POD, p)).toEqual(["container app sets securityContext.privileged: true."]);
  });
  it("reports a privileged init container of a CronJob", async () => {
    const cj = cronJob({ initContainers: [container({ name: "setup", securityContext: { privileged: true } })] });
    expect(await check(noPrivilegedContainers, CRONJOB, cj)).toEqual(["initContainer setup sets securityContext.privileged: true."]);
  });
  it("skips exactly the exempted object and says nothing about unknown values", async () => {
    const ds = { ...deployment({ containers: [container({ securityContext: { privileged: true } })] }, { namespace: "ods-gpu" }), kind: "DaemonSet" };
    expect(await check(noPrivilegedContainers, DAEMONSET, ds, gpuExemption)).toEqual([]);
    // Not exempt without the config entry, nor under another name, kind or namespace.
    expect(await check(noPrivilegedContainers, DAEMONSET, ds)).toHaveLength(1);
    const renamed = { ...ds, metadata: { name: "web-2", namespace: "ods-gpu" } };
    expect(await check(noPrivilegedContainers, DAEMONSET, renamed, gpuExemption)).toHaveLength(1);
    expect(await check(noPrivilegedContainers, DEPLOYMENT, { ...ds, kind: "Deployment" }, gpuExemption)).toHaveLength(1);
    const elsewhere = { ...ds, metadata: { name: "web", namespace: "ods-apps" } };
    expect(await check(noPrivilegedContainers, DAEMONSET, elsewhere, gpuExemption)).toHaveLength(1);
    const unknownNs = deployment({ containers: [container({ securityContext: { privileged: true } })] }, { namespace: UNKNOWN });
    expect(await check(noPrivilegedContainers, DEPLOYMENT, unknownNs, gpuExemption)).toEqual([]);
    expect(await check(noPrivilegedContainers, DEPLOYMENT, deployment({ containers: UNKNOWN }))).toEqual([]);
    expect(await check(noPrivilegedContainers, DEPLOYMENT, { metadata: { name: "x" } })).toEqual([]);
  });
  it("ignores resources that are not workloads", async () => {
    expect(await check(noPrivilegedContainers, "kubernetes:core/v1:ConfigMap", { data: {} })).toEqual([]);
  });
});

describe("k8s-no-privilege-escalation", () => {
  it("accepts allowPrivilegeEscalation: false", async () => {
    expect(await check(noPrivilegeEscalation, DEPLOYMENT, deployment())).toEqual([]);
  });
  it("reports an unset flag (Kubernetes defaults it to true)", async () => {
    const d = deployment({ containers: [container({ securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } } })] });
    expect(await check(noPrivilegeEscalation, DEPLOYMENT, d)).toEqual(["container app does not set securityContext.allowPrivilegeEscalation: false."]);
  });
  it("does not report an unknown flag", async () => {
    const d = deployment({ containers: [container({ securityContext: { allowPrivilegeEscalation: UNKNOWN } })] });
    expect(await check(noPrivilegeEscalation, DEPLOYMENT, d)).toEqual([]);
  });
});

describe("k8s-run-as-non-root", () => {
  it("accepts runAsNonRoot on the pod", async () => {
    const d = deployment({ containers: [container({ securityContext: { allowPrivilegeEscalation: false } })] });
    expect(await check(runAsNonRoot, DEPLOYMENT, d)).toEqual([]);
  });
  it("reports a container that may run as root and one that is root", async () => {
    const d = deployment({
      securityContext: {},
      containers: [container({ securityContext: {} }), container({ name: "sidecar", securityContext: { runAsNonRoot: true, runAsUser: 0 } })],
    });
    expect(await check(runAsNonRoot, DEPLOYMENT, d)).toEqual([
      "container app may run as root: runAsNonRoot is not true on the container or the pod.",
      "container sidecar sets securityContext.runAsUser: 0 (root).",
    ]);
  });
  it("lets the container setting override the pod's", async () => {
    const d = deployment({ containers: [container({ securityContext: { runAsNonRoot: false } })] });
    expect(await check(runAsNonRoot, DEPLOYMENT, d)).toEqual(["container app may run as root: runAsNonRoot is not true on the container or the pod."]);
  });
  it("does not report unknown values", async () => {
    const d = deployment({ securityContext: { runAsNonRoot: UNKNOWN }, containers: [container({ securityContext: {} })] });
    expect(await check(runAsNonRoot, DEPLOYMENT, d)).toEqual([]);
  });
});

describe("k8s-drop-all-capabilities", () => {
  it("accepts drop ALL with NET_BIND_SERVICE added back", async () => {
    const d = deployment({ containers: [container({ securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } })] });
    expect(await check(dropAllCapabilities, DEPLOYMENT, d)).toEqual([]);
  });
  it("reports a container that keeps the default capabilities or adds NET_ADMIN", async () => {
    const d = deployment({
      containers: [container({ securityContext: {} }), container({ name: "vpn", securityContext: { capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } } })],
    });
    expect(await check(dropAllCapabilities, DEPLOYMENT, d)).toEqual([
      "container app does not drop ALL capabilities.",
      "container vpn adds capabilities NET_ADMIN, which are not in allowedAddedCapabilities.",
    ]);
  });
  it("takes the allowed list from config and skips unknown drop lists", async () => {
    const d = deployment({ containers: [container({ securityContext: { capabilities: { drop: UNKNOWN, add: ["NET_ADMIN"] } } })] });
    expect(await check(dropAllCapabilities, DEPLOYMENT, d, { allowedAddedCapabilities: ["NET_ADMIN"] })).toEqual([]);
  });
});

describe("k8s-seccomp-profile", () => {
  it("accepts RuntimeDefault on the pod, and Localhost on every container", async () => {
    expect(await check(seccompProfile, DEPLOYMENT, deployment())).toEqual([]);
    const local = deployment({ securityContext: { runAsNonRoot: true }, containers: [container({ securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "p.json" } } })] });
    expect(await check(seccompProfile, DEPLOYMENT, local)).toEqual([]);
  });
  it("reports a pod without a profile, an Unconfined container under a good pod, and an init container", async () => {
    expect(await check(seccompProfile, DEPLOYMENT, deployment({ securityContext: { runAsNonRoot: true } }))).toEqual([
      'container app runs without a seccomp profile (RuntimeDefault or Localhost on the container or the pod); Pod Security "restricted" rejects it.',
    ]);
    const unconfined = deployment({ containers: [container({ securityContext: { seccompProfile: { type: "Unconfined" } } })] });
    expect(await check(seccompProfile, DEPLOYMENT, unconfined)).toHaveLength(1);
    const init = cronJob({ securityContext: {}, initContainers: [container({ name: "setup" })] });
    expect((await check(seccompProfile, CRONJOB, init)).join("\n")).toContain("initContainer setup runs without a seccomp profile");
  });
  it("skips the namespaces configured as privileged, and only those", async () => {
    const bare = deployment({ securityContext: {} }, { namespace: "ods-gpu" });
    expect(await check(seccompProfile, DEPLOYMENT, bare, { privilegedNamespaces: ["ods-gpu"] })).toEqual([]);
    expect(await check(seccompProfile, DEPLOYMENT, bare, { privilegedNamespaces: ["ods-data"] })).toHaveLength(1);
    expect(await check(seccompProfile, DEPLOYMENT, deployment({ securityContext: { seccompProfile: { type: UNKNOWN } } }))).toEqual([]);
  });
});
