// Validates custom resources against the openAPIV3Schema of a CustomResourceDefinition in the plan,
// about as strictly as the API server with kubectl's strict field validation: an unknown field is an
// error unless its object has x-kubernetes-preserve-unknown-fields; x-kubernetes-int-or-string,
// nullable (null pruned where not allowed) and x-kubernetes-embedded-resource are honoured; CEL rules
// (x-kubernetes-validations) and `format` are not checked.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { REPO_ROOT } from "../lib/repo";
import { nativeRequire } from "./nativeRequire";
import type { KubeObject } from "./manifests";
import { isRecord } from "../lib/records";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AJV_VERSION = (require("ajv/package.json") as { version: string }).version;

type K8sSchema = Record<string, unknown>;
type JsonSchema = Record<string, unknown>;

interface CrdVersion {
  crd: string;
  served: boolean;
  schema?: K8sSchema;
}


const stringMap = { type: "object", additionalProperties: { type: "string" } };
/** ObjectMeta fields a manifest may carry (the API server checks metadata itself, whatever the CRD says). */
const OBJECT_META: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string" },
    generateName: { type: "string" },
    namespace: { type: "string" },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: "array", items: { type: "string" } },
    ownerReferences: { type: "array", items: { type: "object" } },
    uid: { type: "string" },
    resourceVersion: { type: "string" },
    generation: { type: "integer" },
    creationTimestamp: { type: ["string", "null"] },
    deletionTimestamp: { type: ["string", "null"] },
    deletionGracePeriodSeconds: { type: "integer" },
    managedFields: { type: "array", items: { type: "object" } },
    selfLink: { type: "string" },
  },
};

const VALUE_KEYWORDS = ["enum", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "required", "multipleOf"];

function patternOk(p: unknown): p is string {
  if (typeof p !== "string") return false;
  try {
    new RegExp(p);
    return true;
  } catch {
    return false; // an RE2-only construct; the API server would check it, we cannot.
  }
}

/**
 * An x-kubernetes-* extension of a schema node. A CRD declared with @pulumi/kubernetes carries the SDK's
 * spelling (x_kubernetes_preserve_unknown_fields), which the provider renames; YAML has the dashes.
 */
function ext(s: K8sSchema, name: string): unknown {
  return s[`x-kubernetes-${name}`] ?? s[`x_kubernetes_${name.replace(/-/g, "_")}`];
}

/**
 * A structural schema as JSON Schema for ajv. `inJunctor`: inside allOf/anyOf/oneOf/not, which in a
 * structural schema only add value checks, so no field is forbidden there.
 */
export function toJsonSchema(s: K8sSchema, opts: { root?: boolean; inJunctor?: boolean } = {}): JsonSchema {
  const out: JsonSchema = {};
  const nullable = s.nullable === true;
  const preserve = ext(s, "preserve-unknown-fields") === true;
  const embedded = ext(s, "embedded-resource") === true;

  let types: string[] | undefined;
  if (ext(s, "int-or-string") === true) types = ["integer", "string"];
  else if (typeof s.type === "string") types = [s.type];
  if (types) out.type = nullable ? [...types, "null"] : types.length === 1 ? types[0] : types;

  for (const k of VALUE_KEYWORDS) if (k in s) out[k] = s[k];
  if (Array.isArray(out.enum) && nullable && !out.enum.includes(null)) out.enum = [...out.enum, null];
  // OpenAPI v3.0 writes exclusive bounds as booleans next to minimum/maximum.
  if (s.exclusiveMinimum === true && typeof s.minimum === "number") {
    delete out.minimum;
    out.exclusiveMinimum = s.minimum;
  }
  if (s.exclusiveMaximum === true && typeof s.maximum === "number") {
    delete out.maximum;
    out.exclusiveMaximum = s.maximum;
  }
  if (patternOk(s.pattern)) out.pattern = s.pattern;

  const child = { inJunctor: opts.inJunctor };
  if (isRecord(s.items)) out.items = toJsonSchema(s.items, child);
  const properties: Record<string, JsonSchema> = {};
  if (isRecord(s.properties)) for (const [k, v] of Object.entries(s.properties)) if (isRecord(v)) properties[k] = toJsonSchema(v, child);
  if (opts.root || embedded) {
    properties.apiVersion ??= { type: "string" };
    properties.kind ??= { type: "string" };
    properties.metadata = opts.root ? OBJECT_META : { type: "object" };
  }
  if (embedded && !opts.inJunctor) out.required = [...new Set([...((out.required as string[]) ?? []), "apiVersion", "kind"])];
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (isRecord(s.additionalProperties)) out.additionalProperties = toJsonSchema(s.additionalProperties, child);
  else if (typeof s.additionalProperties === "boolean") out.additionalProperties = s.additionalProperties;
  else if (!opts.inJunctor && !preserve && (s.type === "object" || opts.root)) out.additionalProperties = false;

  for (const k of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(s[k])) out[k] = (s[k] as unknown[]).filter(isRecord).map((x) => toJsonSchema(x, { inJunctor: true }));
  }
  if (isRecord(s.not)) out.not = toJsonSchema(s.not, { inJunctor: true });
  return out;
}

