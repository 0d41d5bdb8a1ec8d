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
import { enforcementOf, PackConfig, settingsOf } from "./packConfig";

export interface Violation {
  policy: string;
  enforcement: EnforcementLevel;
  message: string;
  /** The rule's remediation steps: what to change. */
  fix: string;
  /** The resource at fault; absent for a stack-wide violation. */
  resource?: { type: string; name: string; urn: string };
}

export interface Evaluation {
  violations: Violation[];
  /** Rules that ran, with the level they ran at (disabled ones are left out). */
  evaluated: { policy: string; enforcement: EnforcementLevel }[];
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

/** Runs every enabled rule over the plan's resources and collects what they report. */
export async function evaluate(resources: RecordedResource[], policies: Policies, config: PackConfig): Promise<Evaluation> {
  const result: Evaluation = { violations: [], evaluated: [], errors: [] };
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const parents = parentUrns(resources);
  const stackResources = policyResources(resources);

  for (const policy of policies) {
    const enforcement = enforcementOf(policy, config);
    if (enforcement === "disabled") continue;
    result.evaluated.push({ policy: policy.name, enforcement });
    const settings = settingsOf(policy, config);
    const fix = policy.remediationSteps ?? "";
    const push = (message: string, r?: RecordedResource) =>
      result.violations.push({
        policy: policy.name,
        enforcement,
        message,
        fix,
        resource: r ? { type: r.type, name: r.name, urn: r.urn } : undefined,
      });
    const fail = (e: unknown, r?: RecordedResource) => {
      if (e instanceof NotApplicable) return;
      result.errors.push({ policy: policy.name, resource: r ? `${r.type} ${r.name}` : undefined, error: e instanceof Error ? e.message : String(e) });
    };

    if (isResourcePolicy(policy) && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const r of resources) {
        const args = resourceArgs(r, settings, parents.get(r));
        for (const validate of validations) {
          try {
            await validate(args, (message) => push(message, r));
          } catch (e) {
            fail(e, r);
          }
        }
      }
    }
    if (isStackPolicy(policy)) {
      try {
        await policy.validateStack(stackArgs(stackResources, settings), (message, urn) => push(message, urn ? byUrn.get(urn) : undefined));
      } catch (e) {
        fail(e);
      }
    }
  }
  return result;
}

/** Mandatory violations and rule errors fail the gate; advisory ones only inform. */
export function failed(e: Evaluation): boolean {
  return e.errors.length > 0 || e.violations.some((v) => v.enforcement === "mandatory");
}
