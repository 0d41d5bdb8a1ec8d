// Small builders so every rule reads its config, unwraps props, honours exemptions and says what it
// looks at the same way.
import type { Policy, ReportViolation, ResourceValidation, ResourceValidationArgs, StackValidation, StackValidationArgs } from "@pulumi/policy";
import { configOf, exemptionFor, exemptionsOf } from "./config";
import { containersUnknown, HELM_CHART_TYPES, isWorkloadType, objectIdOf, Workload, workloadOf } from "./k8s";
import { StackResource, stackResources } from "./stack";
import { Obj, plain } from "./values";

/** What a rule looks at: the offline check counts the resources in scope, so an empty pass shows. */
export interface Scope {
  /** For reports: "Kubernetes workloads", "aws:eks/cluster:Cluster". */
  what: string;
  test(type: string, props: Obj): boolean;
}

const scopes = new WeakMap<object, Scope>();

/** Registers the scope of a validation function (the builders below do this themselves). */
export function scoped<F extends object>(validation: F, scope: Scope): F {
  scopes.set(validation, scope);
  return validation;
}

/** Resources of exactly these type tokens. */
export function typesScope(types: readonly string[], what = types.join(", ")): Scope {
  const wanted = new Set(types);
  return { what, test: (type) => wanted.has(type) };
}

/** Pods and every kind with a pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
export const WORKLOADS: Scope = { what: "Kubernetes workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)", test: (type) => isWorkloadType(type) };

/** Every Kubernetes object, declared or rendered from a chart, and every Helm chart/release (its values). */
export const K8S_OBJECTS_AND_CHARTS: Scope = { what: "every Kubernetes object and Helm chart", test: (type) => type.startsWith("kubernetes:") };

export function unionScope(list: Scope[]): Scope {
  return { what: list.map((s) => s.what).join("; "), test: (type, props) => list.some((s) => s.test(type, props)) };
}

/** The scope a rule declared through its validations, or undefined if one of them declared none. */
export function scopeOf(policy: Policy): Scope | undefined {
  const fns: unknown[] = [];
  if ("validateStack" in policy && policy.validateStack) fns.push(policy.validateStack);
  if ("validateResource" in policy && policy.validateResource) fns.push(...(Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource]));
  const list = fns.map((f) => (typeof f === "function" ? scopes.get(f) : undefined));
  if (list.length === 0 || list.some((s) => s === undefined)) return undefined;
  return list.length === 1 ? list[0] : unionScope(list as Scope[]);
}

/**
 * Whether the config exempts this object. With exemptions configured, an object whose namespace or
 * name is not known yet counts as exempt: the exemption might apply, and a false violation is worse.
 */
export function isExempt(cfg: object, type: string, props: Obj, name: string): boolean {
  const exemptions = exemptionsOf(cfg);
  if (exemptions.length === 0) return false;
  const id = objectIdOf(type, props, name);
  return id === undefined || exemptionFor(exemptions, id) !== undefined;
}

export interface WorkloadContext<T> {
  workload: Workload & { podSpec: Obj };
  cfg: T;
  args: ResourceValidationArgs;
}

/** A validation over the pod spec of any workload kind; runs only when the pod spec is known and the object is not exempt. */
export function validateWorkloads<T extends object>(
  defaults: T,
  check: (ctx: WorkloadContext<T>, report: ReportViolation) => void,
  scope: Scope = WORKLOADS,
): ResourceValidation {
  return scoped<ResourceValidation>((args, report) => {
    const props = plain(args.props);
    const workload = scope.test(args.type, props) ? workloadOf(args.type, props) : undefined;
    if (!workload || !workload.podSpec || containersUnknown(workload.podSpec)) return;
    const cfg = configOf(args, defaults);
    if (isExempt(cfg, args.type, props, args.name)) return;
    check({ workload: { ...workload, podSpec: workload.podSpec }, cfg, args }, report);
  }, scope);
}

/** A validation over the resources a scope selects, with props unwrapped and exemptions honoured. */
export function validateObjects<T extends object>(
  scope: Scope,
  defaults: T,
  check: (props: Obj, cfg: T, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  return scoped<ResourceValidation>((args, report) => {
    const props = plain(args.props);
    if (!scope.test(args.type, props)) return;
    const cfg = configOf(args, defaults);
    if (isExempt(cfg, args.type, props, args.name)) return;
    check(props, cfg, args, report);
  }, scope);
}

/** A validation over resources of the given type tokens. */
export function validateTypes<T extends object>(
  types: readonly string[],
  defaults: T,
  check: (props: Obj, cfg: T, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  return validateObjects(typesScope(types), defaults, check);
}

/** Helm chart and release resources (their inputs: chart, version, namespace, values). */
export const HELM_CHARTS: Scope = typesScope([...HELM_CHART_TYPES], "Helm charts and releases");

/**
 * A stack validation: `check` sees every resource with plain props; what it reports about an
 * exempted resource is dropped. `scope` says which resources it is about, for the empty-pass count.
 */
export function validateStackOf<T extends object>(
  scope: Scope,
  defaults: T,
  check: (resources: StackResource[], cfg: T, args: StackValidationArgs, report: (message: string, urn?: string) => void) => void,
): StackValidation {
  return scoped<StackValidation>((args, report) => {
    const cfg = configOf(args, defaults);
    const resources = stackResources(args);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    check(resources, cfg, args, (message, urn) => {
      const r = urn === undefined ? undefined : byUrn.get(urn);
      if (r && isExempt(cfg, r.type, r.props, r.name)) return;
      report(message, urn);
    });
  }, scope);
}
