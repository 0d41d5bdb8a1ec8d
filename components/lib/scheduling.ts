// Where a Deployment's replicas go: one shape for every replicated workload the kit owns.

/**
 * Topology spread of a replicated Deployment (pure): over nodes strictly, over zones as far as the zones
 * allow, counted per ReplicaSet (pod-template-hash) so a rollout spreads too.
 */
export function spreadOverNodesAndZones(selector: Record<string, string>) {
  const spread = (topologyKey: string, whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway") => ({ maxSkew: 1, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: selector }, matchLabelKeys: ["pod-template-hash"] });
  return [spread("kubernetes.io/hostname", "DoNotSchedule"), spread("topology.kubernetes.io/zone", "ScheduleAnyway")];
}
