// cert-manager: values per availability, and what the chart really renders with them.
import { FullPlanResult } from "../../plan/run";
import { cachedPlan } from "../../plan/planCache";
import { get, ofType } from "../../test/harness";
import { certManagerValues, CERT_MANAGER_WEBHOOK_PORT } from "./certManager";

test("one replica without budgets when not HA; two, with budgets and spreading, when HA", () => {
  const single = certManagerValues({ highAvailability: false });
  expect(single.replicaCount).toBe(1);
  expect(single.podDisruptionBudget).toBeUndefined();
  const ha = certManagerValues({ highAvailability: true });
  for (const part of [ha, ha.webhook, ha.cainjector] as Record<string, unknown>[]) {
    expect(part.replicaCount).toBe(2);
    expect(part.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
    expect((part.topologySpreadConstraints as { topologyKey: string }[]).map((t) => t.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
  }
  expect(ha.crds).toEqual({ enabled: true, keep: true });
  // Gateway API support (the HTTP-01 solver through the gateway); L1 installs the CRDs it needs first.
  expect(single.config).toEqual({ apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", enableGatewayAPI: true });
});

describe("rendered in the staging plan", () => {
  let plan: FullPlanResult;
  beforeAll(async () => {
    plan = await cachedPlan("staging");
  });
  const inChart = () => plan.resources.filter((r) => r.parent === "ods-staging-cert-manager-chart");

  test("three deployments of two replicas, each with a PDB that selects its pods", () => {
    const deployments = ofType(inChart(), "kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => get(d, "spec.replicas"))).toEqual([2, 2, 2]);
    const pdbs = ofType(inChart(), "kubernetes:policy/v1:PodDisruptionBudget");
    for (const d of deployments) {
      const labels = get(d, "spec.template.metadata.labels") as Record<string, string>;
      const match = pdbs.filter((p) => Object.entries(get(p, "spec.selector.matchLabels") as Record<string, string>).every(([k, v]) => labels[k] === v));
      expect(match).toHaveLength(1);
    }
  });

  test("the controller starts with Gateway API support, after the Gateway API CRDs (without them it would crash)", () => {
    const controller = ofType(inChart(), "kubernetes:apps/v1:Deployment").find((d) => !String(get(d, "metadata.name")).match(/-(webhook|cainjector)$/))!;
    const args = (get(controller, "spec.template.spec.containers") as { args: string[] }[])[0].args;
    expect(args.some((a) => a.startsWith("--config="))).toBe(true);
    const config = ofType(inChart(), "kubernetes:core/v1:ConfigMap").find((c) => JSON.stringify(get(c, "data")).includes("enableGatewayAPI"))!;
    expect(JSON.stringify(get(config, "data"))).toContain("enableGatewayAPI: true");
    const crdFile = ofType(plan.resources, "kubernetes:yaml/v2:ConfigFile")[0];
    // The component waits for them, and its chart waits for the component (its parent).
    const component = plan.resources.find((r) => r.name === "ods-staging-cert-manager" && r.type === "ods:infra:CertManager")!;
    expect(component.dependencies).toContain(crdFile.urn);
  });

  test("the CRDs come with the release and are kept when it is uninstalled", () => {
    const crds = ofType(inChart(), "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
    expect(crds.map((c) => get(c, "metadata.name"))).toContain("certificates.cert-manager.io");
    for (const c of crds) expect((get(c, "metadata.annotations") as Record<string, string>)["helm.sh/resource-policy"]).toBe("keep");
  });

  test("the NetworkPolicy admits the API server to the pods the webhook really runs in, and only on its port", () => {
    const webhook = ofType(inChart(), "kubernetes:apps/v1:Deployment").find((d) => String(get(d, "metadata.name")).endsWith("-webhook"))!;
    const podLabels = get(webhook, "spec.template.metadata.labels") as Record<string, string>;
    const policy = ofType(plan.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => get(p, "metadata.name") === "allow-cert-manager-webhook")!;
    const selector = get(policy, "spec.podSelector.matchLabels") as Record<string, string>;
    expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(true);
    const controller = ofType(inChart(), "kubernetes:apps/v1:Deployment").find((d) => !String(get(d, "metadata.name")).match(/-(webhook|cainjector)$/))!;
    const controllerLabels = get(controller, "spec.template.metadata.labels") as Record<string, string>;
    expect(Object.entries(selector).every(([k, v]) => controllerLabels[k] === v)).toBe(false);
    const port = (get(webhook, "spec.template.spec.containers") as { ports: { containerPort: number }[] }[])[0].ports.map((p) => p.containerPort);
    expect(port).toContain(CERT_MANAGER_WEBHOOK_PORT);
    expect(get(policy, "spec.ingress")).toEqual([{ ports: [{ protocol: "TCP", port: CERT_MANAGER_WEBHOOK_PORT }] }]);
  });
});
