// The recorder never keeps a Secret's values, declared or rendered, whether or not the program marked them secret.
import * as k8s from "@pulumi/kubernetes";
import { allStrings, one, record } from "../test/harness";
import { redactSecretObject } from "./recorder";

test("a declared Secret's data and stringData are recorded as [secret], even when given in plain text", async () => {
  const rs = await record(() => new k8s.core.v1.Secret("s", { metadata: { name: "db", namespace: "ods-data" }, stringData: { password: "plain-text-pw-123" }, data: { key: "c2VjcmV0LWtleQ==" } }));
  const secret = one(rs, "kubernetes:core/v1:Secret");
  expect(secret.inputs.stringData).toBe("[secret]");
  expect(secret.inputs.data).toBe("[secret]");
  expect(allStrings(rs.map((r) => r.inputs))).not.toContain("plain-text-pw-123");
});

test("only v1 Secrets are touched", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", data: { a: "b" } };
  expect(redactSecretObject(cm)).toBe(cm);
  expect(redactSecretObject({ apiVersion: "v1", kind: "Secret", type: "Opaque" })).toEqual({ apiVersion: "v1", kind: "Secret", type: "Opaque" });
});
