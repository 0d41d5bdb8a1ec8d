import { check } from "../test/harness";
import { container, DEPLOYMENT, deployment, UNKNOWN } from "../test/fixtures";
import { allowedRegistries, imagePinned } from "./k8s-images";
import { imageLocation, parseImage } from "./lib/images";

const withImage = (image: unknown) => deployment({ containers: [container({ image })] });

describe("parseImage", () => {
  it("resolves Docker Hub short names, registry ports, tags and digests", () => {
    expect(parseImage("nginx")).toEqual({ registry: "docker.io", repository: "library/nginx", tag: undefined, digest: undefined });
    expect(imageLocation(parseImage("vllm/vllm-openai:v0.30.0"))).toBe("docker.io/vllm/vllm-openai");
    expect(parseImage("localhost:5000/team/app:1.2")).toEqual({ registry: "localhost:5000", repository: "team/app", tag: "1.2", digest: undefined });
    expect(parseImage("quay.io/keycloak/keycloak@sha256:abc").digest).toBe("sha256:abc");
  });
});

describe("k8s-image-pinned", () => {
  it("accepts a version tag and a digest", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage("vllm/vllm-openai:v0.30.0"))).toEqual([]);
    expect(await check(imagePinned, DEPLOYMENT, withImage("quay.io/minio/minio@sha256:0123abcd"))).toEqual([]);
  });
  it("reports latest and a missing tag", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage("vllm/vllm-openai:latest"))).toEqual([
      "container app uses image vllm/vllm-openai:latest with the mutable tag latest.",
    ]);
    expect(await check(imagePinned, DEPLOYMENT, withImage("localhost:5000/app"))).toEqual([
      "container app uses image localhost:5000/app without a tag (resolves to latest).",
    ]);
  });
  it("does not report an unknown image", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage(UNKNOWN))).toEqual([]);
  });
});

describe("k8s-image-pinned: Helm values", () => {
  const chart = (values: unknown) => ({ chart: "vllm-stack", version: "0.1.12", namespace: "ods-model", values });
  it("accepts pinned tags in values", async () => {
    const values = { servingEngineSpec: { modelSpec: [{ repository: "vllm/vllm-openai", tag: "v0.30.0" }] }, routerSpec: { image: "lmcache/lmstack-router:0.1.12" } };
    expect(await check(imagePinned, "kubernetes:helm.sh/v4:Chart", chart(values))).toEqual([]);
  });
  it("reports a latest tag set in values", async () => {
    const values = { servingEngineSpec: { modelSpec: [{ repository: "vllm/vllm-openai", tag: "latest" }] }, routerSpec: { image: "lmcache/lmstack-router:latest" } };
    expect(await check(imagePinned, "kubernetes:helm.sh/v3:Release", chart(values))).toEqual([
      "Helm values: servingEngineSpec.modelSpec[0].tag is latest.",
      "Helm values: routerSpec.image is lmcache/lmstack-router:latest.",
    ]);
  });
});

describe("k8s-allowed-registries", () => {
  it("accepts images under the default allow list", async () => {
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("vllm/vllm-openai:v0.30.0"))).toEqual([]);
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("quay.io/keycloak/keycloak:26.5.2"))).toEqual([]);
  });
  it("reports an image from elsewhere, matching prefixes at path boundaries", async () => {
    const cfg = { allowedRegistries: ["docker.io/vllm", "quay.io/keycloak"] };
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("docker.io/vllmfake/x:1"), cfg)).toEqual([
      "container app uses image docker.io/vllmfake/x:1 (docker.io/vllmfake/x), which is not under an allowed registry: docker.io/vllm, quay.io/keycloak.",
    ]);
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("bitnami/redis:7.2"))).toHaveLength(1);
  });
  it("does not report an unknown image", async () => {
    expect(await check(allowedRegistries, DEPLOYMENT, withImage(UNKNOWN), { allowedRegistries: [] })).toEqual([]);
  });
});
