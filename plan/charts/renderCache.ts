// A cache of `helm template` results, keyed by everything that decides what Helm renders: the Helm
// binary, the chart's files, the release name and namespace, the flags (Kubernetes version, API
// versions, hooks, CRDs) and the values. A hit skips both Helm and the YAML parsing (the objects are
// stored as JSON). Kept in memory for the process and on disk in `.cache/renders` (ODS_RENDER_CACHE
// names another folder; `off` disables the disk).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { repoPath } from "../../lib/repo";
import type { KubeObject } from "../manifests";

/** The disk folder, or null when switched off. */
export function renderCacheDir(): string | null {
  const v = process.env.ODS_RENDER_CACHE;
  if (v === "off") return null;
  return path.resolve(v || repoPath(".cache", "renders"));
}

const fingerprints = new Map<string, string>();

/**
 * What identifies a chart's (or a binary's) content without reading it: every file's relative path,
 * size and modification time. Editing, adding or removing a file changes it. Memoized per process.
 */
export function fileFingerprint(target: string): string {
  const known = fingerprints.get(target);
  if (known) return known;
  const hash = crypto.createHash("sha256");
  const walk = (p: string, rel: string) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e), rel ? `${rel}/${e}` : e);
    } else {
      hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  walk(target, "");
  const digest = hash.digest("hex");
  fingerprints.set(target, digest);
  return digest;
}

export function renderKey(parts: { helm: string; chartPath: string; args: string[]; values: unknown }): string {
  return crypto
    .createHash("sha256")
    .update(`${parts.helm}\0${fileFingerprint(parts.helm)}\0${parts.chartPath}\0${fileFingerprint(parts.chartPath)}\0`)
    .update(JSON.stringify(parts.args))
    .update("\0")
    .update(JSON.stringify(parts.values ?? null))
    .digest("hex");
}

/** JSON text per key: every hit parses a fresh copy, so callers may change what they get. */
const memory = new Map<string, string>();

/** Objects rendered before under `key`, or undefined. */
export function cachedRender(key: string): KubeObject[] | undefined {
  let text = memory.get(key);
  const dir = renderCacheDir();
  if (text === undefined && dir) {
    try {
      text = fs.readFileSync(path.join(dir, `${key}.json`), "utf8");
    } catch {
      return undefined;
    }
  }
  if (text === undefined) return undefined;
  try {
    const objects = JSON.parse(text) as unknown;
    if (!Array.isArray(objects)) return undefined;
    memory.set(key, text);
    return objects as KubeObject[];
  } catch {
    return undefined; // a torn or foreign file: render again and overwrite it
  }
}

/** Remembers a render; the disk write is atomic (a temporary file renamed into place). */
export function storeRender(key: string, objects: KubeObject[]): void {
  const text = JSON.stringify(objects);
  memory.set(key, text);
  const dir = renderCacheDir();
  if (!dir) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, path.join(dir, `${key}.json`));
  } catch {
    // A read-only or full disk only costs the next run a render.
  }
}
