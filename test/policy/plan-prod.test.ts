// The whole prod plan against the prod policy config: clean as planned, failing with planted mistakes.
import { policies } from "../../policies/rules";
import { evaluate, Evaluation, failed } from "../../policy-check/evaluate";
import { PackConfig } from "../../policy-check/packConfig";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import type { RecordedResource } from "../../plan/types";
import { runPlan } from "../../plan/run";

let resources: RecordedResource[];
let config: PackConfig;
let clean: Evaluation;

beforeAll(async () => {
  // One plan per file: the mock runtime is process-global and jest isolates files.
  resources = (await runPlan("prod")).resources;
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
        ["k8s-image-pinned", "planted-debug", "container shell uses image quay.io/ods/debug:latest with the mutable tag latest."],
        ["s3-block-public-access", "planted-site", "Bucket ods-prod-site has the public ACL public-read."],
        ["s3-block-public-access", "planted-site", "Bucket ods-prod-site has no BucketPublicAccessBlock."],
        ["s3-encryption", "planted-site", "Bucket ods-prod-site has no server-side encryption configuration."],
      ]),
    );
    // Nothing else in the plan changed, so these are all the mandatory findings.
    expect(found).toHaveLength(5);
    expect(failed(result)).toBe(true);
  });

  it("lets the GPU operator's namespace run privileged, as the config says, and nothing else", async () => {
    const ds = (namespace: string) =>
      planted("kubernetes:apps/v1:DaemonSet", `planted-ds-${namespace}`, {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", namespace },
        spec: { template: { spec: { containers: [{ name: "agent", securityContext: { privileged: true } }] } } },
      });
    const result = await evaluate([...resources, ds("ods-gpu"), ds("ods-apps")], policies, config);
    const privileged = result.violations.filter((v) => v.policy === "k8s-no-privileged-containers").map((v) => v.resource?.name);
    expect(privileged).toEqual(["planted-ds-ods-apps"]);
  });
});
