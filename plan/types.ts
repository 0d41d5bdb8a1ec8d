// Shapes shared by the offline plan, the offline policy check and the tests.

/** One resource the program registered, as the mock runtime saw it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. "kubernetes:apps/v1:Deployment", "aws:eks/cluster:Cluster", "ods:infra:GpuNodePool". */
  type: string;
  /** The logical name given to the constructor. */
  name: string;
  /** The parent's logical name, or null for top-level resources. */
  parent: string | null;
  /** The parent's type token, or null (disambiguates parents with equal names). */
  parentType: string | null;
  /** Whether this is a component (ComponentResource) rather than a custom resource. */
  component: boolean;
  /** Inputs as passed, with every secret value replaced by the string "[secret]". */
  inputs: Record<string, unknown>;
  /** Index of a custom resource's provider in registration order, if one was given. */
  provider?: string;
  /** The resource's URN under the mock runtime. */
  urn: string;
  /** Resource options that decide what a delete or replace does (absent when none is set). */
  options?: { protect?: boolean; retainOnDelete?: boolean; deleteBeforeReplace?: boolean; ignoreChanges?: string[] };
  /** URNs of the resources it waits for (explicit dependsOn and the resources its inputs come from), as registered. */
  dependencies?: string[];
  /** Components only: the keys the component passed to registerOutputs (absent if it never did). */
  registeredOutputs?: string[];
}

export interface PlanResult {
  stack: string;
  resources: RecordedResource[];
}
