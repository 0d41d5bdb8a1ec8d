// Custom resources against the CRDs in the plan: strict on unknown fields, Kubernetes' schema extensions
// honoured, CEL and formats ignored; and an object with no schema anywhere is an error by name.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CrdValidator } from "./crdSchema";
import { KubeObject, ManifestFile, validateObjects } from "./manifests";

const CRDS = YAML.parseAllDocuments(fs.readFileSync(path.join(__dirname, "charts", "testdata", "ods-testchart", "crds", "widgets.yaml"), "utf8")).map((d) => d.toJS() as KubeObject);
const validator = new CrdValidator(CRDS);

function widget(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "ods-test.example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "ns" }, spec, ...extra };
}

test("a valid custom resource passes; the CRD's kinds are known to the validator", () => {
  expect(validator.has("ods-test.example.com/v1", "Widget")).toBe(true);
  expect(validator.has("ods-test.example.com/v1", "Gizmo")).toBe(false);
  expect(validator.validate(widget({ size: 3, color: "red", labels: { a: "b" } }, { status: { ready: true } }))).toBeUndefined();
});

test("unknown fields are errors, at any depth and in metadata, like strict field validation", () => {
  expect(validator.validate(widget({ size: 3, bogus: true }))).toBe('spec: unknown field "bogus" (schema of CRD widgets.ods-test.example.com)');
  expect(validator.validate(widget({ size: 3 }, { extraTopLevel: 1 }))).toMatch(/^\(root\): unknown field "extraTopLevel"/);
  expect(validator.validate({ ...widget({ size: 3 }), metadata: { name: "w", labelz: {} } as KubeObject["metadata"] })).toMatch(/^metadata: unknown field "labelz"/);
  expect(validator.validate(widget({ size: 3, labels: { a: 1 } }))).toMatch(/^spec\/labels\/a must be string/);
});

test("x-kubernetes-preserve-unknown-fields lets anything through below it, and only there", () => {
  expect(validator.validate(widget({ size: 3, extra: { any: { thing: [1, "two"] } } }))).toBeUndefined();
  expect(validator.validate(widget({ size: 3, labels: {}, color: "red" }))).toBeUndefined();
});

test("a CRD declared with @pulumi/kubernetes spells the extensions x_kubernetes_*; they count the same", () => {
  const sdkCrd: KubeObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "things.sdk.example.com" },
    spec: {
      group: "sdk.example.com",
      names: { kind: "Thing" },
      versions: [{ name: "v1", served: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { free: { type: "object", x_kubernetes_preserve_unknown_fields: true }, size: { x_kubernetes_int_or_string: true } } } } } } }],
    },
  };
  const v = new CrdValidator([sdkCrd]);
  const thing = (spec: unknown): KubeObject => ({ apiVersion: "sdk.example.com/v1", kind: "Thing", metadata: { name: "t" }, spec });
  expect(v.validate(thing({ free: { anything: 1 }, size: "10%" }))).toBeUndefined();
  expect(v.validate(thing({ size: false }))).toMatch(/^spec\/size must be integer,string/);
  expect(v.validate(thing({ other: 1 }))).toMatch(/^spec: unknown field "other"/);
});

test("x-kubernetes-int-or-string takes an integer or a string, nothing else", () => {
  expect(validator.validate(widget({ size: 3 }))).toBeUndefined();
  expect(validator.validate(widget({ size: "50%" }))).toBeUndefined();
  expect(validator.validate(widget({ size: true }))).toMatch(/^spec\/size must be integer,string/);
  expect(validator.validate(widget({ size: 1.5 }))).toMatch(/^spec\/size must be integer,string/);
});

test("nullable fields take null; elsewhere null is pruned as the API server does, so a required one goes missing", () => {
  expect(validator.validate(widget({ size: 3, note: null }))).toBeUndefined();
  expect(validator.validate(widget({ size: 3, color: null }))).toBeUndefined();
  expect(validator.validate(widget({ size: null }))).toMatch(/^spec must have required property 'size'/);
  expect(validator.validate(widget({ size: 3, note: 5 }))).toMatch(/^spec\/note must be string,null/);
});

