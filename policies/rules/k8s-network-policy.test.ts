import { checkStack, FakeResource } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { defaultDenyIngress } from "./k8s-network-policy";

const ns = (name: unknown): FakeResource => ({ type: "kubernetes:core/v1:Namespace", name: `ns-${String(name)}`, props: { metadata: { name } } });
const netpol = (name: string, namespace: unknown, spec: unknown): FakeResource => ({
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name,
  props: { metadata: { name, namespace }, spec },
});
const deny = { podSelector: {}, policyTypes: ["Ingress"] };

describe("k8s-default-deny-ingress", () => {
  it("accepts namespaces with a default-deny policy (policyTypes defaulting to Ingress too)", async () => {
    const res = [ns("ods-apps"), ns("ods-data"), netpol("deny", "ods-apps", deny), netpol("deny2", "ods-data", { podSelector: { matchLabels: {} } })];
    expect(await checkStack(defaultDenyIngress, res)).toEqual([]);
  });
  it("reports a namespace whose only policies allow traffic or select some pods", async () => {
    const res = [
      ns("ods-apps"),
      netpol("allow-web", "ods-apps", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }),
      netpol("deny-web-only", "ods-apps", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"] }),
      netpol("egress-only", "ods-apps", { podSelector: {}, policyTypes: ["Egress"] }),
    ];
    expect(await checkStack(defaultDenyIngress, res)).toEqual([["Namespace ods-apps has no default-deny ingress NetworkPolicy.", "ns-ods-apps"]]);
  });
  it("honours exemptions and does not judge unknown names or policies", async () => {
    expect(await checkStack(defaultDenyIngress, [ns("sandbox")], { exemptions: [{ kind: "Namespace", name: "sandbox", reason: "throwaway experiments, no data" }] })).toEqual([]);
    expect(await checkStack(defaultDenyIngress, [ns("sandbox")], { exemptions: [{ kind: "Namespace", namespace: "sandbox", name: "sandbox", reason: "a namespace has no namespace itself" }] })).toHaveLength(1);
    expect(await checkStack(defaultDenyIngress, [ns(UNKNOWN)])).toEqual([]);
    expect(await checkStack(defaultDenyIngress, [ns("ods-apps"), netpol("p", "ods-apps", UNKNOWN)])).toEqual([]);
    expect(await checkStack(defaultDenyIngress, [ns("ods-apps"), netpol("p", UNKNOWN, deny)])).toEqual([]);
  });
});
