// The admin route: a node port on a laptop, an internal NLB open to named CIDRs on AWS, the NetworkPolicy
// that matches it, and a provider endpoint that only exists once the server answers.
import { record, get, one } from "../../test/harness";
import { AdminAccessSettings, AdminEndpoint, adminIngressPeers, adminServiceSpec } from "./adminEndpoint";

const nodePort: AdminAccessSettings = { mode: "nodePort", host: "127.0.0.1", allowedCidrs: [], readyTimeoutSeconds: 60 };
const lb: AdminAccessSettings = { mode: "loadBalancer", host: "127.0.0.1", allowedCidrs: ["10.1.0.0/16", "192.0.2.0/24"], readyTimeoutSeconds: 60 };

test("nodePort: a NodePort Service on the configured port, no cloud annotations", () => {
  expect(adminServiceSpec({ port: 9000, nodePort: 30900, access: nodePort })).toEqual({
    annotations: {},
    spec: { type: "NodePort", ports: [{ name: "admin", protocol: "TCP", port: 9000, targetPort: 9000, nodePort: 30900 }] },
  });
  expect(() => adminServiceSpec({ port: 9000, access: nodePort })).toThrow("nodePort mode needs args.nodePort");
});

test("loadBalancer: an internal NLB whose source ranges and NetworkPolicy peers are exactly the allowed CIDRs", () => {
  const { annotations, spec } = adminServiceSpec({ port: 3306, access: lb });
  expect(annotations["service.beta.kubernetes.io/aws-load-balancer-internal"]).toBe("true");
  expect(spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: lb.allowedCidrs, externalTrafficPolicy: "Local" });
  expect(adminIngressPeers(lb)).toEqual([{ ipBlock: { cidr: "10.1.0.0/16" } }, { ipBlock: { cidr: "192.0.2.0/24" } }]);
  expect(() => adminServiceSpec({ port: 3306, access: { ...lb, allowedCidrs: [] } })).toThrow("loadBalancer mode needs access.allowedCidrs");
});

test("the readiness gate sits between the Service and whoever uses the endpoint", async () => {
  const rs = await record(() => new AdminEndpoint("t-admin", { namespace: "ods-data", serviceName: "minio-admin", selector: { app: "minio" }, port: 9000, nodePort: 30900, access: nodePort, app: "minio" }));
  const svc = one(rs, "kubernetes:core/v1:Service");
  expect(get(svc, "spec.type")).toBe("NodePort");
  const gate = one(rs, "pulumi-nodejs:dynamic:Resource");
  expect([gate.name, get(gate, "host"), get(gate, "port"), get(gate, "timeoutSeconds")]).toEqual(["t-admin-ready", "127.0.0.1", 30900, 60]);
  const policy = one(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
  expect(get(policy, "spec.ingress")).toEqual([{ ports: [{ protocol: "TCP", port: 9000 }] }]);
  expect(get(policy, "spec.podSelector.matchLabels")).toEqual({ app: "minio" });
});
