// Checks that used to run only inside components, once declaration had begun, naming a component
// (`Keycloak ...: limits.memory 512Mi is below 1Gi`, `Redis "...": the name makes object names too
// long`): each now fails in the schema first, naming the config key, the value and what is allowed.
// The components keep theirs as a second line. At the schema's limits, the stack plans.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseRawConfig } from "./load";
import { MAX_BASE_NAME } from "./schema";
import { readStackConfig } from "./stackFile";
import { keycloakProblems } from "../components/identity/keycloak";
import { cachedPlan } from "../plan/planCache";
import { configErrorOf } from "../test/harness";

const ROOT = path.resolve(__dirname, "..");
type Obj = Record<string, unknown>;
const local = () => readStackConfig(ROOT, "local").config;
/** The local config with one top-level key's value edited. */
function edited(key: string, edit: (v: Obj) => void): Record<string, string> {
  const raw = local();
  const value = JSON.parse(raw[`ods:${key}`]) as Obj;
  edit(value);
  return { ...raw, [`ods:${key}`]: JSON.stringify(value) };
}
const firstModel = (m: Obj) => (m.models as Obj[])[0];

test.each<[string, () => Record<string, string>, string]>([
  [
    "Keycloak's memory limit below 1Gi",
    () => edited("identity", (i) => ((i.keycloak as Obj).resources = { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } })),
    'ods:identity.keycloak.resources.limits.memory = "512Mi": 512Mi is below 1Gi; allowed: 1Gi or more',
  ],
  [
    "Redis' memory limit below 64Mi",
    () => edited("data", (d) => (d.redis = { resources: { requests: { cpu: "50m", memory: "16Mi" }, limits: { memory: "32Mi" } } })),
    'ods:data.redis.resources.limits.memory = "32Mi": 32Mi is below 64Mi; allowed: 64Mi or more',
  ],
  [
    "a name prefix and environment too long together",
    () => ({ ...local(), "ods:namePrefix": "abcdefghijkl", "ods:environment": "abcdefghijklmnopqr" }),
    `ods:environment = "abcdefghijklmnopqr": makes the name base "abcdefghijkl-abcdefghijklmnopqr" (namePrefix-environment) 31 characters; allowed: at most ${MAX_BASE_NAME} together`,
  ],
  ["a served model name with a space", () => edited("model", (m) => (firstModel(m).servedModelName = "a b")), 'ods:model.models[0].servedModelName = "a b": must be a model name of letters, digits'],
  ["a served model name the router cannot carry", () => edited("model", (m) => (firstModel(m).servedModelName = "a@b")), 'ods:model.models[0].servedModelName = "a@b": must be a model name'],
  [
    "a scale-down window above the HPA's hour",
    () => edited("model", (m) => (m.autoscaling = { scaleDownStabilizationSeconds: 3601 })),
    "ods:model.autoscaling.scaleDownStabilizationSeconds = 3601: must be <= 3600",
  ],
  ["a model with at most no replica", () => edited("model", (m) => (firstModel(m).replicas = { min: 0, max: 0 })), "ods:model.models[0].replicas.max = 0: max must be >= 1"],
  ["no model API replica", () => edited("model", (m) => (m.api = { replicas: 0 })), "ods:model.api.replicas = 0: replicas must be >= 1"],
  [
    "scaleToZero with a replica kept",
    () => edited("model", (m) => (firstModel(m).scaleToZero = true)),
    'ods:model.models[0].replicas.min (not set): model "qwen2-5-0-5b": min 1 with scaleToZero: true; allowed: 0',
  ],
  [
    "a receiver named null (Alertmanager's own)",
    () => edited("observability", (o) => (o.alertmanager = { receivers: [{ name: "null", webhookUrl: "https://hooks.example.com/x" }] })),
    'ods:observability.alertmanager.receivers[0].name = [secret, not shown]: is the name of Alertmanager\'s own receiver',
  ],
])("%s is refused by the schema, by key", (_what, config, expected) => {
  const secret = config()["ods:observability"].includes("webhookUrl") ? ["ods:observability"] : [];
  const msg = configErrorOf(() => parseRawConfig(config(), secret));
  expect(msg).toContain(expected);
  // Not by a component: nothing was declared.
  expect(msg).not.toMatch(/Keycloak |Redis "|ModelApi|ModelServing|Observability /);
});

test("the components keep their check as a second line (the schema's is not the only one)", () => {
  const args = { image: "quay.io/keycloak/keycloak:26.5.6", replicas: 1, publicUrl: "https://auth.example.com", resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } } };
  expect(keycloakProblems(args as Parameters<typeof keycloakProblems>[0]).join("; ")).toContain("resources.limits.memory 512Mi is below 1Gi");
});

describe("at the schema's limits the stack plans", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-limits-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(`a ${MAX_BASE_NAME}-character name base, a 40-character model name, a 40-character receiver name and a decimal volume size`, async () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Obj> };
    const c = doc.config;
    c["ods:namePrefix"] = "abcdefghijkl" as unknown as Obj;
    c["ods:environment"] = "abcdefghijklmnopq" as unknown as Obj;
    expect(`abcdefghijkl-abcdefghijklmnopq`).toHaveLength(MAX_BASE_NAME);
    firstModel(c["ods:model"]).name = "m".repeat(40);
    c["ods:observability"] = { ...c["ods:observability"], alertmanager: { receivers: [{ name: "r".repeat(40), webhookUrl: { secure: "v1:x" } }] } };
    (c["ods:data"].milvus as Obj).volumeSize = "20G";
    const file = path.join(dir, "Pulumi.local.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    const planned = await cachedPlan("local", { stackFile: file, charts: false });
    expect(planned.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment" && String((r.inputs.metadata as Obj | undefined)?.name).includes("m".repeat(40)))).toBe(true);
  }, 120_000);
});
