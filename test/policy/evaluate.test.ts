// The policy check's evaluation over hand-made plans: enforcement resolution, config, attribution.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policies/rules";
import { evaluate, failed } from "../../policy-check/evaluate";
import { checkPackConfig, enforcementOf, loadPackConfig, mergePackConfig, settingsOf } from "../../policy-check/packConfig";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { formatReport } from "../../policy-check/report";
import type { RecordedResource } from "../../plan/types";

const byName = (name: string) => {
  const p = policies.find((x) => x.name === name);
  if (!p) throw new Error(`no rule ${name}`);
  return p;
};

function rec(type: string, name: string, inputs: Record<string, unknown>, parent: RecordedResource | null = null): RecordedResource {
  return {
    type,
    name,
    parent: parent?.name ?? null,
    parentType: parent?.type ?? null,
    component: type.startsWith("ods:"),
    inputs,
    urn: `urn:pulumi:prod::ods::${type}::${name}`,
  };
}

const privilegedPod = rec("kubernetes:core/v1:Pod", "debug", {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "debug", namespace: "ods-apps" },
  spec: { containers: [{ name: "shell", image: "docker.io/library/busybox:1.37", securityContext: { privileged: true } }] },
});
const bucket = rec("aws:s3/bucket:Bucket", "exports", { bucket: "ods-prod-exports" });

describe("pack rules", () => {
  it("have unique names, a description, a level and a fix", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of policies) {
      expect(p.description.length).toBeGreaterThan(20);
      expect(p.enforcementLevel).toBe("mandatory");
      expect((p.remediationSteps ?? "").length).toBeGreaterThan(20);
      expect(Object.keys(p.configSchema?.properties ?? {})).not.toContain("enforcementLevel");
    }
  });
});

