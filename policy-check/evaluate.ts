// Evaluates the policy pack against an offline plan, with @pulumi/policy-shaped arguments.
import type {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { RecordedResource } from "../plan/types";
import { describeId, Exemption, exemptionFor, exemptionsOf } from "../policies/rules/lib/config";
import { objectIdOf } from "../policies/rules/lib/k8s";
import { scopeOf } from "../policies/rules/lib/rule";
import { enforcementOf, PackConfig, settingsOf } from "./packConfig";

export interface Violation {
  policy: string;
  enforcement: EnforcementLevel;
  message: string;
  /** The rule's remediation steps: what to change. */
  fix: string;
  /** The resource at fault; absent for a stack-wide violation. */
  resource?: { type: string; name: string; urn: string };
  /** Set on the advisory finding about an exemption that suppressed nothing (stale). */
  staleExemption?: Exemption;
}

/** A configured exemption that kept at least one finding out of the result. */
export interface UsedExemption {
  policy: string;
  exemption: Exemption;
  /** The objects whose findings it suppressed, and how many findings. */
  resources: { type: string; name: string; urn: string }[];
  findings: number;
}

export interface EvaluatedRule {
  policy: string;
  enforcement: EnforcementLevel;
  /** Resources of the kinds the rule looks at (0: it had nothing to check); null if it declares no scope. */
  inScope: number | null;
  /** What it looks at, in words. */
  scope?: string;
}

export interface Evaluation {
  violations: Violation[];
  /** Rules that ran, with the level they ran at and how many resources they had to check (disabled ones are left out). */
  evaluated: EvaluatedRule[];
  /** Exemptions that suppressed findings, for the reviewer; stale ones are advisory violations. */
  exemptions: UsedExemption[];
  /** Rules that threw: a bug in the rule or a shape it did not expect. Counted as mandatory failures. */
  errors: { policy: string; resource?: string; error: string }[];
}

/** Thrown by `notApplicable()`, as in the pack server; the rule simply does not apply. */
class NotApplicable extends Error {}

type ResourceClass = { new (...rest: never[]): unknown; __pulumiType?: string; isInstance?: (o: unknown) => boolean };

/** isType as the pack server does it: the class's type token, or its isInstance on a fake object. */
function isTypeOf(type: string, cls: unknown): boolean {
  const c = cls as ResourceClass;
  if (typeof c.__pulumiType === "string") return c.__pulumiType === type;
  return typeof c.isInstance === "function" && c.isInstance({ __pulumiType: type }) === true;
}

const NO_OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return (p as ResourceValidationPolicy).validateResource !== undefined;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return (p as StackValidationPolicy).validateStack !== undefined;
}

/** URN of each recorded resource's parent (the recorder keeps the parent's name and type). */
function parentUrns(resources: RecordedResource[]): Map<RecordedResource, string | undefined> {
  const byKey = new Map<string, string>();
  for (const r of resources) byKey.set(`${r.type}::${r.name}`, r.urn);
  return new Map(resources.map((r) => [r, r.parent && r.parentType ? byKey.get(`${r.parentType}::${r.parent}`) : undefined]));
}

