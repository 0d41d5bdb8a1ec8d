import { get, one, record } from "../../test/harness";
import { ExistingCluster, expandHome } from "./existingCluster";

test("~/ expands to the user's home", () => {
  expect(expandHome("~/.kube/config", "/home/ada")).toBe("/home/ada/.kube/config");
  expect(expandHome("/etc/kubeconfig", "/home/ada")).toBe("/etc/kubeconfig");
});

test("a provider from the kubeconfig and context, and no AWS resources", async () => {
  let cluster: ExistingCluster | undefined;
  const rs = await record(() => (cluster = new ExistingCluster("local", { kubeconfig: "~/.kube/config", context: "kind-ods", storageClass: "standard" })));
  const provider = one(rs, "pulumi:providers:kubernetes");
  expect(get(provider, "context")).toBe("kind-ods");
  expect(get(provider, "kubeconfig")).toBe("[secret]");
  expect(rs.some((r) => r.type.startsWith("aws:"))).toBe(false);
  expect(await new Promise((r) => cluster!.storageClassName.apply(r))).toBe("standard");
  expect(await new Promise((r) => cluster!.clusterName.apply(r))).toBe("kind-ods");
});