/** Drops null fields the schema does not declare nullable, as the API server prunes them before validating. */
export function pruneNulls(value: unknown, s: K8sSchema | undefined): unknown {
  if (!s) return value;
  if (Array.isArray(value)) return value.map((v) => pruneNulls(v, isRecord(s.items) ? s.items : undefined));
  if (!isRecord(value)) return value;
  const props = isRecord(s.properties) ? s.properties : {};
  const extra = isRecord(s.additionalProperties) ? s.additionalProperties : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = (isRecord(props[k]) ? props[k] : extra) as K8sSchema | undefined;
    if (v === null && sub && sub.nullable !== true) continue;
    out[k] = pruneNulls(v, sub);
  }
  return out;
}

function formatErrors(errors: ErrorObject[]): string {
  const lines = errors
    .filter((e) => !["anyOf", "oneOf", "allOf", "if"].includes(e.keyword))
    .map((e) => {
      const at = e.instancePath.slice(1) || "(root)";
      if (e.keyword === "additionalProperties") return `${at}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
      if (e.keyword === "enum") return `${at} must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
      return `${at} ${e.message ?? e.keyword}`;
    });
  return [...new Set(lines.length > 0 ? lines : errors.map((e) => `${e.instancePath.slice(1) || "(root)"} ${e.message}`))].join("; ");
}

/** Custom-resource validation against the CRDs among a set of objects; schemas are compiled on first use. */
// optimize: false halves the compile time of big CRD schemas; the checks are the same. `source` keeps
// each validator's code, which the validator cache stores.
const AJV_OPTIONS = { strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false, code: { optimize: false, source: true } } as const;
let sharedAjv: Ajv | undefined;
/** Compiled validators by the JSON of their schema: one process that validates several plans compiles each CRD's schema once. */
const compiledBySchema = new Map<string, ValidateFunction>();

/** The folder of compiled validators (`.cache/validators`, or ODS_VALIDATOR_CACHE; `off`: none). */
export function validatorCacheDir(): string | null {
  const v = process.env.ODS_VALIDATOR_CACHE;
  if (v === "off") return null;
  return path.resolve(v || path.join(REPO_ROOT, ".cache", "validators"));
}

/**
 * A CRD schema's validator: from this process's memory, else from the validator cache (Ajv's
 * standalone code, keyed by the schema, Ajv's version and options), else compiled and stored there.
 * Compiling the big CRD schemas was a second of every plan.
 */
function compiledValidator(schema: K8sSchema): ValidateFunction {
  const text = JSON.stringify(schema);
  let fn = compiledBySchema.get(text);
  if (fn) return fn;
  const dir = validatorCacheDir();
  const key = createHash("sha256").update(`${AJV_VERSION}\0${JSON.stringify(AJV_OPTIONS)}\0${text}`).digest("hex");
  const file = dir ? path.join(dir, `${key}.js`) : undefined;
  if (file && fs.existsSync(file)) {
    try {
      fn = nativeRequire(file) as ValidateFunction;
    } catch {
      fn = undefined; // a torn file: compile again and overwrite it
    }
  }
  if (!fn) {
    sharedAjv ??= new Ajv(AJV_OPTIONS);
    fn = sharedAjv.compile(toJsonSchema(schema, { root: true }));
    if (file) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, standaloneCode(sharedAjv, fn));
        fs.renameSync(tmp, file);
      } catch {
        // a read-only or full disk only costs the next process a compile
      }
    }
  }
  compiledBySchema.set(text, fn);
  return fn;
}

export class CrdValidator {
  private readonly versions = new Map<string, CrdVersion>();
  private readonly compiled = new Map<string, { validate: ValidateFunction; schema: K8sSchema }>();

  constructor(objects: KubeObject[]) {
    for (const o of objects) {
      if (o.kind !== "CustomResourceDefinition" || !o.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
      const spec = o.spec as { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean; schema?: { openAPIV3Schema?: K8sSchema } }[] } | undefined;
      if (!spec?.group || !spec.names?.kind || !Array.isArray(spec.versions)) continue;
      for (const v of spec.versions) {
        if (!v?.name) continue;
        this.versions.set(`${spec.group}/${v.name}/${spec.names.kind}`, { crd: o.metadata?.name ?? `${spec.names.kind}.${spec.group}`, served: v.served !== false, schema: v.schema?.openAPIV3Schema });
      }
    }
  }

  /** Whether a CRD in the set defines this apiVersion and kind. */
  has(apiVersion: string, kind: string): boolean {
    return this.versions.has(`${apiVersion}/${kind}`);
  }

  /** Undefined when valid, else what is wrong (the CRD named). */
  validate(o: KubeObject): string | undefined {
    const key = `${o.apiVersion}/${o.kind}`;
    const v = this.versions.get(key);
    if (!v) return `no CustomResourceDefinition in the plan defines ${o.apiVersion} ${o.kind}`;
    if (!v.served) return `CRD ${v.crd} does not serve version ${o.apiVersion}`;
    if (!v.schema) return `CRD ${v.crd} has no openAPIV3Schema for ${o.apiVersion}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = { validate: compiledValidator(v.schema), schema: v.schema };
      this.compiled.set(key, c);
    }
    if (c.validate(pruneNulls(o, c.schema))) return undefined;
    return `${formatErrors(c.validate.errors ?? [])} (schema of CRD ${v.crd})`;
  }
}
