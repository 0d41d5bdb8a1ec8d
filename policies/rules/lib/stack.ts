// Stack-level views: resources with plain props, and how one resource refers to another.
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { isUnknown, Obj, plain } from "./values";

export interface StackResource {
  type: string;
  name: string;
  urn: string;
  props: Obj;
  /** URN of the parent, if the engine (or the offline policy check) knows it. */
  parent?: string;
  /** URNs each property depends on (known in a real preview; empty offline). */
  propertyDependencies: Record<string, string[]>;
}

export function stackResources(args: StackValidationArgs): StackResource[] {
  return args.resources.map((r: PolicyResource) => {
    const deps: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) deps[k] = v.map((d) => d.urn);
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: plain(r.props),
      parent: r.parent?.urn ?? r.opts?.parent,
      propertyDependencies: deps,
    };
  });
}

/**
 * Whether `ref` (the resource holding property `prop`) refers to `target`. Tried in order:
 * the engine's property dependencies (exact, in a real preview); the property's value equal to
 * one of the target's identifying values (offline, or names given explicitly); and, when the
 * value is not known yet, the same parent component (the kit creates a bucket and its
 * companions inside one component). Returns "unknown" if none decides.
 */
export function refersTo(ref: StackResource, prop: string, target: StackResource, targetIds: unknown[]): boolean | "unknown" {
  const deps = ref.propertyDependencies[prop];
  if (deps && deps.length > 0) return deps.includes(target.urn);
  const value = ref.props[prop];
  if (typeof value === "string" && !isUnknown(value)) {
    return targetIds.some((id) => typeof id === "string" && !isUnknown(id) && id === value);
  }
  if (ref.parent !== undefined && ref.parent === target.parent) return true;
  return "unknown";
}
