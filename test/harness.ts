// Shared test harness: mock runtime, a recorder of every registered resource, failure on unmocked invokes.
import { ConfigError } from "../config/load";
import { underMocks } from "../plan/run";
import { RecordedResource } from "../plan/types";

/**
 * Sets the mocks, runs `build` (which declares components), waits for every registration and
 * returns what was recorded. Throws if any invoke had no mock.
 */
export async function record(build: () => unknown, opts: { region?: string; stack?: string } = {}): Promise<RecordedResource[]> {
  return (await underMocks({ project: "ods", stack: opts.stack ?? "test", region: opts.region }, build)).resources;
}

/** Resources of one type. */
export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The single resource of a type (fails the test when there is not exactly one). */
export function one(resources: RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** Reads a nested input by path, e.g. get(r, "vpcConfig.endpointPublicAccess"). */
export function get(r: RecordedResource, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((cur, key) => (cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined), r.inputs);
}

/** Every string anywhere in a value, for "no literal X anywhere" assertions. */
export function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

/** The message of the ConfigError `fn` throws; fails when it throws nothing or something else. */
export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

type Obj = Record<string, unknown>;
const meta = (r: RecordedResource) => (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };

/**
 * What a workload's pods can do with the Kubernetes API in a plan (rendered, patches applied): their
 * ServiceAccount, whether its token is mounted (the pod's automountServiceAccountToken, else the
 * ServiceAccount's, else true as in Kubernetes) and every rule the plan binds to that account
 * (RoleBindings of its namespace, ClusterRoleBindings; a bound role the plan lacks shows as
 * `{ unresolvedRoleRef }`).
 */
export function podApiAccess(resources: RecordedResource[], workload: RecordedResource): { serviceAccount: string; token: boolean; rules: unknown[] } {
  const ns = meta(workload).namespace;
  const pod = (get(workload, "spec.template.spec") ?? {}) as Obj;
  const serviceAccount = typeof pod.serviceAccountName === "string" ? pod.serviceAccountName : "default";
  const find = (kind: string, name: unknown, namespace?: string) =>
    resources.find((r) => r.type === `kubernetes:${kind}` && meta(r).name === name && (namespace === undefined || meta(r).namespace === namespace));
  const sa = find("core/v1:ServiceAccount", serviceAccount, ns);
  const token = (pod.automountServiceAccountToken ?? sa?.inputs.automountServiceAccountToken ?? true) as boolean;
  const rbac = "rbac.authorization.k8s.io/v1";
  const bindsIt = (r: RecordedResource) =>
    ((r.inputs.subjects ?? []) as Obj[]).some((s) => s.kind === "ServiceAccount" && s.name === serviceAccount && (s.namespace ?? meta(r).namespace) === ns);
  const rules = resources
    .filter((r) => (r.type === `kubernetes:${rbac}:RoleBinding` && meta(r).namespace === ns) || r.type === `kubernetes:${rbac}:ClusterRoleBinding`)
    .filter(bindsIt)
    .flatMap((b) => {
      const ref = (b.inputs.roleRef ?? {}) as Obj;
      const role = ref.kind === "Role" ? find(`${rbac}:Role`, ref.name, ns) : find(`${rbac}:ClusterRole`, ref.name);
      // A role the plan does not hold may grant anything: it shows up instead of passing as "no rules".
      return role ? ((role.inputs.rules ?? []) as unknown[]) : [{ unresolvedRoleRef: ref }];
    });
  return { serviceAccount, token, rules };
}
