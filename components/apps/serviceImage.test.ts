// ServiceImage and ImageRepositories: the kit's own images built from their Dockerfiles and pushed to
// the stack's registry (ECR on AWS), deployed by digest; what the policy pack allows for them.
import * as pulumi from "@pulumi/pulumi";
import { record, one, ofType, get } from "../../test/harness";
import { underPrefix } from "../../policies/rules/lib/images";
import { ImageRepositories, lifecyclePolicy } from "../infra/imageRepositories";
import { KIT_SERVICES, ServiceImage, serviceImageProblems } from "./serviceImage";

test("the args are checked: a Dockerfile inside the context, a version tag", () => {
  expect(serviceImageProblems({ dockerfile: "services/data-api/Dockerfile", tag: "1.0.0" })).toEqual([]);
  expect(serviceImageProblems({ dockerfile: "../elsewhere/Dockerfile", tag: "1.0.0" })[0]).toContain("a path inside the context");
  expect(serviceImageProblems({ dockerfile: "services/data-api/Containerfile", tag: "1.0.0" })[0]).toContain("ending in /Dockerfile");
  expect(serviceImageProblems({ dockerfile: "services/data-api/Dockerfile", tag: "latest" })[0]).toContain("a version tag (not latest)");
  expect(KIT_SERVICES).toEqual(["data-api"]);
});

test("ServiceImage builds from the repository root, pushes one version tag for the nodes' platform, not on preview, and hands out the digest reference", async () => {
  let ref: pulumi.Output<string> | undefined;
  const resources = await record(() => {
    ref = new ServiceImage("t-data-api-image", {
      context: ".",
      dockerfile: "services/data-api/Dockerfile",
      repository: "localhost:5001/ods-local/data-api",
      tag: "1.0.0",
      platform: "linux/arm64",
    }).ref;
  });
  const build = one(resources, "docker-build:index:Image");
  expect(build.parent).toBe("t-data-api-image");
  expect(build.inputs).toMatchObject({ context: { location: "." }, dockerfile: { location: "services/data-api/Dockerfile" }, platforms: ["linux/arm64"], tags: ["localhost:5001/ods-local/data-api:1.0.0"], push: true, buildOnPreview: false });
  expect(build.inputs.registries).toBeUndefined();
  const value = await new Promise<string>((resolve) => ref!.apply(resolve));
  expect(value).toMatch(/^localhost:5001\/ods-local\/data-api:1\.0\.0@sha256:[0-9a-f]{64}$/);
});

test("ImageRepositories: one ECR repository per service under the stack's prefix, scanned, with expiry, and secret push credentials", async () => {
  let repos: ImageRepositories | undefined;
  const resources = await record(() => {
    repos = new ImageRepositories("t-images", { prefix: "ods-dev", services: ["data-api", "agent-api"] });
  });
  const created = ofType(resources, "aws:ecr/repository:Repository");
  expect(created.map((r) => get(r, "name"))).toEqual(["ods-dev/data-api", "ods-dev/agent-api"]);
  for (const r of created) expect(r.inputs).toMatchObject({ imageTagMutability: "MUTABLE", imageScanningConfiguration: { scanOnPush: true } });
  expect(ofType(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy")).toHaveLength(2);
  const url = await new Promise<string>((resolve) => repos!.urls["data-api"].apply(resolve));
  expect(url).toBe("123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-dev/data-api");
  expect(await pulumi.isSecret(pulumi.output(repos!.registry.password))).toBe(true);
  expect(JSON.parse(lifecyclePolicy(20)).rules[0].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 });
  expect(() => lifecyclePolicy(0)).toThrow("keepImages 0; allowed: an integer 1-1000");
});

test("the policy pack's registry prefix with *. takes one host label (an ECR account), nothing more", () => {
  const prefix = "*.dkr.ecr.us-east-1.amazonaws.com/ods-dev";
  expect(underPrefix("123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-dev/data-api", prefix)).toBe(true);
  // Another region, another stack, a deeper host, or the bare suffix are not the stack's registry.
  expect(underPrefix("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ods-dev/data-api", prefix)).toBe(false);
  expect(underPrefix("123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-prod/data-api", prefix)).toBe(false);
  expect(underPrefix("evil.123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-dev/x", prefix)).toBe(false);
  expect(underPrefix("dkr.ecr.us-east-1.amazonaws.com/ods-dev/x", prefix)).toBe(false);
  expect(underPrefix("localhost:5001/ods-local/data-api", "localhost:5001/ods-local")).toBe(true);
});
