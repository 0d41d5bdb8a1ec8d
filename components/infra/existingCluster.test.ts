import { get, one, record } from "../../test/harness";
import { ExistingCluster, expandHome } from "./existingCluster";

test("~/ expands to the user's home", () => {
  expect(expandHome("~/.kube/config", "/home/ada")).toBe("/home/ada/.kube/config");
  expect(expandHome("/etc/kubeconfig", "/home/ada")).toBe("/etc/kubeconfig");
});

test("a provider from the kubeconfig and context, with the same handle shape as EKS, and no AWS resources", async () => {
  let cluster: ExistingCluster | undefined;
  const rs = await record(() => (cluster = new ExistingCluster("local", { kubeconfig: "~/.kube/config", context: "kind-ods", storageClass: "standard", gpus: 0 })));
  const provider = one(rs, "pulumi:providers:kubernetes");
  expect(get(provider, "context")).toBe("kind-ods");
  expect(get(provider, "kubeconfig")).toBe("[secret]");
  expect(rs.some((r) => r.type.startsWith("aws:"))).toBe(false);
  expect(cluster!.handle().capabilities).toEqual({ gpus: 0, aws: false });
});
