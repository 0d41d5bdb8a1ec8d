// Runs the real program under the Pulumi mock runtime for one stack and returns what it declared.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../lib/repo";
import { planMocks, unmockedInvokes } from "./mocks";
import { attachRecorder, Recorder, REDACTED } from "./recorder";
import { readStackConfig } from "./stackConfig";
import { PlanResult, RecordedResource } from "./types";

/** Waits for every outstanding registration; part of the runtime, but not of its typings. */
export const waitForRPCs = (): Promise<void> => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

export interface FullPlanResult extends PlanResult {
  /** Stack outputs, secrets replaced by "[secret]". */
  outputs: Record<string, unknown>;
  /** Layer of each resource (the layer token of its outermost ods component, or "program"). */
  layerOf(r: RecordedResource): string;
}

async function resolveOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const out = value as pulumi.Output<unknown>;
    if (await pulumi.isSecret(out)) return REDACTED;
    return resolveOutput(await new Promise((resolve) => out.apply((v) => resolve(v))));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutput));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Sets the mocks, records everything `declare` registers, waits for every registration and fails on
 * invokes that had no mock. Shared by the plan and the component tests.
 */
export async function underMocks<T>(
  opts: { project: string; stack: string; region?: string },
  declare: () => T | Promise<T>,
): Promise<{ value: T; resources: RecordedResource[]; recorder: Recorder }> {
  await pulumi.runtime.setMocks(planMocks(opts.region), opts.project, opts.stack, false);
  unmockedInvokes.length = 0;
  const recorder = attachRecorder();
  const value = await declare();
  await waitForRPCs();
  if (unmockedInvokes.length > 0) throw new Error(`invokes the offline plan has no mock for: ${[...new Set(unmockedInvokes)].join(", ")}`);
  return { value, resources: recorder.resources(), recorder };
}

/**
 * Plans one stack in this process. The mock runtime is process-global: plan one stack per process
 * (jest gives every test file its own module registry, which is enough).
 */
export async function runPlan(stack: string, opts: { root?: string; stackFile?: string } = {}): Promise<FullPlanResult> {
  const root = opts.root ?? REPO_ROOT;
  const sc = readStackConfig(root, stack, opts.stackFile);
  pulumi.runtime.setAllConfig(sc.config, sc.secretKeys);
  const { value: outputs, resources, recorder } = await underMocks({ project: sc.project, stack }, async () => {
    const program = (await import(path.join(root, "index"))) as Record<string, unknown>;
    const resolved: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) {
      if (key === "__esModule" || key === "default") continue;
      resolved[key] = await resolveOutput(value);
    }
    return resolved;
  });
  return {
    stack,
    resources,
    outputs,
    layerOf(r: RecordedResource) {
      const chain = [r, ...recorder.ancestors(r)].filter((x) => x.type.startsWith("ods:"));
      const outer = chain[chain.length - 1];
      return outer ? outer.type.split(":")[1] : "program";
    },
  };
}
