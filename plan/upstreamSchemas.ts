// Validates Kubernetes objects against upstream OpenAPI schemas: kubernetes-models for built-in kinds,
// @kubernetes-models/* packages for the CRD groups listed below. Custom resources whose CRD is in the
// plan are validated before this (plan/crdSchema.ts).
//
// Those packages are ES modules that export only `import` entry points. Node 22 loads an ES module
// with require() when it has no top-level await, so they are loaded here with Node's own require, by
// the file their export map names: in this process, synchronously, once per process, under Jest too
// (plan/nativeRequire.ts). Before, each validation started a Node process of its own.
import * as fs from "fs";
import * as path from "path";
import { nativeRequire as nodeRequire } from "./nativeRequire";
import type { KubeObject } from "./manifests";

/** API groups of CRDs the kit uses -> the @kubernetes-models package with their schemas. */
const CRD_PACKAGES: Record<string, string> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

class NoSchema extends Error {}

type Model = new (o: unknown) => { validate(): void };
const models = new Map<string, Model | NoSchema>();

/** The directory and export map of an installed package, or undefined when it is not installed. */
function packageExports(pkg: string): { dir: string; exports: Record<string, { import?: string } | string> } | undefined {
  let manifest: string;
  try {
    manifest = nodeRequire.resolve(`${pkg}/package.json`);
  } catch {
    return undefined;
  }
  const json = JSON.parse(fs.readFileSync(manifest, "utf8")) as { exports?: Record<string, { import?: string } | string> };
  return { dir: path.dirname(manifest), exports: json.exports ?? {} };
}

function loadModel(apiVersion: string, kind: string): Model {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = CRD_PACKAGES[group] ?? "kubernetes-models";
  const noSchema = (why: string) => new NoSchema(`no schema for ${apiVersion} ${kind}: no CustomResourceDefinition in the plan defines it, and ${why}`);
  const found = packageExports(pkg);
  const entry = found?.exports[`./${apiVersion}`];
  const file = typeof entry === "string" ? entry : entry?.import;
  if (!found || !file) {
    throw noSchema(CRD_PACKAGES[group] ? `${pkg} is not installed or has no ${apiVersion}` : `kubernetes-models has no ${apiVersion} and no @kubernetes-models package is configured for group "${group}"`);
  }
  const mod = nodeRequire(path.join(found.dir, file)) as Record<string, unknown>;
  const model = mod[kind];
  if (typeof model !== "function") throw noSchema(`${pkg} has no kind ${kind} in ${apiVersion}`);
  return model as Model;
}

function modelFor(apiVersion: string, kind: string): Model {
  const key = `${apiVersion}/${kind}`;
  let m = models.get(key);
  if (!m) {
    try {
      m = loadModel(apiVersion, kind);
    } catch (e) {
      if (!(e instanceof NoSchema)) throw e;
      m = e;
    }
    models.set(key, m);
  }
  if (m instanceof NoSchema) throw m;
  return m;
}

export interface UpstreamError {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  error: string;
}

/** What is wrong with each object that fails its upstream schema (or has none); valid objects are left out. */
export function validateUpstream(items: { file: string; object: KubeObject }[]): UpstreamError[] {
  const errors: UpstreamError[] = [];
  for (const { file, object } of items) {
    const { apiVersion, kind } = object;
    const name = object.metadata?.name ?? "";
    try {
      new (modelFor(apiVersion, kind))(object).validate();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push({ file, apiVersion, kind, name, error: e instanceof NoSchema ? `${message} (object "${name}")` : message });
    }
  }
  return errors;
}
