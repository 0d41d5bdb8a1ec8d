// Fake validation args for rule tests: the same shape the pack server passes, with a collecting report.
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

const OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function typeOf(cls: unknown): string | undefined {
  return (cls as { __pulumiType?: string }).__pulumiType;
}

export function fakeResourceArgs(type: string, props: Record<string, unknown>, config: object = {}, name = "test"): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:test::ods::${type}::${name}`,
    name,
    opts: OPTS,
    stackTags: new Map(),
    isType: (cls) => typeOf(cls) === type,
    asType: ((cls: unknown) => (typeOf(cls) === type ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable: ${reason ?? ""}`);
    },
  };
}

/** Runs a resource rule on one resource; returns the reported messages. */
export async function check(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: object = {}): Promise<string[]> {
  const messages: string[] = [];
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const v of validations) if (v) await v(fakeResourceArgs(type, props, config), (m) => messages.push(m));
  return messages;
}

export interface FakeResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  /** URN of the parent component, to exercise same-parent matching. */
  parent?: string;
  /** property -> URNs it depends on, as the engine reports in a real preview. */
  propertyDependencies?: Record<string, string[]>;
}

export const urnOf = (r: { type: string; name: string }) => `urn:pulumi:test::ods::${r.type}::${r.name}`;

/** Runs a stack rule over resources; returns [message, name of the resource reported] pairs. */
export async function checkStack(policy: StackValidationPolicy, resources: FakeResource[], config: object = {}): Promise<[string, string | undefined][]> {
  const byUrn = new Map<string, PolicyResource>();
  const list: PolicyResource[] = resources.map((r) => {
    const pr: PolicyResource = {
      type: r.type,
      props: r.props,
      urn: urnOf(r),
      name: r.name,
      opts: r.parent ? { ...OPTS, parent: r.parent } : OPTS,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: ((cls: unknown) => (typeOf(cls) === r.type ? r.props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(pr.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
      list[i].propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    }
  });
  const out: [string, string | undefined][] = [];
  await policy.validateStack(
    {
      resources: list,
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: (reason?: string): never => {
        throw new Error(`notApplicable: ${reason ?? ""}`);
      },
    },
    (message, urn) => out.push([message, urn ? byUrn.get(urn)?.name : undefined]),
  );
  return out;
}
