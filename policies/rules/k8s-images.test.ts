import { check } from "../test/harness";
import { container, DEPLOYMENT, deployment, UNKNOWN } from "../test/fixtures";
import { allowedRegistries, imagePinned, noBitnamiImages } from "./k8s-images";
import { imageLocation, imagesIn, parseImage } from "./lib/images";

const withImage = (image: unknown) => deployment({ containers: [container({ image })] });
const CLUSTER_POLICY = "kubernetes:nvidia.com/v1:ClusterPolicy";
const CHART = "kubernetes:helm.sh/v4:Chart";

/** The shape the GPU operator chart renders: image blocks per component, some switched off. */
const clusterPolicy = (devicePlugin: Record<string, unknown>) => ({
  apiVersion: "nvidia.com/v1",
  kind: "ClusterPolicy",
  metadata: { name: "cluster-policy" },
  spec: {
    validator: { repository: "nvcr.io/nvidia", image: "gpu-operator", version: "v26.7.0" },
    driver: { enabled: false, repository: "nvcr.io/nvidia", image: "driver", version: "latest", manager: { repository: "nvcr.io/nvidia/cloud-native", image: "k8s-driver-manager" } },
    devicePlugin: { enabled: true, repository: "nvcr.io/nvidia", image: "k8s-device-plugin", version: "v0.20.0", ...devicePlugin },
  },
});

describe("parseImage", () => {
  it("resolves Docker Hub short names and host aliases, registry ports, tags and digests", () => {
    expect(parseImage("nginx")).toEqual({ registry: "docker.io", repository: "library/nginx", tag: undefined, digest: undefined });
    expect(imageLocation(parseImage("vllm/vllm-openai:v0.30.0"))).toBe("docker.io/vllm/vllm-openai");
    expect(imageLocation(parseImage("registry-1.docker.io/bitnami/redis:7.2"))).toBe("docker.io/bitnami/redis");
    expect(imageLocation(parseImage("index.docker.io/library/redis:8"))).toBe("docker.io/library/redis");
    expect(parseImage("localhost:5000/team/app:1.2")).toEqual({ registry: "localhost:5000", repository: "team/app", tag: "1.2", digest: undefined });
    expect(parseImage("quay.io/keycloak/keycloak@sha256:abc").digest).toBe("sha256:abc");
  });
});

describe("imagesIn", () => {
  it("finds container images and image blocks anywhere, and skips what is switched off", () => {
    const found = imagesIn(clusterPolicy({}), { helmValues: false }).map((f) => [f.path, f.image]);
    expect(found).toEqual([
      ["spec.validator", "nvcr.io/nvidia/gpu-operator:v26.7.0"],
      ["spec.devicePlugin", "nvcr.io/nvidia/k8s-device-plugin:v0.20.0"],
    ]);
    const d = imagesIn(withImage("redis:8.8.0"), { helmValues: false });
    expect(d.map((f) => [f.path, f.label, f.image])).toEqual([["spec.template.spec.containers[0].image", "container app", "redis:8.8.0"]]);
  });
  it("composes registry, repository, image, tag and digest, and leaves unknown values out", () => {
    const values = { a: { image: { registry: "docker.io", repository: "bitnami/redis", tag: 7 } }, b: { image: { repository: "x/y", digest: "sha256:01" } }, c: { image: UNKNOWN }, d: { repository: UNKNOWN, tag: "1" } };
    expect(imagesIn(values, { helmValues: true }).map((f) => f.image)).toEqual(["docker.io/bitnami/redis:7", "x/y@sha256:01"]);
  });
});

describe("k8s-image-pinned", () => {
  it("accepts a version tag and a digest", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage("vllm/vllm-openai:v0.30.0"))).toEqual([]);
    expect(await check(imagePinned, DEPLOYMENT, withImage("quay.io/minio/minio@sha256:0123abcd"))).toEqual([]);
    expect(await check(imagePinned, DEPLOYMENT, withImage("nvcr.io/nvidia/k8s/dcgm-exporter:4.6.0-4.8.3-distroless"))).toEqual([]);
  });
  it("reports latest, other moving tags, a tag without a version and a missing tag", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage("vllm/vllm-openai:latest"))).toEqual([
      "container app uses image vllm/vllm-openai:latest with the mutable tag latest.",
    ]);
    for (const tag of ["stable", "main", "master", "edge", "nightly", "dev", "HEAD"]) {
      expect(await check(imagePinned, DEPLOYMENT, withImage(`ghcr.io/ods/app:${tag}`))).toEqual([`container app uses image ghcr.io/ods/app:${tag} with the mutable tag ${tag}.`]);
    }
    expect(await check(imagePinned, DEPLOYMENT, withImage("redis:alpine"))).toEqual(["container app uses image redis:alpine with the tag alpine, which names no version (no digit)."]);
    expect(await check(imagePinned, DEPLOYMENT, withImage("localhost:5000/app"))).toEqual([
      "container app uses image localhost:5000/app without a tag (resolves to latest).",
    ]);
  });
  it("does not report an unknown image", async () => {
    expect(await check(imagePinned, DEPLOYMENT, withImage(UNKNOWN))).toEqual([]);
  });
  it("sees images of custom resources, by path, and skips blocks with enabled: false", async () => {
    expect(await check(imagePinned, CLUSTER_POLICY, clusterPolicy({}))).toEqual([]);
    expect(await check(imagePinned, CLUSTER_POLICY, clusterPolicy({ version: "latest" }))).toEqual([
      "spec.devicePlugin uses image nvcr.io/nvidia/k8s-device-plugin:latest with the mutable tag latest.",
    ]);
    expect(await check(imagePinned, CLUSTER_POLICY, clusterPolicy({ version: undefined }))).toEqual([
      "spec.devicePlugin uses image nvcr.io/nvidia/k8s-device-plugin without a tag (resolves to latest).",
    ]);
  });
  it("ignores CustomResourceDefinitions (schemas, not images)", async () => {
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", spec: { x: { repository: "nvcr.io/nvidia", image: "y", version: "latest" } } };
    expect(await check(imagePinned, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd)).toEqual([]);
  });
});

