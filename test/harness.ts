// Shared test harness: mock runtime, a recorder of every registered resource, failure on unmocked invokes.
import { ConfigError } from "../config/load";
import { underMocks } from "../plan/run";
import { RecordedResource } from "../plan/types";

/**
 * Sets the mocks, runs `build` (which declares components), waits for every registration and
 * returns what was recorded. Throws if any invoke had no mock.
 */
export async function record(build: () => unknown, opts: { region?: string; stack?: string } = {}): Promise<RecordedResource[]> {
  return (await underMocks({ project: "ods", stack: opts.stack ?? "test", region: opts.region }, build)).resources;
}

/** Resources of one type. */
export function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The single resource of a type (fails the test when there is not exactly one). */
export function one(resources: RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** Reads a nested input by path, e.g. get(r, "vpcConfig.endpointPublicAccess"). */
export function get(r: RecordedResource, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((cur, key) => (cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined), r.inputs);
}

/** Every string anywhere in a value, for "no literal X anywhere" assertions. */
export function allStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(allStrings);
  return [];
}

/** The message of the ConfigError `fn` throws; fails when it throws nothing or something else. */
export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}