describe("pack config files", () => {
  const CONFIG_DIR = path.join(__dirname, "..", "..", "policies", "config");
  it.each(["local", "dev", "staging", "prod"])("%s: base.json + %s.json + the stack's facts name only real rules and settings", (stack) => {
    expect(() => stackPackConfig(stack, policies)).not.toThrow();
  });
  it("prod runs every rule as mandatory, HA on, private endpoint and no wildcard redirects", () => {
    const cfg = stackPackConfig("prod", policies).config;
    expect(policies.filter((p) => enforcementOf(p, cfg) !== "mandatory").map((p) => p.name)).toEqual([]);
    expect(settingsOf(byName("k8s-pdb-required"), cfg)["highAvailability"]).toBe(true);
    expect(settingsOf(byName("eks-private-endpoint"), cfg)["requirePrivateEndpoint"]).toBe(true);
    expect(settingsOf(byName("keycloak-no-wildcard-redirects"), cfg)["forbidWildcards"]).toBe(true);
    // Exemptions name the GPU operator's objects rule by rule, never its namespace.
    const exempt = (rule: string) => (settingsOf(byName(rule), cfg)["exemptions"] as { kind: string; namespace: string; name: string; reason: string }[]).map((e) => `${e.kind} ${e.namespace}/${e.name}`);
    expect(exempt("k8s-no-privileged-containers")).toEqual([]);
    for (const rule of ["k8s-no-privilege-escalation", "k8s-run-as-non-root", "k8s-drop-all-capabilities"]) expect(exempt(rule)).toContain("Deployment ods-gpu/gpu-operator");
    expect(exempt("k8s-drop-all-capabilities")).toEqual(["Deployment ods-gpu/gpu-operator"]);
    expect(exempt("k8s-no-host-access")).toEqual(["DaemonSet ods-gpu/ods-prod-gpu-operator-chart-node-feature-discovery-worker"]);
    expect(settingsOf(byName("aws-nodegroup-max-size"), cfg)["maxNodesPerGroup"]).toBe(50);
  });
  it("facts come from the stack config: HA, the GPU node budget, the world-open reason and namespace names", () => {
    const settings = (stack: string, rule: string) => settingsOf(byName(rule), stackPackConfig(stack, policies).config);
    expect([settings("prod", "k8s-pod-spread").highAvailability, settings("dev", "k8s-pod-spread").highAvailability]).toEqual([true, false]);
    expect(["local", "dev", "staging", "prod"].map((s) => settings(s, "gpu-nodegroup-max-size").maxGpuNodes)).toEqual([0, 2, 4, 10]);
    expect(["local", "dev", "staging", "prod"].map((s) => settings(s, "eks-endpoint-not-world-open").worldOpenReason)).toEqual(["", "", "", ""]);
    // A stack with another prefix exempts its own GPU operator objects, not ods-gpu's.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-pack-"));
    const file = path.join(dir, "Pulumi.acme.yaml");
    fs.writeFileSync(file, fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.dev.yaml"), "utf8").replace("ods:domain:", "ods:namePrefix: acme\n  ods:domain:"));
    const exempt = settingsOf(byName("k8s-no-host-access"), stackPackConfig("dev", policies, { stackFile: file }).config)["exemptions"] as { namespace: string; name: string }[];
    expect(exempt.map((e) => `${e.namespace}/${e.name}`)).toEqual(["acme-gpu/acme-dev-gpu-operator-chart-node-feature-discovery-worker"]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it("the per-stack files hold differences only: none repeats base.json", () => {
    const base = JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, "base.json"), "utf8")) as Record<string, unknown>;
    for (const stack of ["local", "dev", "staging", "prod"]) {
      const diff = JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, `${stack}.json`), "utf8")) as Record<string, unknown>;
      for (const [rule, entry] of Object.entries(diff)) expect(`${stack}: ${rule} ${JSON.stringify(entry)}`).not.toBe(`${stack}: ${rule} ${JSON.stringify(base[rule])}`);
    }
  });
  it("a file that repeats a stack fact, or uses an unknown placeholder, is refused by name", () => {
    const facts = { highAvailability: true, maxGpuNodes: 2, worldOpenReason: "", worldOpenSecurityGroups: [], vars: { base: "ods-dev" }, deploys: { gpuOperator: true }, imageRegistries: [] };
    expect(() => mergePackConfig({ "k8s-pdb-required": { highAvailability: true } }, {}, facts, { base: "base.json", diff: "dev.json" })).toThrow(
      "base.json: k8s-pdb-required.highAvailability is read from the stack config (ods:highAvailability); remove it from the file",
    );
    expect(() => mergePackConfig({}, { "gpu-nodegroup-max-size": { maxGpuNodes: 8 } }, facts, { base: "base.json", diff: "dev.json" })).toThrow("dev.json: gpu-nodegroup-max-size.maxGpuNodes is read from the stack config");
    expect(() => mergePackConfig({ "k8s-probes": { exemptions: [{ kind: "Deployment", namespace: "{namespace.gpuu}", name: "x", reason: "0123456789 0123456789" }] } }, {}, facts, { base: "b", diff: "d" })).toThrow(
      "policy config.k8s-probes.exemptions[0].namespace: unknown placeholder {namespace.gpuu}; known: {base}",
    );
    expect(() => mergePackConfig({}, { "eks-endpoint-not-world-open": { worldOpenReason: "we said so, twenty characters" } }, facts, { base: "b", diff: "dev.json" })).toThrow(
      "dev.json: eks-endpoint-not-world-open.worldOpenReason is read from the stack config (ods:infra.aws.endpoint.worldOpenReason)",
    );
    // A stack's reason is taken as the stack states it: braces in it are not placeholders.
    const withReason = mergePackConfig({}, {}, { ...facts, worldOpenReason: "CI runners {rotating addresses}" }, { base: "b", diff: "d" });
    expect(withReason["eks-endpoint-not-world-open"]).toEqual({ worldOpenReason: "CI runners {rotating addresses}" });
  });
  it("world-open exposure stays mandatory whatever a file says; only the stack config allows it, with a reason", () => {
    const facts = { highAvailability: false, maxGpuNodes: 0, worldOpenReason: "", worldOpenSecurityGroups: [{ name: "ods-dev-edge-lb", reason: "public load balancer of the demo portal" }], vars: {}, deploys: { gpuOperator: false }, imageRegistries: [] };
    for (const [rule, allow] of [["eks-endpoint-not-world-open", "ods:infra.aws.endpoint.worldOpenReason"], ["aws-sg-no-world-ingress", "ods:infra.aws.worldOpenSecurityGroups"]]) {
      for (const entry of ["advisory", "disabled", { enforcementLevel: "advisory" }] as const) {
        expect(() => mergePackConfig({}, { [rule]: entry }, facts, { base: "b", diff: "dev.json" })).toThrow(`dev.json: ${rule} is mandatory in every stack and cannot be set to`);
      }
      expect(() => mergePackConfig({}, { [rule]: "advisory" }, facts, { base: "b", diff: "dev.json" })).toThrow(allow);
    }
    expect(() => mergePackConfig({ "aws-sg-no-world-ingress": { exemptions: [] } }, {}, facts, { base: "base.json", diff: "d" })).toThrow(
      "base.json: aws-sg-no-world-ingress.exemptions is read from the stack config (ods:infra.aws.worldOpenSecurityGroups)",
    );
    expect(mergePackConfig({ "aws-sg-no-world-ingress": "mandatory" }, {}, facts, { base: "b", diff: "d" })["aws-sg-no-world-ingress"]).toEqual({
      enforcementLevel: "mandatory",
      exemptions: [{ kind: "SecurityGroup", name: "ods-dev-edge-lb", reason: "public load balancer of the demo portal" }],
    });
  });
  it("a stack's difference replaces keys of the base entry, and a bare level only the level", () => {
    const facts = { highAvailability: false, maxGpuNodes: 0, worldOpenReason: "", worldOpenSecurityGroups: [], vars: {}, deploys: { gpuOperator: true }, imageRegistries: [] };
    const merged = mergePackConfig({ "k8s-tls-listeners": { enforcementLevel: "mandatory", allowPlaintextListeners: false }, "k8s-probes": { enforcementLevel: "mandatory", exemptions: [] } }, { "k8s-tls-listeners": { allowPlaintextListeners: true }, "k8s-probes": "advisory" }, facts, { base: "b", diff: "d" });
    expect(merged["k8s-tls-listeners"]).toEqual({ enforcementLevel: "mandatory", allowPlaintextListeners: true });
    expect(merged["k8s-probes"]).toEqual({ enforcementLevel: "advisory", exemptions: [] });
  });
  it("an exemption `when` a component is deployed applies only to stacks that deploy it, and names a known component", () => {
    const ex = { kind: "DaemonSet", namespace: "ods-gpu", name: "agent", when: "gpuOperator", reason: "the agent reads host paths to find GPUs" };
    const base = { "k8s-no-host-access": { exemptions: [ex] } };
    const facts = (gpuOperator: boolean) => ({ highAvailability: false, maxGpuNodes: 0, worldOpenReason: "", worldOpenSecurityGroups: [], vars: {}, deploys: { gpuOperator }, imageRegistries: [] });
    const { when: _when, ...applied } = ex;
    expect(mergePackConfig(base, {}, facts(true), { base: "b", diff: "d" })["k8s-no-host-access"]).toEqual({ exemptions: [applied] });
    expect(mergePackConfig(base, {}, facts(false), { base: "b", diff: "d" })["k8s-no-host-access"]).toEqual({ exemptions: [] });
    expect(() => mergePackConfig({ "k8s-no-host-access": { exemptions: [{ ...ex, when: "gpuOperater" }] } }, {}, facts(true), { base: "b", diff: "d" })).toThrow(
      'policy config.k8s-no-host-access: exemption "when": "gpuOperater" is not a component stacks state; known: gpuOperator',
    );
    // local deploys no GPU operator: its pack config has no GPU operator exemptions, and no file had to say so.
    expect(settingsOf(byName("k8s-no-host-access"), stackPackConfig("local", policies).config)["exemptions"]).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, "local.json"), "utf8"))).not.toHaveProperty("k8s-no-host-access");
  });
  it("local relaxes what only gets in a laptop's way", () => {
    const cfg = stackPackConfig("local", policies).config;
    expect(settingsOf(byName("k8s-pdb-required"), cfg)["highAvailability"]).toBe(false);
    expect(enforcementOf(byName("k8s-probes"), cfg)).toBe("advisory");
    expect(enforcementOf(byName("k8s-no-privileged-containers"), cfg)).toBe("mandatory");
  });
  it("a complete config file given with --config is checked as it is", () => {
    expect(() => loadPackConfig(path.join(CONFIG_DIR, "dev.json"), policies)).not.toThrow();
  });
  it("reports typos and bad levels", () => {
    const problems = checkPackConfig({ "k8s-no-privileged": "mandatory", "k8s-probes": { enforcementLevel: "strict", exemptNamespaces: [] }, "gpu-nodegroup-max-size": { maxGpuNodes: "4" } }, policies);
    expect(problems).toEqual([
      expect.stringMatching(/^k8s-no-privileged: no such rule/),
      "k8s-probes.enforcementLevel: strict is not one of advisory, mandatory, remediate, disabled",
      "k8s-probes.exemptNamespaces: not a setting of this rule (settings: exemptions)",
      'gpu-nodegroup-max-size.maxGpuNodes: expected "integer", got "4"',
    ]);
  });
  it("refuses an exemption that does not name its object exactly or gives no real reason", () => {
    const exemptions = [
      { namespace: "ods-gpu", reason: "the GPU operator needs this namespace" },
      { kind: "DaemonSet", namespace: "ods-gpu", name: "agent", reason: "needs it" },
      { kind: "DaemonSet", namespace: "ods-gpu", name: "agent", reason: "reads the node's hardware", namespaces: ["x"] },
    ];
    expect(checkPackConfig({ "k8s-no-host-access": { exemptions } }, policies)).toEqual([
      "k8s-no-host-access.exemptions[0].kind: required",
      "k8s-no-host-access.exemptions[0].name: required",
      'k8s-no-host-access.exemptions[1].reason: must be at least 20 characters, got "needs it"',
      "k8s-no-host-access.exemptions[2].namespaces: not allowed here (allowed: kind, namespace, name, reason)",
    ]);
  });
});