test("x-kubernetes-embedded-resource needs apiVersion and kind, and allows metadata", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { a: "b" } }, spec: { containers: [] } };
  expect(validator.validate(widget({ size: 3, template: pod }))).toBeUndefined();
  expect(validator.validate(widget({ size: 3, template: { metadata: { name: "p" } } }))).toMatch(/spec\/template must have required property 'apiVersion'/);
});

test("enum, minimum and types are checked; CEL rules and formats are not", () => {
  expect(validator.validate(widget({ size: 3, color: "green" }))).toMatch(/^spec\/color must be one of \["red","blue"\]/);
  expect(validator.validate(widget({ size: 3, replicas: 0 }))).toMatch(/^spec\/replicas must be >= 1/);
  expect(validator.validate(widget({ size: 3, rules: ["a", "b", "c"], endpoint: "not a uri" }))).toBeUndefined();
});

test("a version the CRD does not serve, or a kind no CRD defines, is an error", () => {
  expect(validator.validate({ ...widget({ size: 3 }), apiVersion: "ods-test.example.com/v1alpha1" })).toBe(
    "CRD widgets.ods-test.example.com does not serve version ods-test.example.com/v1alpha1",
  );
  expect(validator.validate({ ...widget({ size: 3 }), kind: "Gizmo" })).toBe("no CustomResourceDefinition in the plan defines ods-test.example.com/v1 Gizmo");
});

const file = (name: string, content: unknown): ManifestFile => ({ file: `${name}.yaml`, source: { type: "t", name }, kind: "object", content });

test("validateObjects: CRs against CRDs among the objects, built-ins upstream, and an unknown kind reported by name", () => {
  const files = [
    ...CRDS.map((c, i) => file(`crd${i}`, c)),
    file("good", widget({ size: 3 })),
    file("broken", { ...widget({ size: 3, bogus: 1 }), metadata: { name: "broken-widget", namespace: "ns" } }),
    file("cm", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } }),
    file("mystery", { apiVersion: "mystery.example.com/v2", kind: "Thing", metadata: { name: "the-thing" } }),
    file("secret", { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: "[secret]" }),
  ];
  const errors = validateObjects(files);
  expect(errors.map((e) => [e.file, e.kind, e.name])).toEqual([
    ["broken.yaml", "Widget", "broken-widget"],
    ["mystery.yaml", "Thing", "the-thing"],
  ]);
  expect(errors[0].error).toBe('spec: unknown field "bogus" (schema of CRD widgets.ods-test.example.com)');
  expect(errors[1].error).toBe(
    'no schema for mystery.example.com/v2 Thing: no CustomResourceDefinition in the plan defines it, and kubernetes-models has no mystery.example.com/v2 and no @kubernetes-models package is configured for group "mystery.example.com" (object "the-thing")',
  );
  // Without the CRDs, the Widget has no schema either.
  expect(validateObjects([file("good", widget({ size: 3 }))]).map((e) => e.error)).toEqual([expect.stringMatching(/^no schema for ods-test\.example\.com\/v1 Widget/)]);
});

test("validators come back from the validator cache with the same verdicts; a torn cache file is compiled again", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-validators-"));
  const saved = process.env.ODS_VALIDATOR_CACHE;
  process.env.ODS_VALIDATOR_CACHE = dir;
  const verdicts = () => {
    let out: (string | undefined)[] = [];
    jest.isolateModules(() => {
      // A fresh module: nothing compiled in memory, so the cache is what answers.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { CrdValidator: Fresh } = require("./crdSchema") as typeof import("./crdSchema");
      const v = new Fresh(CRDS);
      out = [v.validate(widget({ size: 3 })), v.validate(widget({ size: 3, bogus: true }))];
    });
    return out;
  };
  try {
    const first = verdicts();
    expect(first).toEqual([undefined, 'spec: unknown field "bogus" (schema of CRD widgets.ods-test.example.com)']);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".js"));
    expect(files.length).toBeGreaterThan(0);
    // Torn before any process loaded them: compiled again, and the files are whole again.
    for (const f of files) fs.writeFileSync(path.join(dir, f), "this is not a validator (");
    expect(verdicts()).toEqual(first);
    expect(fs.readFileSync(path.join(dir, files[0]), "utf8")).toContain("module.exports");
    // Now loaded from the files.
    expect(verdicts()).toEqual(first);
  } finally {
    if (saved === undefined) delete process.env.ODS_VALIDATOR_CACHE;
    else process.env.ODS_VALIDATOR_CACHE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
