import { checkStack, check, FakeResource } from "../test/harness";
import { DEPLOYMENT, deployment, STATEFULSET, UNKNOWN } from "../test/fixtures";
import { allowedDisruptions, pdbRequired, podSpread } from "./k8s-availability";

const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

function pdb(name: string, spec: Record<string, unknown>, namespace: unknown = "ods-apps"): FakeResource {
  return { type: PDB, name, props: { metadata: { name, namespace }, spec } };
}
const web = (replicas: unknown, namespace: unknown = "ods-apps"): FakeResource => ({
  type: DEPLOYMENT,
  name: "web",
  props: deployment({}, { replicas, namespace }),
});

describe("allowedDisruptions", () => {
  it("computes what the disruption controller allows", () => {
    expect(allowedDisruptions({ maxUnavailable: 1 }, 3)).toBe(1);
    expect(allowedDisruptions({ maxUnavailable: "25%" }, 2)).toBe(1);
    expect(allowedDisruptions({ minAvailable: 2 }, 3)).toBe(1);
    expect(allowedDisruptions({ minAvailable: "100%" }, 3)).toBe(0);
    expect(allowedDisruptions({ minAvailable: UNKNOWN }, 3)).toBeUndefined();
  });
});

describe("k8s-pdb-required", () => {
  it("accepts a replicated Deployment with a matching PDB that allows a disruption", async () => {
    const res = [web(3), pdb("web", { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } })];
    expect(await checkStack(pdbRequired, res)).toEqual([]);
  });
  it("reports a replicated Deployment without a PDB, or with one in another namespace", async () => {
    expect(await checkStack(pdbRequired, [web(2)])).toEqual([["Deployment ods-apps/web has 2 replicas but no PodDisruptionBudget selects its pods.", "web"]]);
    const elsewhere = pdb("web", { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } }, "ods-data");
    expect(await checkStack(pdbRequired, [web(2), elsewhere])).toHaveLength(1);
  });
  it("reports a PDB that blocks every voluntary disruption", async () => {
    const res = [web(3), pdb("web-strict", { minAvailable: 3, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] } })];
    expect(await checkStack(pdbRequired, res)).toEqual([
      ["Deployment ods-apps/web has 3 replicas but PodDisruptionBudget web-strict allows no voluntary disruption.", "web"],
    ]);
  });
  it("ignores single replicas, non-HA environments, exemptions and unknown values", async () => {
    expect(await checkStack(pdbRequired, [web(1)])).toEqual([]);
    expect(await checkStack(pdbRequired, [web(3)], { highAvailability: false })).toEqual([]);
    expect(await checkStack(pdbRequired, [web(3)], { exemptions: [{ kind: "Deployment", namespace: "ods-apps", name: "web", reason: "a stateless cache that may go down" }] })).toEqual([]);
    expect(await checkStack(pdbRequired, [web(UNKNOWN)])).toEqual([]);
    expect(await checkStack(pdbRequired, [web(3), pdb("web", { maxUnavailable: 1, selector: UNKNOWN })])).toEqual([]);
    expect(await checkStack(pdbRequired, [web(3), pdb("web", { maxUnavailable: UNKNOWN, selector: { matchLabels: { app: "web" } } })])).toEqual([]);
  });
});

describe("k8s-pod-spread", () => {
  const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }] };
  it("accepts topology spread or preferred anti-affinity", async () => {
    expect(await check(podSpread, DEPLOYMENT, deployment(spread, { replicas: 3 }))).toEqual([]);
    const anti = { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }] } } };
    expect(await check(podSpread, STATEFULSET, { ...deployment(anti, { replicas: 3 }), kind: "StatefulSet" })).toEqual([]);
  });
  it("reports a replicated Deployment with neither", async () => {
    expect(await check(podSpread, DEPLOYMENT, deployment({}, { replicas: 2 }))).toEqual([
      "Deployment with 2 replicas has neither podAntiAffinity nor topologySpreadConstraints (namespace ods-apps).",
    ]);
  });
  it("skips single replicas, non-HA environments and unknown replica counts", async () => {
    expect(await check(podSpread, DEPLOYMENT, deployment({}, { replicas: 1 }))).toEqual([]);
    expect(await check(podSpread, DEPLOYMENT, deployment({}, { replicas: 2 }), { highAvailability: false })).toEqual([]);
    expect(await check(podSpread, DEPLOYMENT, deployment({}, { replicas: UNKNOWN }))).toEqual([]);
  });
});
