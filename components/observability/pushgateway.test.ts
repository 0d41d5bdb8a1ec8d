// The Pushgateway the gate pushes its verdict to: the Service name and port the gate's docs use, the
// monitor that keeps the pushed labels, and exactly Prometheus let in.
import { get, ofType, one, record } from "../../test/harness";
import { PUSHGATEWAY, PUSHGATEWAY_IMAGE, Pushgateway, pushgatewayPod } from "./pushgateway";

type Obj = Record<string, unknown>;

test("the pod: pinned image, restricted, read-only root, probes on the ready and healthy endpoints", () => {
  const pod = pushgatewayPod({ namespace: "ods-observability" }, { app: "x" });
  const [c] = pod.spec.containers;
  expect(c.image).toBe(PUSHGATEWAY_IMAGE);
  expect(PUSHGATEWAY_IMAGE).toMatch(/:v\d+\.\d+\.\d+$/);
  expect([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]).toEqual(["/-/ready", "/-/healthy"]);
  expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } });
  expect(c.resources.limits.memory).toBe("128Mi");
  expect(pushgatewayPod({ namespace: "n", image: "quay.io/prometheus/pushgateway:v1.11.3" }, {}).spec.containers[0].image).toBe("quay.io/prometheus/pushgateway:v1.11.3");
});

describe("Pushgateway", () => {
  let rs: Awaited<ReturnType<typeof record>>;
  beforeAll(async () => {
    rs = await record(() => new Pushgateway("pg", { namespace: "ods-observability" }));
  });

  it("is the Service `pushgateway` on 9091 that the gate's port-forward uses", () => {
    const svc = one(rs, "kubernetes:core/v1:Service");
    expect([get(svc, "metadata.name"), (get(svc, "spec.ports") as Obj[])[0].port]).toEqual([PUSHGATEWAY.service, 9091]);
    expect(get(svc, "spec.selector")).toEqual(get(one(rs, "kubernetes:apps/v1:Deployment"), "spec.selector.matchLabels"));
  });

  it("is scraped with honorLabels (the pushed job and stack labels stay), and only Prometheus' namespace may reach it", () => {
    const sm = one(rs, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
    expect(get(sm, "spec.endpoints")).toEqual([{ port: "http", interval: "30s", honorLabels: true }]);
    const np = one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(get(np, "spec.ingress")).toEqual([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ods-observability" } } }], ports: [{ protocol: "TCP", port: 9091 }] }]);
    expect(ofType(rs, "kubernetes:core/v1:PersistentVolumeClaim")).toEqual([]);
  });
});
