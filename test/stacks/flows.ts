// The NetworkPolicy flow test of one stack's plan (declared and chart-rendered objects): every flow the
// policies allow is needed by a component, every needed flow is allowed, DNS stays open, and the check
// fails on a plan with an extra allow-all policy or with a needed policy removed. Called from each
// stack's test file with the plan it already made.
import type { FullPlanResult } from "../../plan/run";
import type { KubeObject } from "../../plan/manifests";
import { checkFlows, flowModel, neededFlows, PENDING_REMOVAL, planObjects, withoutPending } from "../../plan/flows";

export function describeFlows(stack: string, plan: () => FullPlanResult): void {
  describe(`network flows of ${stack}`, () => {
    let objects: KubeObject[];
    beforeAll(() => {
      objects = planObjects(plan().resources);
    });

    it("every flow the policies allow is needed by a component", () => {
      expect(checkFlows(objects).unneeded).toEqual([]);
    });

    it("every needed flow is allowed", () => {
      expect(checkFlows(objects).blocked).toEqual([]);
    });

    it("the needs are checked against real workloads: the data layer's clients, scrapes, webhooks and admin endpoints", () => {
      const m = flowModel(objects);
      const ids = new Set(neededFlows(m).map((n) => n.id.split(":")[0]));
      for (const id of ["apps-to-mysql", "moco-to-mysql", "milvus-to-etcd", "router-to-engines", "apps-to-model-api", "scrape", "webhook", "apiservice", "admin"]) expect(ids).toContain(id);
    });

    it("no broad in-namespace allow: L1's namespaces deny by default, inside the namespace too", () => {
      const report = checkFlows(objects);
      expect(report.blockedWithoutPending).toEqual([]);
      expect(report.pendingOnly).toEqual([]);
      const m = flowModel(objects);
      for (const p of PENDING_REMOVAL) expect(m.policies.filter((x) => x.name === p.name).length).toBeGreaterThan(0);
      expect(m.policies.filter((x) => x.name === "allow-same-namespace")).toEqual([]);
      expect(withoutPending(m).policies.length).toBe(m.policies.length);
    });

    it("DNS stays open (no egress policy cuts a workload off from kube-dns)", () => {
      expect(checkFlows(objects).dns).toEqual([]);
    });

    it("fails on a plan with an extra allow-all policy", () => {
      const allowAll: KubeObject = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow-all", namespace: "ods-data" },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
      };
      const unneeded = checkFlows([...objects, allowAll]).unneeded;
      expect(unneeded).toContain("flow anywhere -> ods-data/data-api:every port allowed by policy ods-data/allow-all but no component needs it");
    });

    it("fails on a plan with a needed policy removed (MySQL's)", () => {
      const isMysqld = (o: KubeObject) => o.kind === "NetworkPolicy" && o.metadata?.namespace === "ods-data" && String(o.metadata?.name).endsWith("-mysql-mysqld");
      expect(objects.filter(isMysqld)).toHaveLength(1);
      const without = objects.filter((o) => !isMysqld(o));
      const blocked = checkFlows(without).blocked;
      // Not the clients on 3306: on local the admin NodePort keeps the primary open to anywhere on it.
      expect(blocked.some((b) => b.startsWith("needed flow any pod of ods-observability -> ods-data/moco-") && b.includes(":9104 (scrape:"))).toBe(true);
    });
  });
}
