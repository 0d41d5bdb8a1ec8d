// Patches merge into their targets the way server-side apply does; a patch without a target fails the plan.
import { RecordedResource } from "./types";
import { applyPatches, mergePatch } from "./patches";

const res = (type: string, name: string, inputs: Record<string, unknown>): RecordedResource => ({ type, name, urn: `urn:${name}`, inputs, custom: true }) as unknown as RecordedResource;
const deployment = (containers: Record<string, unknown>[]) => res("kubernetes:apps/v1:Deployment", "chart:ns/ctl", {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "ctl", namespace: "ns" },
  spec: { selector: { matchLabels: { a: "b" } }, template: { spec: { securityContext: { runAsNonRoot: true }, containers } } },
});

test("containers merge by name, maps merge key by key, the patch's own annotations are not applied", () => {
  const target = deployment([{ name: "ctl", image: "x:1", securityContext: { allowPrivilegeEscalation: false } }, { name: "side", image: "y:1" }]);
  const patch = res("kubernetes:apps/v1:DeploymentPatch", "hardening", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "ctl", namespace: "ns", annotations: { "pulumi.com/patchForce": "true" } },
    spec: { template: { spec: { securityContext: { seccompProfile: { type: "RuntimeDefault" } }, containers: [{ name: "ctl", securityContext: { capabilities: { drop: ["ALL"] } } }] } } },
  });
  const [patched] = applyPatches([target, patch]);
  const spec = (patched.inputs.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  expect(spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  expect(spec.containers).toEqual([
    { name: "ctl", image: "x:1", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } },
    { name: "side", image: "y:1" },
  ]);
  expect(patched.inputs.metadata).toEqual({ name: "ctl", namespace: "ns" });
});

test("a patch of an object the plan does not have fails, naming it", () => {
  const patch = res("kubernetes:apps/v1:DeploymentPatch", "hardening", { metadata: { name: "other", namespace: "ns" }, spec: {} });
  expect(() => applyPatches([deployment([]), patch])).toThrow('kubernetes:apps/v1:DeploymentPatch "hardening" patches kubernetes:apps/v1:Deployment ns/other, which the plan neither declares nor renders');
});

test("lists without names and scalars are replaced", () => {
  expect(mergePatch({ args: ["a", "b"], n: 1 }, { args: ["c"], n: 2 })).toEqual({ args: ["c"], n: 2 });
});
