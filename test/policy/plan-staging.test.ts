// The whole staging plan against the staging policy config has no mandatory violation.
import { policies } from "../../policies/rules";
import { evaluate, failed } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { cachedPlan } from "../../plan/planCache";

describe("staging plan", () => {
  it("has no mandatory violation and no rule error", async () => {
    const { resources } = await cachedPlan("staging");
    const config = stackPackConfig("staging", policies).config;
    const result = await evaluate(resources, policies, config);
    expect(result.errors).toEqual([]);
    const mandatory = result.violations.filter((v) => v.enforcement === "mandatory");
    expect(mandatory.map((v) => `${v.policy}: ${v.resource?.name ?? "(stack)"}: ${v.message}`)).toEqual([]);
    expect(failed(result)).toBe(false);
    // The staging config keeps the HA rules on and the private-endpoint rule off.
    expect(result.evaluated.map((e) => e.policy)).toEqual(expect.arrayContaining(["k8s-pdb-required", "k8s-pod-spread"]));
    expect(result.evaluated.map((e) => e.policy)).not.toContain("eks-private-endpoint");
  });
});
