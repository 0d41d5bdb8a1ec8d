// Kubernetes objects and Helm values out of the recorded plan, as files, validated against upstream schemas.
import * as jsyaml from "js-yaml";
import { CHART_ADAPTERS, isChart } from "./charts/adapters";
import { CrdValidator } from "./crdSchema";
import { REDACTED } from "./recorder";
import { RecordedResource } from "./types";
import { validateUpstream } from "./upstreamSchemas";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
  [key: string]: unknown;
}

export interface ManifestFile {
  /** File name under manifests/. */
  file: string;
  /** The recorded resource it came from. */
  source: { type: string; name: string };
  /** For an object a chart rendered: that chart. */
  renderedBy?: { type: string; name: string; chart?: string; version?: string };
  /** A Kubernetes object, or Helm chart values. */
  kind: "object" | "helm-values";
  content: unknown;
}

export function isKubeObject(r: RecordedResource): boolean {
  if (!r.type.startsWith("kubernetes:") || r.component) return false;
  // A server-side-apply patch is partial by design; the plan has merged it into the object it targets.
  if (r.type.endsWith("Patch")) return false;
  const i = r.inputs as Partial<KubeObject>;
  return typeof i.apiVersion === "string" && typeof i.kind === "string";
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
}

/** One file per Kubernetes object and one per Helm chart/release's values, with stable, unique names. */
export function manifestFiles(resources: RecordedResource[]): ManifestFile[] {
  const files: ManifestFile[] = [];
  const used = new Set<string>();
  const unique = (base: string, logical: string) => {
    let name = `${base}.yaml`;
    if (used.has(name)) name = `${base}.${slug(logical)}.yaml`;
    used.add(name);
    return name;
  };
  // Each chart's identity once, for the header of every object it rendered.
  const charts = new Map(
    resources.filter(isChart).map((r) => {
      const raw = CHART_ADAPTERS[r.type].raw(r.inputs);
      const info = { type: r.type, name: r.name, chart: typeof raw.chart === "string" ? raw.chart : undefined, version: typeof raw.version === "string" ? raw.version : undefined };
      return [`${r.type}::${r.name}`, info] as const;
    }),
  );
  for (const r of resources) {
    if (isChart(r)) {
      const i = CHART_ADAPTERS[r.type].raw(r.inputs);
      files.push({
        file: unique(`helm.${slug(r.name)}.values`, r.name),
        source: { type: r.type, name: r.name },
        kind: "helm-values",
        content: { chart: i.chart, version: i.version, repository: i.repo, namespace: i.namespace, values: i.values ?? {} },
      });
    } else if (isKubeObject(r)) {
      const o = r.inputs as unknown as KubeObject;
      const ns = o.metadata?.namespace;
      const name = o.metadata?.name ?? r.name;
      const chart = r.parentType ? charts.get(`${r.parentType}::${r.parent}`) : undefined;
      files.push({
        file: unique([slug(o.kind), ns ? slug(ns) : "", slug(name)].filter(Boolean).join("."), r.name),
        source: { type: r.type, name: r.name },
        renderedBy: chart,
        kind: "object",
        content: o,
      });
    }
  }
  return files;
}

/** The text of each manifest file: a header naming where the object came from, then the YAML. */
export function manifestText(f: ManifestFile): string {
  const by = f.renderedBy;
  const rendered = by ? `, rendered by ${by.type} "${by.name}"${by.chart ? ` (chart ${by.chart}${by.version ? ` ${by.version}` : ""})` : ""}` : "";
  const header = `# from ${f.source.type} "${f.source.name}"${rendered}${f.kind === "helm-values" ? " (chart metadata and values)" : ""}\n`;
  // Tests write the same plan several times in one process: a text is made once per object.
  const key = JSON.stringify(f.content);
  let yaml = manifestYaml.get(key);
  if (yaml === undefined) {
    // js-yaml writes these about three times faster than the yaml package (a second of a prod plan);
    // no anchors, no folded lines: each file reads on its own, line by line.
    yaml = jsyaml.dump(f.content, { noRefs: true, lineWidth: -1 });
    manifestYaml.set(key, yaml);
  }
  return header + yaml;
}

/** YAML of each object written so far in this process, by its JSON. */
const manifestYaml = new Map<string, string>();

/** The object without its "[secret]" fields: the plan does not know their values, so their schema is not checked. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== REDACTED).map(([k, v]) => [k, withoutSecrets(v)]));
}

export interface SchemaError {
  file: string;
  apiVersion: string;
  kind: string;
  /** metadata.name of the object. */
  name: string;
  error: string;
}

/** Results of validateObjects by the JSON of its input: a process that validates one plan again (tests) does it once. */
const validated = new Map<string, SchemaError[]>();

/**
 * Validates objects against their schemas: a custom resource against the CRD in the plan (declared or
 * rendered) that defines it (plan/crdSchema.ts); everything else against the upstream OpenAPI schemas
 * in kubernetes-models and @kubernetes-models/* packages (plan/upstreamSchemas.ts). An object with no
 * schema anywhere is an error.
 */
export function validateObjects(files: ManifestFile[]): SchemaError[] {
  const input = files.filter((f) => f.kind === "object");
  const key = JSON.stringify(input.map((f) => [f.file, f.content]));
  const known = validated.get(key);
  if (known) return known.map((e) => ({ ...e }));
  const result = validateUncached(input);
  validated.set(key, result.map((e) => ({ ...e })));
  return result;
}

function validateUncached(input: ManifestFile[]): SchemaError[] {
  const objects = input.map((f) => ({ file: f.file, object: withoutSecrets(f.content) as KubeObject }));
  if (objects.length === 0) return [];
  const crds = new CrdValidator(objects.map((o) => o.object));
  const errors = new Map<string, SchemaError>();
  const rest: typeof objects = [];
  for (const o of objects) {
    const { apiVersion, kind } = o.object;
    if (!crds.has(apiVersion, kind)) {
      rest.push(o);
      continue;
    }
    const error = crds.validate(o.object);
    if (error) errors.set(o.file, { file: o.file, apiVersion, kind, name: o.object.metadata?.name ?? "", error });
  }
  for (const e of validateUpstream(rest)) errors.set(e.file, e);
  return objects.map((o) => errors.get(o.file)).filter((e): e is SchemaError => e !== undefined);
}
