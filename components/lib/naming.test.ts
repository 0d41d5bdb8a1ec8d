import { k8sName, standardLabels } from "./naming";

test("names are lower-cased DNS-1123 labels", () => {
  expect(k8sName("ODS", "Data_API", "")).toBe("ods-data-api");
  expect(k8sName("--a--", "b")).toBe("a-b");
});

test("long names are cut to 63 characters with a hash that keeps them distinct", () => {
  const a = k8sName("x".repeat(70), "a");
  const b = k8sName("x".repeat(70), "b");
  expect(a).toHaveLength(63);
  expect(b).toHaveLength(63);
  expect(a).not.toBe(b);
  expect(a).toMatch(/^x+-[0-9a-f]{8}$/);
});

test("a name with nothing usable is an error", () => {
  expect(() => k8sName("__", "!!")).toThrow("k8sName: no usable characters");
});

test("standard labels", () => {
  expect(standardLabels("vllm", "ods-prod-model", "server")).toEqual({
    "app.kubernetes.io/name": "vllm",
    "app.kubernetes.io/instance": "ods-prod-model",
    "app.kubernetes.io/component": "server",
    "app.kubernetes.io/part-of": "one-data-studio",
    "app.kubernetes.io/managed-by": "pulumi",
  });
});
