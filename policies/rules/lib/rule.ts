// Small builders so every rule reads its config, unwraps props and honours exemptions the same way.
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { configOf, Exemptible, exemptionFor } from "./config";
import { containersUnknown, Workload, workloadOf } from "./k8s";
import { Obj, plain } from "./values";

export interface WorkloadContext<T> {
  workload: Workload & { podSpec: Obj };
  cfg: T;
  args: ResourceValidationArgs;
}

/**
 * A validation over the pod spec of any workload kind. It runs the check only when the pod spec
 * is known and the namespace is not exempt; with exemptions configured, a namespace that is not
 * known yet skips the check too (the exemption might apply, and a false violation is worse).
 */
export function validateWorkloads<T extends Exemptible>(
  defaults: T,
  check: (ctx: WorkloadContext<T>, report: ReportViolation) => void,
): ResourceValidation {
  return (args, report) => {
    const workload = workloadOf(args.type, plain(args.props));
    if (!workload || !workload.podSpec || containersUnknown(workload.podSpec)) return;
    const cfg = configOf(args, defaults);
    if (workload.namespace === undefined && cfg.exemptNamespaces.length > 0) return;
    if (exemptionFor(cfg, workload.namespace)) return;
    check({ workload: { ...workload, podSpec: workload.podSpec }, cfg, args }, report);
  };
}

/** A validation over resources of the given type tokens, with props already unwrapped. */
export function validateTypes<T extends object>(
  types: readonly string[],
  defaults: T,
  check: (props: Obj, cfg: T, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  const wanted = new Set(types);
  return (args, report) => {
    if (!wanted.has(args.type)) return;
    check(plain(args.props), configOf(args, defaults), args, report);
  };
}
