// A staging copy whose EKS API endpoint is open to 0.0.0.0/0: the policy check fails it unless its
// stack config says why (ods:infra.aws.endpoint.worldOpenReason).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policies } from "../../policies/rules";
import { evaluate, failed } from "../../policy-check/evaluate";
import { stackPackConfig } from "../../policy-check/stackPackConfig";
import { cachedPlan } from "../../plan/planCache";
import type { RecordedResource } from "../../plan/types";
import { WORLD_OPEN_REASON, worldOpenStaging } from "./worldOpen";

const REASON = WORLD_OPEN_REASON;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-world-open-"));
const stagingCopy = (name: string, reason?: string) => worldOpenStaging(dir, name, reason);

let resources: RecordedResource[];
const withReason = stagingCopy("open-with-reason", REASON);

beforeAll(async () => {
  // One plan per file: the mock runtime is process-global.
  resources = (await cachedPlan("staging", { stackFile: withReason })).resources;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const mandatory = (r: Awaited<ReturnType<typeof evaluate>>) => r.violations.filter((v) => v.enforcement === "mandatory").map((v) => `${v.policy}: ${v.resource?.name ?? "(stack)"}: ${v.message}`);

describe("a staging copy with a world-open API endpoint", () => {
  it("plans a cluster whose public endpoint is open to 0.0.0.0/0", () => {
    const cluster = resources.find((r) => r.type === "aws:eks/cluster:Cluster");
    expect(cluster?.inputs["vpcConfig"]).toMatchObject({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] });
  });

  it("passes the policy check when its stack config gives worldOpenReason", async () => {
    const config = stackPackConfig("staging", policies, { stackFile: withReason }).config;
    expect(config["eks-endpoint-not-world-open"]).toEqual({ enforcementLevel: "mandatory", worldOpenReason: REASON });
    const result = await evaluate(resources, policies, config);
    expect(mandatory(result)).toEqual([]);
    expect(failed(result)).toBe(false);
  });

  it("fails the policy check under a stack config that gives no reason", async () => {
    // The staging stack's own pack config: same rules and levels, no worldOpenReason.
    const config = stackPackConfig("staging", policies).config;
    const result = await evaluate(resources, policies, config);
    expect(mandatory(result)).toEqual([
      "eks-endpoint-not-world-open: ods-staging-eks-eks: Cluster ods-staging-eks-eks: the public API endpoint is open to 0.0.0.0/0 (wider than /8), and the stack config gives no worldOpenReason.",
    ]);
    expect(failed(result)).toBe(true);
  });

  it("is refused before planning when the stack file opens the endpoint without a reason", () => {
    const noReason = stagingCopy("open-no-reason");
    expect(() => stackPackConfig("staging", policies, { stackFile: noReason })).toThrow(/publicAccessCidrs.*whole internet/s);
  });
});
