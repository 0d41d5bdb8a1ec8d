// In HA environments, replicated workloads survive node drains and zone loss.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { displayName, isK8sKind, namespaceOf, workloadOf } from "./lib/k8s";
import { Scope, validateStackOf, validateWorkloads } from "./lib/rule";
import { selects } from "./lib/selectors";
import { StackResource } from "./lib/stack";
import { at, isRecord, isUnknown, num, records, str } from "./lib/values";

const defaults = {
  exemptions: [] as Exemption[],
  /** Whether this environment promises high availability (false on laptop and dev clusters). */
  highAvailability: true,
};

const schema = schemaWithDefaults(defaults, {
  exemptions: exemptionsSchema,
  highAvailability: { type: "boolean", description: "Apply the rule (true in HA environments)." },
});

const REPLICATED_KINDS = new Set(["Deployment", "StatefulSet"]);

const REPLICATED: Scope = {
  what: "Deployments and StatefulSets",
  test: (type) => isK8sKind(type, "apps", "Deployment") || isK8sKind(type, "apps", "StatefulSet"),
};

/**
 * Disruptions a PDB allows for `replicas` pods, as the disruption controller computes it
 * (percentages round up). undefined when the PDB's numbers are not known yet.
 */
export function allowedDisruptions(pdbSpec: unknown, replicas: number): number | undefined {
  const scaled = (v: unknown): number | undefined => {
    if (typeof v === "string" && /^\d+%$/.test(v)) return Math.ceil((replicas * Number(v.slice(0, -1))) / 100);
    return num(v);
  };
  const maxUnavailable = at(pdbSpec, "maxUnavailable");
  const minAvailable = at(pdbSpec, "minAvailable");
  if (isUnknown(maxUnavailable) || isUnknown(minAvailable)) return undefined;
  if (maxUnavailable !== undefined && maxUnavailable !== null) return scaled(maxUnavailable);
  if (minAvailable !== undefined && minAvailable !== null) {
    const min = scaled(minAvailable);
    return min === undefined ? undefined : Math.max(0, replicas - min);
  }
  // Neither set: the PDB protects nothing useful and is almost certainly a mistake.
  return 0;
}

export const pdbRequired: StackValidationPolicy = {
  name: "k8s-pdb-required",
  description: "In HA environments every Deployment or StatefulSet with more than one replica needs a PodDisruptionBudget in its namespace that selects its pods and allows at least one disruption.",
  enforcementLevel: "mandatory",
  remediationSteps: "Create a policy/v1 PodDisruptionBudget with the workload's pod labels as selector and maxUnavailable: 1 (a minAvailable equal to the replica count blocks node drains).",
  configSchema: schema,
  validateStack: validateStackOf(REPLICATED, defaults, (resources, cfg, _args, report) => {
    if (!cfg.highAvailability) return;
    const pdbs = resources.filter((r) => isK8sKind(r.type, "policy", "PodDisruptionBudget"));
    for (const r of resources) {
      const w = workloadOf(r.type, r.props);
      if (!w || !REPLICATED_KINDS.has(w.kind) || w.replicas === undefined || w.replicas <= 1) continue;
      if (w.namespace === undefined) continue;
      const name = `${w.kind} ${w.namespace}/${displayName(r.props, r.name)}`;
      const matching: StackResource[] = [];
      let undecided = false;
      for (const pdb of pdbs) {
        const ns = namespaceOf(pdb.props);
        if (ns === undefined) undecided = true;
        if (ns !== undefined && ns !== w.namespace) continue;
        const sel = selects(at(pdb.props, "spec", "selector"), w.podLabels);
        if (sel === "unknown") undecided = true;
        else if (sel) matching.push(pdb);
      }
      if (matching.length === 0) {
        if (!undecided) report(`${name} has ${w.replicas} replicas but no PodDisruptionBudget selects its pods.`, r.urn);
        continue;
      }
      const allowed = matching.map((p) => allowedDisruptions(at(p.props, "spec"), w.replicas ?? 1));
      if (allowed.some((a) => a === undefined)) continue;
      // With several PDBs on one pod the strictest wins.
      if (Math.min(...(allowed as number[])) < 1) {
        const names = matching.map((p) => displayName(p.props, p.name)).join(", ");
        report(`${name} has ${w.replicas} replicas but PodDisruptionBudget ${names} allows no voluntary disruption.`, r.urn);
      }
    }
  }),
};

export const podSpread: ResourceValidationPolicy = {
  name: "k8s-pod-spread",
  description: "In HA environments every Deployment or StatefulSet with more than one replica spreads its pods: pod anti-affinity or topology spread constraints.",
  enforcementLevel: "mandatory",
  remediationSteps: "Add topologySpreadConstraints over topology.kubernetes.io/zone and kubernetes.io/hostname (whenUnsatisfiable: ScheduleAnyway is fine), or a preferred podAntiAffinity on the pod labels.",
  configSchema: schema,
  validateResource: validateWorkloads(defaults, ({ workload, cfg }, report) => {
    if (!cfg.highAvailability) return;
    if (workload.replicas === undefined || workload.replicas <= 1) return;
    const spec = workload.podSpec;
    const spread = spec["topologySpreadConstraints"];
    const anti = at(spec, "affinity", "podAntiAffinity");
    if (isUnknown(spread) || isUnknown(anti)) return;
    const hasSpread = records(spread).length > 0;
    const hasAnti =
      isRecord(anti) &&
      (records(anti["requiredDuringSchedulingIgnoredDuringExecution"]).length > 0 ||
        records(anti["preferredDuringSchedulingIgnoredDuringExecution"]).length > 0);
    if (!hasSpread && !hasAnti) {
      report(`${workload.kind} with ${workload.replicas} replicas has neither podAntiAffinity nor topologySpreadConstraints (namespace ${str(workload.namespace) ?? "?"}).`);
    }
  }, REPLICATED),
};
