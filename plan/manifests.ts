// Kubernetes objects and Helm values out of the recorded plan, as files, validated against upstream schemas.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RecordedResource } from "./types";

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
  /** A Kubernetes object, or Helm chart values. */
  kind: "object" | "helm-values";
  content: unknown;
}

const HELM_TYPES = new Set(["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart"]);

export function isKubeObject(r: RecordedResource): boolean {
  if (!r.type.startsWith("kubernetes:") || r.component) return false;
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
  for (const r of resources) {
    if (HELM_TYPES.has(r.type)) {
      const i = r.inputs as { chart?: string; version?: string; namespace?: string; repositoryOpts?: { repo?: string }; values?: unknown };
      files.push({
        file: unique(`helm.${slug(r.name)}.values`, r.name),
        source: { type: r.type, name: r.name },
        kind: "helm-values",
        content: { chart: i.chart, version: i.version, repository: i.repositoryOpts?.repo, namespace: i.namespace, values: i.values ?? {} },
      });
    } else if (isKubeObject(r)) {
      const o = r.inputs as unknown as KubeObject;
      const ns = o.metadata?.namespace;
      const name = o.metadata?.name ?? r.name;
      files.push({
        file: unique([slug(o.kind), ns ? slug(ns) : "", slug(name)].filter(Boolean).join("."), r.name),
        source: { type: r.type, name: r.name },
        kind: "object",
        content: o,
      });
    }
  }
  return files;
}

export function writeManifests(dir: string, files: ManifestFile[]): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const header = `# from ${f.source.type} "${f.source.name}"${f.kind === "helm-values" ? " (chart metadata and values)" : ""}\n`;
    fs.writeFileSync(path.join(dir, f.file), header + YAML.stringify(f.content, { aliasDuplicateObjects: false }));
  }
}

export interface SchemaError {
  file: string;
  apiVersion: string;
  kind: string;
  error: string;
}

/**
 * Validates objects against the upstream OpenAPI schemas (kubernetes-models, @kubernetes-models/* for
 * CRDs). Those packages are ES modules only, so validation runs in a small ESM child process.
 */
export function validateObjects(files: ManifestFile[]): SchemaError[] {
  const objects = files.filter((f) => f.kind === "object").map((f) => ({ file: f.file, object: f.content }));
  if (objects.length === 0) return [];
  const script = path.join(__dirname, "validate-manifests.mjs");
  const res = spawnSync(process.execPath, [script], { input: JSON.stringify(objects), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`schema validation could not run: ${res.stderr || res.error?.message}`);
  return JSON.parse(res.stdout) as SchemaError[];
}
