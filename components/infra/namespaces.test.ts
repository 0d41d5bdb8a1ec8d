import { validateConfig } from "../../config/load";
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_MODEL } from "../../test/minimalConfig";
import { get, ofType, record } from "../../test/harness";
import { limitRangeProblems, Namespaces, namespaceSettings, quotaHard } from "./namespaces";

const layers = validateConfig({ environment: "t", domain: "t.example.com", infra: { kind: "existing", existingCluster: { gpus: 2 } }, data: MINIMAL_DATA, model: MINIMAL_MODEL, apps: MINIMAL_APPS, edge: MINIMAL_EDGE }).infra.namespaces;
const plan = namespaceSettings("ods", layers);

test("namespaces are <prefix>-<layer>, restricted except the GPU operator's and MOCO's backups' (each with a reason)", () => {
  const acme = namespaceSettings("acme", layers);
  expect(acme.map((n) => n.name)).toEqual(["acme-infra", "acme-gpu", "acme-data", "acme-model", "acme-apps", "acme-identity", "acme-observability", "acme-edge"]);
  expect(acme.filter((n) => n.podSecurity !== "restricted").map((n) => [n.layer, n.podSecurity])).toEqual([["gpu", "privileged"], ["data", "baseline"]]);
  expect(acme.find((n) => n.layer === "gpu")?.podSecurityReason).toMatch(/GPU operator/);
  expect(acme.find((n) => n.layer === "data")?.podSecurityReason).toMatch(/MOCO .* backup Job pods/);
});

test("a layer without settings is refused before anything is declared for it", async () => {
  await expect(record(() => new Namespaces("ns", { namespaces: plan.filter((n) => n.layer !== "apps") }))).rejects.toThrow("no settings for layer(s) apps");
});

test("a LimitRange the API server would reject is refused: default request above the default limit or the max", async () => {
  expect(limitRangeProblems({ defaultRequestCpu: "100m", defaultRequestMemory: "1Gi", defaultLimitMemory: "512Mi", maxLimitMemory: "768Mi" }).map((p) => p.key)).toEqual([
    "defaultRequestMemory",
    "defaultRequestMemory",
  ]);
  expect(limitRangeProblems({ defaultRequestCpu: "2", defaultLimitCpu: "500m", defaultRequestMemory: "128Mi", defaultLimitMemory: "2Gi", maxLimitMemory: "1Gi" }).map((p) => p.message)).toEqual([
    "defaultLimitMemory 2Gi is more than maxLimitMemory 1Gi; allowed: defaultLimitMemory <= maxLimitMemory (the API server rejects the LimitRange otherwise)",
    "defaultRequestCpu 2 is more than defaultLimitCpu 500m; allowed: defaultRequestCpu <= defaultLimitCpu (the API server rejects the LimitRange otherwise)",
  ]);
  expect(limitRangeProblems({ defaultRequestCpu: "100m", defaultRequestMemory: "512Mi", defaultLimitMemory: "512Mi", maxLimitMemory: "1Gi" })).toEqual([]);
  const bad = plan.map((n) => (n.layer === "data" ? { ...n, limitRange: { ...n.limitRange, defaultRequestMemory: "1Gi" } } : n));
  await expect(record(() => new Namespaces("ns", { namespaces: bad }))).rejects.toThrow("data: defaultRequestMemory 1Gi is more than defaultLimitMemory 512Mi");
});

test("quota includes GPUs and leaves unset limits out", () => {
  expect(quotaHard({ requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", gpus: 2, pods: 10 })).toEqual({
    "requests.cpu": "4",
    "requests.memory": "8Gi",
    "limits.memory": "16Gi",
    "requests.nvidia.com/gpu": "2",
    pods: "10",
  });
});

test("each layer gets a namespace with PSA labels, a quota, container defaults and default-deny ingress", async () => {
  const rs = await record(() => new Namespaces("ns", { namespaces: plan }));
  const namespaces = ofType(rs, "kubernetes:core/v1:Namespace");
  expect(namespaces.map((n) => get(n, "metadata.name")).sort()).toEqual(["ods-apps", "ods-data", "ods-edge", "ods-gpu", "ods-identity", "ods-infra", "ods-model", "ods-observability"]);
  const labels = (name: string) => get(namespaces.find((n) => get(n, "metadata.name") === name)!, "metadata.labels") as Record<string, string>;
  expect(labels("ods-apps")["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  // Below restricted, warn and audit stay at restricted: what is allowed is still visible.
  expect(labels("ods-data")).toMatchObject({ "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" });
  expect(labels("ods-gpu")["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  expect(ofType(rs, "kubernetes:core/v1:ResourceQuota")).toHaveLength(8);
  expect(ofType(rs, "kubernetes:core/v1:LimitRange")).toHaveLength(8);
  const quotas = Object.fromEntries(ofType(rs, "kubernetes:core/v1:ResourceQuota").map((q) => [get(q, "metadata.namespace"), get(q, "spec.hard") as Record<string, string>]));
  expect(quotas["ods-model"]["requests.nvidia.com/gpu"]).toBe("2");
  expect(quotas["ods-apps"]["requests.nvidia.com/gpu"]).toBe("0");
  const deny = ofType(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => get(p, "metadata.name") === "default-deny-ingress");
  expect(deny).toHaveLength(8);
  expect(deny.every((p) => JSON.stringify(get(p, "spec")) === JSON.stringify({ podSelector: {}, policyTypes: ["Ingress"] }))).toBe(true);
  const lr = ofType(rs, "kubernetes:core/v1:LimitRange")[0];
  expect(get(lr, "spec.limits")).toEqual([{ type: "Container", defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { memory: "512Mi" } }]);
});
