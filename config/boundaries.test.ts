// The boundary probe: which values it tries, and that it reports a variant the schema accepts and the
// plan refuses (with a stand-in planner; `npm run config-boundaries` plans for real, in CI).
import { z } from "zod";
import { boundaryVariants, probeBoundaries, variantName, withValue } from "./boundaries";

const schema = z.toJSONSchema(
  z.strictObject({
    a: z.strictObject({ n: z.number().int().min(1).max(5), f: z.number().gt(0).lt(1).optional(), on: z.boolean().default(false) }),
    list: z.array(z.strictObject({ kind: z.enum(["x", "y"]) })).default([]),
    text: z.string(),
  }),
  { io: "input" },
) as Record<string, unknown>;

test("numbers at their bounds (exclusive ones just inside), every enum value, booleans flipped, lists through their first entry", () => {
  const names = boundaryVariants(schema, { a: { n: 3, on: true }, list: [{ kind: "x" }, { kind: "y" }], text: "t" }).map(variantName);
  expect(names).toEqual(["a.n = 1", "a.n = 5", "a.f = 0.01", "a.f = 0.99", "a.on = false", "list[0].kind = \"x\"", "list[0].kind = \"y\""]);
  // The bad case: an empty list has no entry to vary, and a string without a format has no boundary.
  expect(boundaryVariants(schema, { a: {}, list: [] }).map(variantName)).toEqual(["a.n = 1", "a.n = 5", "a.f = 0.01", "a.f = 0.99", "a.on = true"]);
});

test("withValue sets one value, creating parents, and leaves the input alone", () => {
  const input = { a: { n: 3 } };
  expect(withValue(input, { path: ["b", "list", 0, "k"], value: 1 })).toEqual({ a: { n: 3 }, b: { list: [{ k: 1 }] } });
  expect(input).toEqual({ a: { n: 3 } });
});

describe("on the local stack's config, with a stand-in planner", () => {
  test("a variant the schema accepts and the planner refuses is reported as late; those the schema refuses are not planned", async () => {
    const planned: string[] = [];
    const report = await probeBoundaries("local", {
      parallel: 2,
      only: (v) => v.path.join(".") === "model.autoscaling.pollingIntervalSeconds" || v.path.join(".") === "model.models.0.replicas.min",
      planner: async (_stack, file) => {
        const { readStackConfig } = await import("./stackFile");
        const model = JSON.parse(readStackConfig(process.cwd(), "local", file).config["ods:model"]) as { autoscaling?: { pollingIntervalSeconds?: number } };
        planned.push(String(model.autoscaling?.pollingIntervalSeconds));
        return model.autoscaling?.pollingIntervalSeconds === 600 ? "Keda: a late refusal" : undefined;
      },
    });
    // replicas.min 0 without scaleToZero is refused by the schema; 64 is above max. Neither is planned.
    expect(report).toEqual({ variants: 4, refusedBySchema: 2, planned: 2, late: [{ variant: "model.autoscaling.pollingIntervalSeconds = 600", error: "Keda: a late refusal" }] });
    expect(planned.sort()).toEqual(["5", "600"]);
  });
});