describe("k8s-image-pinned: Helm values", () => {
  const chart = (values: unknown) => ({ chart: "vllm-stack", version: "0.1.12", namespace: "ods-model", values });
  it("accepts pinned tags, and a tag left to the chart", async () => {
    const values = { servingEngineSpec: { modelSpec: [{ repository: "vllm/vllm-openai", tag: "v0.30.0" }] }, routerSpec: { image: "lmcache/lmstack-router:0.1.12" }, cache: { image: { repository: "valkey/valkey", tag: "" } } };
    expect(await check(imagePinned, CHART, chart(values))).toEqual([]);
  });
  it("reports a moving tag set in values", async () => {
    const values = { servingEngineSpec: { modelSpec: [{ repository: "vllm/vllm-openai", tag: "latest" }] }, routerSpec: { image: "lmcache/lmstack-router:nightly" } };
    expect(await check(imagePinned, "kubernetes:helm.sh/v3:Release", chart(values))).toEqual([
      "Helm values servingEngineSpec.modelSpec[0] uses image vllm/vllm-openai:latest with the mutable tag latest.",
      "Helm values routerSpec.image uses image lmcache/lmstack-router:nightly with the mutable tag nightly.",
    ]);
  });
});

describe("k8s-allowed-registries", () => {
  it("accepts images under the default allow list", async () => {
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("vllm/vllm-openai:v0.30.0"))).toEqual([]);
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("quay.io/keycloak/keycloak:26.5.2"))).toEqual([]);
    expect(await check(allowedRegistries, CLUSTER_POLICY, clusterPolicy({}))).toEqual([]);
  });
  it("reports an image from elsewhere, matching prefixes at path boundaries", async () => {
    const cfg = { allowedRegistries: ["docker.io/vllm", "quay.io/keycloak"] };
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("docker.io/vllmfake/x:1"), cfg)).toEqual([
      "container app uses image docker.io/vllmfake/x:1 (docker.io/vllmfake/x), which is not under an allowed registry: docker.io/vllm, quay.io/keycloak.",
    ]);
    expect(await check(allowedRegistries, DEPLOYMENT, withImage("bitnami/redis:7.2"))).toHaveLength(1);
    expect(await check(allowedRegistries, CLUSTER_POLICY, clusterPolicy({ repository: "registry.example.com/nvidia" }))).toHaveLength(1);
  });
  it("judges Helm values only where they name the registry", async () => {
    const chart = (values: unknown) => ({ chart: "c", version: "1.0.0", namespace: "ods-apps", values });
    expect(await check(allowedRegistries, CHART, chart({ image: { repository: "team/app", tag: "1.0" } }))).toEqual([]);
    expect(await check(allowedRegistries, CHART, chart({ image: { registry: "registry.example.com", repository: "team/app", tag: "1.0" } }))).toHaveLength(1);
  });
  it("does not report an unknown image", async () => {
    expect(await check(allowedRegistries, DEPLOYMENT, withImage(UNKNOWN), { allowedRegistries: [] })).toEqual([]);
  });
});

describe("k8s-no-bitnami-images", () => {
  it("reports every form of the frozen Bitnami repositories", async () => {
    for (const image of ["docker.io/bitnami/redis:7.2.5", "bitnami/redis:7.2.5", "registry-1.docker.io/bitnami/postgresql:16.4.0", "bitnamilegacy/mysql:8.4.2", "docker.io/bitnamilegacy/kafka:3.8.0", "public.ecr.aws/bitnami/redis:7.2.5"]) {
      expect(await check(noBitnamiImages, DEPLOYMENT, withImage(image))).toEqual([expect.stringMatching(new RegExp(`^container app uses image ${image.replace(/[./]/g, "\\$&")} from the frozen Bitnami repository `))]);
    }
  });
  it("reports Bitnami images in Helm values and custom resources, not look-alikes", async () => {
    const chart = { chart: "redis", version: "20.0.0", namespace: "ods-data", values: { image: { registry: "docker.io", repository: "bitnami/redis", tag: "7.2.5" } } };
    expect(await check(noBitnamiImages, CHART, chart)).toEqual(["Helm values image uses image docker.io/bitnami/redis:7.2.5 from the frozen Bitnami repository docker.io/bitnami (no updates since 28 Aug 2025)."]);
    expect(await check(noBitnamiImages, CLUSTER_POLICY, clusterPolicy({ repository: "docker.io/bitnami" }))).toHaveLength(1);
    for (const image of ["redis:8.8.0", "bitnami:1.0", "docker.io/bitnamifake/redis:1", "quay.io/bitnami/redis:7"]) {
      expect(await check(noBitnamiImages, DEPLOYMENT, withImage(image))).toEqual([]);
    }
  });
});
