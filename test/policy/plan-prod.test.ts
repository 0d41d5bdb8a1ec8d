// The whole prod plan against the prod policy config: clean as planned, failing with planted mistakes.
import { policies } from "../../policies/rules";
import { evaluate, Evaluation, failed } from "../../policy-check/evaluate";
import { PackConfig } from "../../policy-check/packConfig";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import type { RecordedResource } from "../../plan/types";
import { cachedPlan } from "../../plan/planCache";

let resources: RecordedResource[];
let config: PackConfig;
let clean: Evaluation;

beforeAll(async () => {
  // One plan per file: the mock runtime is process-global and jest isolates files.
  resources = (await cachedPlan("prod")).resources;
  config = stackPackConfig("prod", policies).config;
  clean = await evaluate(resources, policies, config);
});

function planted(type: string, name: string, inputs: Record<string, unknown>): RecordedResource {
  return { type, name, parent: null, parentType: null, component: false, inputs, urn: `urn:pulumi:prod::ods::${type}::${name}` };
}

const mandatory = (e: Evaluation) => e.violations.filter((v) => v.enforcement === "mandatory");

describe("prod plan", () => {
  it("plans a cluster the rules can see", () => {
    const types = new Set(resources.map((r) => r.type));
    expect(types).toContain("aws:eks/cluster:Cluster");
    expect(types).toContain("kubernetes:core/v1:Namespace");
  });

  it("has no mandatory violation and no rule error", () => {
    expect(clean.errors).toEqual([]);
    expect(mandatory(clean).map((v) => `${v.policy}: ${v.resource?.name ?? "(stack)"}: ${v.message}`)).toEqual([]);
    expect(failed(clean)).toBe(false);
  });

  it("fails with the right messages once a privileged pod, a latest image and a public bucket are planted", async () => {
    const pod = planted("kubernetes:core/v1:Pod", "planted-debug", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "debug", namespace: "ods-apps" },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [
          {
            name: "shell",
            image: "quay.io/ods/debug:latest",
            securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
            livenessProbe: { exec: { command: ["true"] } },
            readinessProbe: { exec: { command: ["true"] } },
          },
        ],
      },
    });
    const bucket = planted("aws:s3/bucket:Bucket", "planted-site", { bucket: "ods-prod-site", acl: "public-read" });
    const result = await evaluate([...resources, pod, bucket], policies, config);
    const found = mandatory(result).map((v) => [v.policy, v.resource?.name, v.message]);
    expect(found).toEqual(
      expect.arrayContaining([
        ["k8s-no-privileged-containers", "planted-debug", "container shell sets securityContext.privileged: true."],
        ["k8s-seccomp-profile", "planted-debug", 'container shell runs without a seccomp profile (RuntimeDefault or Localhost on the container or the pod); Pod Security "restricted" rejects it.'],
        ["k8s-image-pinned", "planted-debug", "container shell uses image quay.io/ods/debug:latest with the mutable tag latest."],
        ["s3-block-public-access", "planted-site", "Bucket ods-prod-site has the public ACL public-read."],
        ["s3-block-public-access", "planted-site", "Bucket ods-prod-site has no BucketPublicAccessBlock."],
        ["s3-encryption", "planted-site", "Bucket ods-prod-site has no server-side encryption configuration."],
      ]),
    );
    // Nothing else in the plan changed, so these are all the mandatory findings.
    expect(found).toHaveLength(6);
    expect(failed(result)).toBe(true);
  });

  it("exempts the GPU operator's objects by name, rule by rule, and lists each exemption used with its reason", () => {
    const gpu = clean.exemptions.filter((x) => x.resources.some((r) => r.name.includes(":ods-gpu/")));
    const used = gpu.map((x) => [x.policy, x.resources.map((r) => r.name), x.findings]);
    expect(used).toEqual([
      ["k8s-no-privilege-escalation", ["ods-prod-gpu-operator-chart:ods-gpu/gpu-operator"], 1],
      ["k8s-run-as-non-root", ["ods-prod-gpu-operator-chart:ods-gpu/gpu-operator"], 1],
      ["k8s-drop-all-capabilities", ["ods-prod-gpu-operator-chart:ods-gpu/gpu-operator"], 1],
      ["k8s-no-host-access", ["ods-prod-gpu-operator-chart:ods-gpu/ods-prod-gpu-operator-chart-node-feature-discovery-worker"], 7],
    ]);
    for (const x of clean.exemptions) expect(x.exemption.reason.length).toBeGreaterThanOrEqual(20);
    expect(clean.violations.filter((v) => v.staleExemption)).toEqual([]);
  });

  it("without the exemptions, the GPU operator chart fails exactly the rules its exemptions name", async () => {
    const bare: PackConfig = Object.fromEntries(Object.entries(config).map(([rule, entry]) => [rule, typeof entry === "object" && "exemptions" in entry ? { ...entry, exemptions: [] } : entry]));
    const result = await evaluate(resources, policies, bare);
    const found = mandatory(result)
      .map((v) => `${v.policy} ${v.resource?.name}`)
      .filter((f) => f.includes("gpu-operator"));
    const worker = "ods-prod-gpu-operator-chart:ods-gpu/ods-prod-gpu-operator-chart-node-feature-discovery-worker";
    const operator = "ods-prod-gpu-operator-chart:ods-gpu/gpu-operator";
    expect(found.sort()).toEqual(
      [
        `k8s-drop-all-capabilities ${operator}`,
        `k8s-no-privilege-escalation ${operator}`,
        `k8s-run-as-non-root ${operator}`,
        ...Array.from({ length: 7 }, () => `k8s-no-host-access ${worker}`),
      ].sort(),
    );
  });

  it("reports a privileged or host-mounting workload planted in the GPU namespace under any other name or kind", async () => {
    const workload = (kind: "DaemonSet" | "Deployment", name: string, podSpec: Record<string, unknown>) =>
      planted(`kubernetes:apps/v1:${kind}`, `planted-${kind}-${name}`, {
        apiVersion: "apps/v1",
        kind,
        metadata: { name, namespace: "ods-gpu" },
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
      });
    const privileged = { containers: [{ name: "agent", image: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0", securityContext: { privileged: true } }] };
    const hostPath = { volumes: [{ name: "dev", hostPath: { path: "/dev" } }], containers: [{ name: "agent", image: "nvcr.io/nvidia/k8s-device-plugin:v0.20.0" }] };
    const plantedOnes = [
      workload("DaemonSet", "gpu-agent", privileged),
      // The exempted names, but another kind or another rule than the exemption names.
      workload("DaemonSet", "gpu-operator", privileged),
      workload("Deployment", "ods-prod-gpu-operator-chart-node-feature-discovery-worker", hostPath),
    ];
    const result = await evaluate([...resources, ...plantedOnes], policies, config);
    const hit = (policy: string) => mandatory(result).filter((v) => v.policy === policy).map((v) => v.resource?.name);
    expect(hit("k8s-no-privileged-containers")).toEqual(["planted-DaemonSet-gpu-agent", "planted-DaemonSet-gpu-operator"]);
    expect(hit("k8s-no-host-access")).toEqual(["planted-Deployment-ods-prod-gpu-operator-chart-node-feature-discovery-worker"]);
    for (const rule of ["k8s-no-privilege-escalation", "k8s-run-as-non-root", "k8s-drop-all-capabilities"]) {
      expect(hit(rule)).toEqual(plantedOnes.map((p) => p.name));
    }
  });

  it("sees the rendered ClusterPolicy's images: a device plugin at version latest is reported by path", async () => {
    const policy = resources.find((r) => r.type === "kubernetes:nvidia.com/v1:ClusterPolicy");
    expect(policy?.name).toBe("ods-prod-gpu-operator-chart:cluster-policy");
    const spec = structuredClone(policy!.inputs);
    (spec as { spec: { devicePlugin: { version: string } } }).spec.devicePlugin.version = "latest";
    const result = await evaluate(resources.map((r) => (r === policy ? { ...r, inputs: spec } : r)), policies, config);
    expect(mandatory(result).map((v) => [v.policy, v.resource?.name, v.message])).toEqual([
      ["k8s-image-pinned", "ods-prod-gpu-operator-chart:cluster-policy", "spec.devicePlugin uses image nvcr.io/nvidia/k8s-device-plugin:latest with the mutable tag latest."],
    ]);
  });

  it("reports a Bitnami image anywhere, a hidden GPU node group over the GPU budget and an unbounded system group", async () => {
    const redis = planted("kubernetes:apps/v1:StatefulSet", "planted-redis", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "redis", namespace: "ods-data" },
      spec: { template: { spec: { containers: [{ name: "redis", image: "registry-1.docker.io/bitnami/redis:7.2.5" }] } } },
    });
    // p5.48xlarge with a standard AMI, no labels and no taints: still GPU capacity.
    const batch = planted("aws:eks/nodeGroup:NodeGroup", "planted-batch-ng", {
      amiType: "AL2023_x86_64_STANDARD",
      instanceTypes: ["p5.48xlarge"],
      launchTemplate: { id: "ods-prod-eks-system-id", version: "1" },
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 2 },
    });
    const system = resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "ods-prod-eks-system")!;
    const huge = { ...system, inputs: { ...system.inputs, scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 10000 } } };
    const result = await evaluate([...resources.map((r) => (r === system ? huge : r)), redis, batch], policies, config);
    const found = mandatory(result).filter((v) => ["k8s-no-bitnami-images", "gpu-nodegroup-max-size", "aws-nodegroup-max-size"].includes(v.policy));
    expect(found.map((v) => [v.policy, v.resource?.name ?? "(stack)", v.message])).toEqual([
      ["k8s-no-bitnami-images", "planted-redis", "container redis uses image registry-1.docker.io/bitnami/redis:7.2.5 from the frozen Bitnami repository docker.io/bitnami (no updates since 28 Aug 2025)."],
      ["gpu-nodegroup-max-size", "(stack)", "GPU node groups can scale to 12 nodes in total, over the cap of 10: ods-prod-gpu-l40s-ng 8 (g6e.2xlarge), ods-prod-gpu-h100-ng 2 (p5.48xlarge), planted-batch-ng 2 (p5.48xlarge)."],
      ["aws-nodegroup-max-size", "ods-prod-eks-system", "Node group ods-prod-eks-system can scale to 10000 nodes; no node group may have more than 50."],
    ]);
  });

  it("counts what each rule checked: the image rules see the rendered objects, the absent kinds show as nothing to check", () => {
    const inScope = Object.fromEntries(clean.evaluated.map((r) => [r.policy, r.inScope]));
    const k8sObjects = resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.endsWith(":CustomResourceDefinition")).length;
    expect(inScope["k8s-image-pinned"]).toBe(k8sObjects);
    expect(inScope["k8s-no-bitnami-images"]).toBe(k8sObjects);
    expect(inScope["gpu-nodegroup-max-size"]).toBe(3);
    expect(inScope["eks-endpoint-not-world-open"]).toBe(1);
    expect(clean.evaluated.filter((r) => r.inScope === 0).map((r) => r.policy)).toEqual(expect.arrayContaining(["minio-no-public-buckets"]));
    // The edge and identity layers give the Gateway and realm rules something to check.
    expect(inScope["k8s-tls-listeners"]).toBe(1);
    expect(inScope["keycloak-realm-ssl-required"]).toBe(1);
    // prod keeps its objects in S3: the four buckets are checked, MinIO has nothing to check.
    expect(inScope["s3-encryption"]).toBe(4);
    expect(inScope["s3-block-public-access"]).toBe(4);
    expect(inScope["mysql-grant-own-database"]).toBeGreaterThan(0);
    expect(clean.evaluated.every((r) => r.inScope !== null)).toBe(true);
  });
});