describe("evaluate", () => {
  it("attributes resource and stack violations, with the rule's fix", async () => {
    const result = await evaluate([privilegedPod, bucket], policies, {});
    const privileged = result.violations.find((v) => v.policy === "k8s-no-privileged-containers");
    expect(privileged).toEqual({
      policy: "k8s-no-privileged-containers",
      enforcement: "mandatory",
      message: "container shell sets securityContext.privileged: true.",
      fix: byName("k8s-no-privileged-containers").remediationSteps,
      resource: { type: "kubernetes:core/v1:Pod", name: "debug", urn: privilegedPod.urn },
    });
    const s3 = result.violations.filter((v) => v.resource?.name === "exports").map((v) => v.message);
    expect(s3).toEqual(["Bucket ods-prod-exports has no BucketPublicAccessBlock.", "Bucket ods-prod-exports has no server-side encryption configuration."]);
    expect(failed(result)).toBe(true);
  });
  it("skips disabled rules, applies 'all' and per-rule levels, and passes advisory-only results", async () => {
    const result = await evaluate([privilegedPod], policies, { all: "advisory", "k8s-probes": "disabled" });
    expect(result.evaluated.find((e) => e.policy === "k8s-probes")).toBeUndefined();
    expect(result.violations.every((v) => v.enforcement === "advisory")).toBe(true);
    expect(result.violations.length).toBeGreaterThan(3);
    expect(failed(result)).toBe(false);
  });
  it("passes rule settings from the config, honours exemptions and lists the ones used, with their reason", async () => {
    const exemption = { kind: "Pod", namespace: "ods-apps", name: "debug", reason: "debug pods in this test only" };
    const result = await evaluate([privilegedPod, bucket], policies, { "k8s-no-privileged-containers": { exemptions: [exemption] } });
    expect(result.violations.filter((v) => v.policy === "k8s-no-privileged-containers")).toEqual([]);
    expect(result.exemptions).toEqual([{ policy: "k8s-no-privileged-containers", exemption, resources: [{ type: privilegedPod.type, name: "debug", urn: privilegedPod.urn }], findings: 1 }]);
    const report = formatReport("prod", result);
    expect(report).toContain("exemptions used (1):\n  k8s-no-privileged-containers: Pod ods-apps/debug (1 finding suppressed)\n      reason: debug pods in this test only");
  });
  it("reports an exemption that suppressed nothing as a stale, advisory finding", async () => {
    const absent = { kind: "Pod", namespace: "ods-apps", name: "gone", reason: "a pod that was removed long ago" };
    const clean = { kind: "Pod", namespace: "ods-apps", name: "debug", reason: "debug pods in this test only" };
    const result = await evaluate([privilegedPod], [byName("k8s-no-privileged-containers"), byName("k8s-no-host-access")], {
      "k8s-no-privileged-containers": { exemptions: [absent] },
      "k8s-no-host-access": { exemptions: [clean] },
    });
    const stale = result.violations.filter((v) => v.staleExemption).map((v) => [v.policy, v.enforcement, v.message]);
    expect(stale).toEqual([
      ["k8s-no-privileged-containers", "advisory", "stale exemption Pod ods-apps/gone: it suppressed no finding (no object of that kind, namespace and name is in the plan). Reason given: a pod that was removed long ago"],
      ["k8s-no-host-access", "advisory", "stale exemption Pod ods-apps/debug: it suppressed no finding (the object is in the plan, but this rule finds nothing on it to exempt). Reason given: debug pods in this test only"],
    ]);
    expect(result.exemptions).toEqual([]);
    // The privileged pod is still reported: the stale exemption names another object.
    expect(result.violations.filter((v) => v.policy === "k8s-no-privileged-containers" && !v.staleExemption)).toHaveLength(1);
    expect(formatReport("prod", result)).toContain("[advisory] k8s-no-privileged-containers: (policy config)\n    stale exemption Pod ods-apps/gone");
  });
  it("counts the resources each rule had to check and names the rules that had none", async () => {
    const result = await evaluate([privilegedPod, bucket], [byName("k8s-no-privileged-containers"), byName("s3-encryption"), byName("eks-secrets-encryption")], {});
    expect(result.evaluated.map((r) => [r.policy, r.inScope])).toEqual([
      ["k8s-no-privileged-containers", 1],
      ["s3-encryption", 1],
      ["eks-secrets-encryption", 0],
    ]);
    expect(formatReport("prod", result)).toContain("nothing to check (no resource of the kinds they look at, so they passed empty): eks-secrets-encryption");
    expect(formatReport("prod", result)).toContain("  nothing to check:     1 rule");
  });
  it("counts a rule that throws as an error that fails the gate", async () => {
    const broken = { name: "broken", description: "throws on purpose", enforcementLevel: "advisory" as const, validateResource: () => { throw new Error("boom"); } };
    const result = await evaluate([bucket], [broken], {});
    expect(result.errors).toEqual([{ policy: "broken", resource: "aws:s3/bucket:Bucket exports", error: "boom" }]);
    // It declares no scope, so its count is unknown rather than 0.
    expect(result.evaluated).toEqual([{ policy: "broken", enforcement: "advisory", inScope: null }]);
    expect(failed(result)).toBe(true);
  });
  it("formats a report with the resource, the message, the fix and a summary", async () => {
    const result = await evaluate([privilegedPod], [byName("k8s-no-privileged-containers")], {});
    expect(formatReport("prod", result)).toBe(
      [
        "[mandatory] k8s-no-privileged-containers: kubernetes:core/v1:Pod debug",
        "    container shell sets securityContext.privileged: true.",
        `    fix: ${byName("k8s-no-privileged-containers").remediationSteps}`,
        "",
        "resources each rule checked:",
        "  k8s-no-privileged-containers     1  mandatory",
        "",
        "policy check, stack prod: 1 rules (1 mandatory)",
        "  mandatory violations: 1",
        "  advisory violations:  0",
        "  exemptions used:      0",
        "  nothing to check:     0 rules",
      ].join("\n"),
    );
  });
});
