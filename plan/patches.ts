// Server-side-apply patches (`kubernetes:<group>/<version>:<Kind>Patch`) applied to the objects they target,
// so the schemas and the policy check see what the cluster will run, not what a chart rendered before it
// was patched. Lists of objects with a `name` merge by name (containers, env, ports, volumes), as the
// API server's list-map keys do; other lists and scalars are replaced.
import { RecordedResource } from "./types";
import { isRecord } from "../lib/records";

const PATCH = /^(kubernetes:[^:]+:)(.+)Patch$/;

function isNamedList(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => isRecord(x) && typeof x.name === "string");
}

/** `patch` merged over `base` (pure). */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (isRecord(base) && isRecord(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? mergePatch(base[k], v) : v;
    return out;
  }
  if (isNamedList(base) && isNamedList(patch)) {
    const out = base.map((item) => {
      const p = patch.find((x) => x.name === item.name);
      return p ? mergePatch(item, p) : item;
    });
    for (const p of patch) if (!base.some((item) => item.name === p.name)) out.push(p);
    return out;
  }
  return patch;
}

const idOf = (inputs: Record<string, unknown>) => {
  const m = isRecord(inputs.metadata) ? inputs.metadata : {};
  return `${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
};

/** Every object a patch targets, replaced by the patched object; throws on a patch whose target is not in the plan. */
export function applyPatches(resources: RecordedResource[]): RecordedResource[] {
  const patches = resources.filter((r) => PATCH.test(r.type));
  if (patches.length === 0) return resources;
  const byTarget = new Map<RecordedResource, RecordedResource[]>();
  for (const p of patches) {
    const [, prefix, kind] = PATCH.exec(p.type)!;
    const targetType = `${prefix}${kind}`;
    const target = resources.find((r) => r.type === targetType && idOf(r.inputs) === idOf(p.inputs));
    if (!target) throw new Error(`plan: ${p.type} "${p.name}" patches ${targetType} ${idOf(p.inputs)}, which the plan neither declares nor renders`);
    byTarget.set(target, [...(byTarget.get(target) ?? []), p]);
  }
  return resources.map((r) => {
    const ps = byTarget.get(r);
    if (!ps) return r;
    let inputs: unknown = r.inputs;
    for (const p of ps) {
      const { metadata, ...rest } = p.inputs as Record<string, unknown>;
      // The patch's own annotations (pulumi.com/patchForce) steer the provider, they are not applied.
      const { annotations: _annotations, ...meta } = isRecord(metadata) ? metadata : {};
      inputs = mergePatch(inputs, { ...rest, metadata: { ...meta } });
    }
    return { ...r, inputs: inputs as Record<string, unknown> };
  });
}