/** Validation args for one resource, shaped like the ones the pack server builds. */
export function resourceArgs(r: RecordedResource, settings: Record<string, unknown>, parentUrn?: string): ResourceValidationArgs {
  const props = r.inputs;
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: parentUrn ? { ...NO_OPTS, parent: parentUrn } : NO_OPTS,
    stackTags: new Map<string, string>(),
    isType: (cls) => isTypeOf(r.type, cls),
    // The server hands back the props themselves when the type matches; so do we.
    asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => structuredClone(settings) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** The stack's resources as PolicyResources, parents linked. */
export function policyResources(resources: RecordedResource[]): PolicyResource[] {
  const parents = parentUrns(resources);
  const out = new Map<string, PolicyResource>();
  for (const r of resources) {
    const props = r.inputs;
    const parent = parents.get(r);
    out.set(r.urn, {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: parent ? { ...NO_OPTS, parent } : NO_OPTS,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
    });
  }
  for (const r of resources) {
    const parent = parents.get(r);
    const pr = out.get(r.urn);
    if (pr && parent) pr.parent = out.get(parent);
  }
  return [...out.values()];
}

export function stackArgs(resources: PolicyResource[], settings: Record<string, unknown>): StackValidationArgs {
  return {
    resources,
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => structuredClone(settings) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

interface Finding {
  message: string;
  resource?: RecordedResource;
}

interface Context {
  resources: RecordedResource[];
  byUrn: Map<string, RecordedResource>;
  parents: Map<RecordedResource, string | undefined>;
  stackResources: PolicyResource[];
}

/** One rule over every resource with the given settings: what it reports, and what it throws. */
async function runPolicy(policy: Policy, settings: Record<string, unknown>, ctx: Context): Promise<{ findings: Finding[]; errors: { error: unknown; resource?: RecordedResource }[] }> {
  const findings: Finding[] = [];
  const errors: { error: unknown; resource?: RecordedResource }[] = [];
  if (isResourcePolicy(policy) && policy.validateResource) {
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const r of ctx.resources) {
      const args = resourceArgs(r, settings, ctx.parents.get(r));
      for (const validate of validations) {
        try {
          await validate(args, (message) => findings.push({ message, resource: r }));
        } catch (e) {
          errors.push({ error: e, resource: r });
        }
      }
    }
  }
  if (isStackPolicy(policy)) {
    try {
      await policy.validateStack(stackArgs(ctx.stackResources, settings), (message, urn) => findings.push({ message, resource: urn ? ctx.byUrn.get(urn) : undefined }));
    } catch (e) {
      errors.push({ error: e });
    }
  }
  return { findings, errors };
}

const findingKey = (f: Finding) => `${f.resource?.urn ?? ""}\u0000${f.message}`;

/** Findings of `all` that `kept` does not have (as multisets). */
function missingFrom(all: Finding[], kept: Finding[]): Finding[] {
  const left = new Map<string, number>();
  for (const f of kept) left.set(findingKey(f), (left.get(findingKey(f)) ?? 0) + 1);
  return all.filter((f) => {
    const n = left.get(findingKey(f)) ?? 0;
    if (n > 0) left.set(findingKey(f), n - 1);
    return n === 0;
  });
}

/**
 * What each exemption of a rule suppresses: the rule's findings without any exemption, less its
 * findings with that exemption alone. Exemptions that suppress nothing are stale.
 */
async function exemptionUse(policy: Policy, settings: Record<string, unknown>, ctx: Context): Promise<{ exemption: Exemption; suppressed: Finding[] }[]> {
  const exemptions = exemptionsOf(settings);
  if (exemptions.length === 0) return [];
  const bare = (await runPolicy(policy, { ...settings, exemptions: [] }, ctx)).findings;
  const out: { exemption: Exemption; suppressed: Finding[] }[] = [];
  for (const exemption of exemptions) {
    const alone = (await runPolicy(policy, { ...settings, exemptions: [exemption] }, ctx)).findings;
    out.push({ exemption, suppressed: missingFrom(bare, alone) });
  }
  return out;
}

function staleMessage(e: Exemption, ctx: Context): string {
  const present = ctx.resources.some((r) => {
    const id = objectIdOf(r.type, r.inputs, r.name);
    return id !== undefined && exemptionFor([e], id) !== undefined;
  });
  const why = present ? "the object is in the plan, but this rule finds nothing on it to exempt" : "no object of that kind, namespace and name is in the plan";
  return `stale exemption ${describeId(e)}: it suppressed no finding (${why}). Reason given: ${e.reason}`;
}

/** Runs every enabled rule over the plan's resources and collects what they report. */
export async function evaluate(resources: RecordedResource[], policies: Policies, config: PackConfig): Promise<Evaluation> {
  const result: Evaluation = { violations: [], evaluated: [], exemptions: [], errors: [] };
  const ctx: Context = { resources, byUrn: new Map(resources.map((r) => [r.urn, r])), parents: parentUrns(resources), stackResources: policyResources(resources) };

  for (const policy of policies) {
    const enforcement = enforcementOf(policy, config);
    if (enforcement === "disabled") continue;
    const scope = scopeOf(policy);
    result.evaluated.push({
      policy: policy.name,
      enforcement,
      inScope: scope ? resources.filter((r) => scope.test(r.type, r.inputs)).length : null,
      ...(scope ? { scope: scope.what } : {}),
    });
    const settings = settingsOf(policy, config);
    const fix = policy.remediationSteps ?? "";
    const resourceOf = (r?: RecordedResource) => (r ? { type: r.type, name: r.name, urn: r.urn } : undefined);

    const run = await runPolicy(policy, settings, ctx);
    for (const f of run.findings) result.violations.push({ policy: policy.name, enforcement, message: f.message, fix, resource: resourceOf(f.resource) });
    for (const { error, resource } of run.errors) {
      if (error instanceof NotApplicable) continue;
      result.errors.push({ policy: policy.name, resource: resource ? `${resource.type} ${resource.name}` : undefined, error: error instanceof Error ? error.message : String(error) });
    }

    for (const { exemption, suppressed } of await exemptionUse(policy, settings, ctx)) {
      if (suppressed.length === 0) {
        result.violations.push({
          policy: policy.name,
          enforcement: "advisory",
          message: staleMessage(exemption, ctx),
          fix: "Remove the exemption from the policy config, or correct its kind, namespace or name to the object that needs it.",
          staleExemption: exemption,
        });
        continue;
      }
      const touched = [...new Map(suppressed.filter((f) => f.resource).map((f) => [f.resource!.urn, f.resource!])).values()];
      result.exemptions.push({ policy: policy.name, exemption, resources: touched.map((r) => resourceOf(r)!), findings: suppressed.length });
    }
  }
  return result;
}

/** Mandatory violations and rule errors fail the gate; advisory ones only inform. */
export function failed(e: Evaluation): boolean {
  return e.errors.length > 0 || e.violations.some((v) => v.enforcement === "mandatory");
}
