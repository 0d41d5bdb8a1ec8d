// Every stack deploys an image the kit builds (docs/adr/0001-service-images.md): the data API's
// Deployment names the reference ServiceImage pushed, by digest, in the stack's own registry, which the
// stack's policy config allows; a prebuilt image by config replaces the build.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policies/rules";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { cachedPlan } from "../../plan/planCache";
import { get, ofType, one } from "../harness";

const dataApiImage = (resources: { type: string; name: string; inputs: Record<string, unknown> }[]) => {
  const deployment = ofType(resources as never, "kubernetes:apps/v1:Deployment").find((d) => String(get(d, "metadata.name")).endsWith("data-api"));
  return get(deployment!, "spec.template.spec.containers.0.image");
};

test.each([
  ["local", "localhost:5001/ods-local/data-api:1.0.0", "localhost:5001/ods-local"],
  ["dev", "123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-dev/data-api:1.0.0", "*.dkr.ecr.us-east-1.amazonaws.com/ods-dev"],
  ["prod", "123456789012.dkr.ecr.us-east-1.amazonaws.com/ods-prod/data-api:1.0.0", "*.dkr.ecr.us-east-1.amazonaws.com/ods-prod"],
])("%s builds the data API and deploys what it pushed, by digest, from a registry its policy config allows", async (stack, tag, registry) => {
  const { resources } = await cachedPlan(stack, { charts: false });
  const build = one(resources, "docker-build:index:Image");
  expect(build.inputs).toMatchObject({ tags: [tag], push: true, buildOnPreview: false, dockerfile: { location: "services/data-api/Dockerfile" } });
  expect(dataApiImage(resources)).toMatch(new RegExp(`^${tag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@sha256:[0-9a-f]{64}$`));
  expect(stackPackConfig(stack, policies).config["k8s-allowed-registries"]).toMatchObject({ stackRegistries: [registry] });
  // It checks the realm's tokens: the public issuer, the keys from Keycloak's Service inside the cluster.
  const deployment = ofType(resources, "kubernetes:apps/v1:Deployment").find((d) => String(get(d, "metadata.name")).endsWith("data-api"))!;
  const env = Object.fromEntries((get(deployment, "spec.template.spec.containers.0.env") as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
  expect(env.OIDC_ISSUER_URL).toBe(`https://auth.${{ local: "ods.localtest.me", dev: "dev.ods.example.com", prod: "ods.example.com" }[stack]}/realms/ods`);
  expect(env.OIDC_JWKS_URL).toBe(`http://${stack === "local" ? "ods-local" : `ods-${stack}`}-keycloak.ods-identity.svc.cluster.local:8080/realms/ods/protocol/openid-connect/certs`);
  // The metadata endpoints read as a user with text-to-SQL's grant, from a Secret in the data namespace.
  const fromSecret = Object.fromEntries(
    (get(deployment, "spec.template.spec.containers.0.env") as { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[])
      .filter((e) => e.name.startsWith("METADATA_DB_"))
      .map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]),
  );
  expect(fromSecret).toEqual({ METADATA_DB_HOST: "host", METADATA_DB_PORT: "port", METADATA_DB_USER: "username", METADATA_DB_PASSWORD: "password" });
  const users = ofType(resources, "mysql:index/user:User").map((u) => get(u, "user"));
  expect(users).toEqual(expect.arrayContaining(["text2sql_ro", "text2sql_meta"]));
  // The stacks reference no image that nothing builds.
  expect(JSON.stringify(resources)).not.toContain("ghcr.io/one-data-studio/data-api");
});

test("a prebuilt image by config replaces the build", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-prebuilt-"));
  try {
    const file = path.join(dir, "Pulumi.local.yaml");
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.local.yaml"), "utf8");
    const changed = text.replace("  ods:model:", "    dataApi: { image: \"ghcr.io/one-data-studio/data-api:1.0.0\" }\n  ods:model:");
    fs.writeFileSync(file, changed);
    const { resources } = await cachedPlan("local", { stackFile: file, charts: false });
    expect(ofType(resources, "docker-build:index:Image")).toEqual([]);
    expect(dataApiImage(resources)).toBe("ghcr.io/one-data-studio/data-api:1.0.0");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
