// The LLM SLO has one home, ods:model.slo in stacks/Pulumi.<stack>.yaml: the schema and reader
// (config/schema/slo.ts), the gate's thresholds computed from it (runner/slo.ts), and the refusals
// of a profile that keeps a copy of the numbers and of a stack without them.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { parseSlo, readStackSlo, Slo } from "../../config/schema/slo";
import { REPO_ROOT } from "../../lib/repo";
import { buildK6Options, scriptEnv } from "../runner/options";
import { parseProfile, readProfile } from "../runner/profile";
import { e2eBoundMs, parseSloFlag, resolveSlo, sloThresholds, withSlo } from "../runner/slo";
import { llmTestProfile, runGateCli, TEST_SLO_FLAG, tempDir, writeJson } from "./helpers";

const STACKS = ["local", "dev", "staging", "prod"] as const;

/** Distinct numbers per stack, so a threshold taken from the wrong place cannot pass. */
const DISTINCT: Record<(typeof STACKS)[number], Slo> = {
  local: { percentile: 90, ttftMs: 2100, tpotMs: 110, goodput: 0.91 },
  dev: { percentile: 95, ttftMs: 2200, tpotMs: 120, goodput: 0.92 },
  staging: { percentile: 99, ttftMs: 2300, tpotMs: 130, goodput: 0.93 },
  prod: { percentile: 50, ttftMs: 600, tpotMs: 35, goodput: 0.97 },
};

/** A stack file with `model` as its ods:model section (other sections as a real stack has them). */
function stackFile(dir: string, stack: string, model: unknown): string {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  const config: Record<string, unknown> = { "ods:environment": stack, "ods:domain": "ods.example.com" };
  if (model !== undefined) config["ods:model"] = model;
  writeFileSync(file, YAML.stringify({ config }));
  return file;
}

function stacksWith(slos: Record<string, Slo>): string {
  const dir = tempDir("stacks");
  for (const [stack, slo] of Object.entries(slos)) stackFile(dir, stack, { models: [{ name: "m" }], slo });
  return dir;
}

describe("sloSchema", () => {
  const good = { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 };
  it("accepts the four keys and goodput 1", () => {
    expect(parseSlo(good, "s")).toEqual(good);
    expect(parseSlo({ ...good, percentile: 50, goodput: 1 }, "s")).toEqual({ ...good, percentile: 50, goodput: 1 });
  });
  it.each([
    [{ percentile: 98 }, "s.percentile = 98: percentile must be one of 50, 90, 95, 99"],
    [{ percentile: "99" }, 's.percentile = "99": percentile must be one of 50, 90, 95, 99'],
    [{ ttftMs: 0 }, "s.ttftMs = 0: ttftMs must be > 0 (milliseconds)"],
    [{ ttftMs: -5 }, "s.ttftMs = -5: ttftMs must be > 0 (milliseconds)"],
    [{ ttftMs: 1500.5 }, "s.ttftMs = 1500.5: ttftMs must be a whole number of milliseconds"],
    [{ tpotMs: "100" }, 's.tpotMs = "100": tpotMs must be a number of milliseconds'],
    [{ goodput: 0 }, "s.goodput = 0: goodput must be > 0 and <= 1 (a share of requests, e.g. 0.9)"],
    [{ goodput: 1.01 }, "s.goodput = 1.01: goodput must be > 0 and <= 1"],
    [{ goodput: undefined }, "s.goodput = missing: goodput must be a number in (0, 1]"],
    [{ burst: 3 }, "s: unknown key(s) burst; allowed: percentile, ttftMs, tpotMs, goodput"],
  ])("refuses %j naming the key, value and what is allowed", (bad, message) => {
    expect(() => parseSlo({ ...good, ...bad }, "s")).toThrow(message);
  });
  it("refuses a value that is not a mapping", () => {
    expect(() => parseSlo("p99", "s")).toThrow('s = "p99": must be a mapping { percentile, ttftMs, tpotMs, goodput }');
  });
});

describe("readStackSlo", () => {
  it("reads each stack's ods:model.slo from its stack file", () => {
    const dir = stacksWith(DISTINCT);
    for (const stack of STACKS) expect(readStackSlo(stack, dir)).toEqual(DISTINCT[stack]);
  });

  it("refuses a stack file without ods:model.slo, naming the file and the key", () => {
    const dir = tempDir("noslo");
    const withModel = stackFile(dir, "dev", { models: [] });
    expect(() => readStackSlo("dev", dir)).toThrow(`${path.relative(process.cwd(), withModel)}: ods:model.slo is missing; set config."ods:model".slo: { percentile: 99`);
    stackFile(dir, "bare", undefined);
    expect(() => readStackSlo("bare", dir)).toThrow(/Pulumi\.bare\.yaml: ods:model\.slo is missing/);
    expect(() => readStackSlo("absent", dir)).toThrow(/Pulumi\.absent\.yaml: no such stack file, so stack "absent" has no ods:model\.slo/);
  });

  it("names the file, key, value and what is allowed for a bad value", () => {
    const dir = tempDir("badslo");
    stackFile(dir, "prod", { slo: { percentile: 99.9, ttftMs: 500, tpotMs: 30, goodput: 95 } });
    let message = "";
    try {
      readStackSlo("prod", dir);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split("\n")).toEqual([
      expect.stringMatching(/Pulumi\.prod\.yaml: ods:model\.slo\.percentile = 99\.9: percentile must be one of 50, 90, 95, 99$/),
      expect.stringMatching(/Pulumi\.prod\.yaml: ods:model\.slo\.goodput = 95: goodput must be > 0 and <= 1/),
    ]);
  });

  it("reads the repository's stacks/ by default: the four stacks' SLOs", () => {
    expect(["local", "dev", "staging", "prod"].map((s) => readStackSlo(s))).toEqual([
      { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 },
      { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 },
      { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.95 },
      { percentile: 99, ttftMs: 500, tpotMs: 30, goodput: 0.95 },
    ]);
  });
});

describe("the llm thresholds come from the stack's SLO", () => {
  it("derives the E2E bound as ttft + tpot x (maxTokens - 1)", () => {
    const slo = { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 } as const;
    expect(e2eBoundMs(slo, 64)).toBe(8300);
    expect(e2eBoundMs(slo, 128)).toBe(14700);
    expect(e2eBoundMs({ ...slo, ttftMs: 500, tpotMs: 30 }, 128)).toBe(4310);
    expect(e2eBoundMs(slo, 1)).toBe(2000);
    expect(() => e2eBoundMs(slo, 0)).toThrow("maxTokens must be a whole number >= 1, got 0");
    expect(sloThresholds(slo, 64)).toEqual({ llm_ttft_ms: ["p(99)<2000"], llm_tpot_ms: ["p(99)<100"], llm_e2e_ms: ["p(99)<8300"], llm_slo_ok: ["rate>=0.9"] });
  });

  it.each(STACKS)("%s: the k6 options hold exactly the stack file's numbers", (stack) => {
    const dir = stacksWith(DISTINCT);
    const slo = resolveSlo({ stack, stacksDir: dir });
    const profile = readProfile(path.join(REPO_ROOT, "loadtests", "profiles", `${stack}.json`));
    const llm = withSlo(profile.services.llm!, slo);
    const { thresholds } = buildK6Options("llm", llm);
    const s = DISTINCT[stack];
    const maxTokens = stack === "local" ? 64 : 128;
    const p = `p(${s.percentile})`;
    const sloKeys = Object.keys(thresholds).filter((k) => /^llm_(ttft_ms|tpot_ms|e2e_ms|slo_ok)\{/.test(k));
    expect(Object.fromEntries(sloKeys.map((k) => [k, thresholds[k]]))).toEqual({
      "llm_ttft_ms{scenario:measure}": [`${p}<${s.ttftMs}`],
      "llm_tpot_ms{scenario:measure}": [`${p}<${s.tpotMs}`],
      "llm_e2e_ms{scenario:measure}": [`${p}<${s.ttftMs + s.tpotMs * (maxTokens - 1)}`],
      "llm_slo_ok{scenario:measure}": [`rate>=${s.goodput}`],
    });
    // llm.js counts goodput per request with the same bounds.
    const workload = JSON.parse(scriptEnv({ llm: { baseUrl: "http://x", model: "m" } }, llm.workload).GATE_WORKLOAD);
    expect(workload).toMatchObject({ maxTokens, sloTtftMs: s.ttftMs, sloTpotMs: s.tpotMs });
  });
});

describe("profiles carry no SLO numbers", () => {
  const llm = (extra: { workload?: Record<string, unknown>; thresholds?: Record<string, string[]> }) => ({
    required: [],
    services: { llm: { measure: { rate: 1, duration: "1s" }, workload: { maxTokens: 8, ...extra.workload }, thresholds: { llm_errors: ["rate<0.05"], ...extra.thresholds } } },
  });
  const home = "a gate profile must not set it; the LLM SLO lives in stacks/Pulumi.<stack>.yaml under ods:model.slo (or --slo for a stack without a stack file)";

  it("accepts a profile with load and workload only", () => {
    expect(parseProfile(llm({}), "p").services.llm?.workload).toEqual({ maxTokens: 8 });
  });
  it.each([
    [{ workload: { sloTtftMs: 2000 } }, "workload.sloTtftMs"],
    [{ workload: { sloTpotMs: 100 } }, "workload.sloTpotMs"],
    [{ thresholds: { llm_ttft_ms: ["p(99)<2000"] } }, 'thresholds["llm_ttft_ms"]'],
    [{ thresholds: { llm_tpot_ms: ["p(99)<100"] } }, 'thresholds["llm_tpot_ms"]'],
    [{ thresholds: { llm_e2e_ms: ["p(95)<8400"] } }, 'thresholds["llm_e2e_ms"]'],
    [{ thresholds: { llm_slo_ok: ["rate>=0.9"] } }, 'thresholds["llm_slo_ok"]'],
    [{ thresholds: { "llm_ttft_ms{model:m}": ["p(95)<2000"] } }, 'thresholds["llm_ttft_ms{model:m}"]'],
  ])("refuses %j naming the key and where the SLO lives", (extra, key) => {
    expect(() => parseProfile(llm(extra), "p")).toThrow(`p: services.llm.${key}: ${home}`);
  });
  it("needs the llm workload's maxTokens (the E2E bound is derived from it)", () => {
    const noTokens = { required: [], services: { llm: { measure: { rate: 1, duration: "1s" }, thresholds: {} } } };
    expect(() => parseProfile(noTokens, "p")).toThrow("p: services.llm.workload.maxTokens must be a whole number >= 1 (the SLO's E2E bound is derived from it), got undefined");
    expect(() => parseProfile(llm({ workload: { maxTokens: 0.5 } }), "p")).toThrow(/maxTokens must be a whole number >= 1/);
  });
});

describe("where the gate takes the SLO from", () => {
  const slo = { percentile: 95, ttftMs: 450, tpotMs: 40, goodput: 0.9 };

  it("parses --slo with all four keys, validated like the stack's", () => {
    expect(parseSloFlag("percentile=95,ttftMs=450,tpotMs=40,goodput=0.9")).toEqual(slo);
    expect(parseSloFlag(" goodput=0.9, tpotMs=40,ttftMs=450 ,percentile=95")).toEqual(slo);
    expect(() => parseSloFlag("percentile=95,ttftMs=450,tpotMs=40")).toThrow("--slo.goodput = missing: goodput must be a number in (0, 1]");
    expect(() => parseSloFlag("percentile=95,ttftMs=450ms,tpotMs=40,goodput=0.9")).toThrow('--slo.ttftMs = "450ms": ttftMs must be a number of milliseconds');
    expect(() => parseSloFlag("p99")).toThrow('--slo: "p99" is not key=value');
    expect(() => parseSloFlag("ttftMs=1,ttftMs=2")).toThrow("--slo: ttftMs is given twice");
  });

  it("uses the stack file when there is one, and refuses --slo beside it", () => {
    const dir = stacksWith({ dev: DISTINCT.dev });
    expect(resolveSlo({ stack: "dev", stacksDir: dir })).toEqual(DISTINCT.dev);
    expect(() => resolveSlo({ stack: "dev", stacksDir: dir, flag: TEST_SLO_FLAG })).toThrow(/^--slo: stack "dev" has a stack file \(.*Pulumi\.dev\.yaml\), whose ods:model\.slo is the SLO; change it there/);
  });

  it("uses --slo for a stack without a stack file, and refuses to run without either", () => {
    const dir = tempDir("nostacks");
    expect(resolveSlo({ stack: "test", stacksDir: dir, flag: TEST_SLO_FLAG })).toEqual(slo);
    expect(() => resolveSlo({ stack: "test", stacksDir: dir })).toThrow(/^stack "test" has no stack file \(.*Pulumi\.test\.yaml\), so the llm service has no SLO; pass --slo percentile=99,ttftMs=<ms>,tpotMs=<ms>,goodput=<share>$/);
  });

  it("the CLI stops before running anything when the llm service has no SLO (exit 2)", async () => {
    const dir = tempDir("cli-noslo");
    const args = ["--stack", "test", "--endpoints", writeJson(dir, "e.json", { endpoints: {} }), "--profile", writeJson(dir, "p.json", llmTestProfile()), "--out", path.join(dir, "out"), "--no-dashboard"];
    const r = await runGateCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gate: stack "test" has no stack file \(.*Pulumi\.test\.yaml\), so the llm service has no SLO; pass --slo/);
    const bad = await runGateCli([...args, "--slo", "percentile=97,ttftMs=450,tpotMs=40,goodput=0.9"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("gate: --slo.percentile = 97: percentile must be one of 50, 90, 95, 99");
  }, 60_000);
});

test("an SLO bound has an upper limit too: a TTFT of an hour or a TPOT of a minute asserts nothing", () => {
  const base = { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 };
  expect(() => parseSlo({ ...base, ttftMs: 3_600_000 }, "slo")).toThrow("slo.ttftMs = 3600000: ttftMs must be <= 600000 (milliseconds)");
  expect(() => parseSlo({ ...base, tpotMs: 60_001 }, "slo")).toThrow("tpotMs must be <= 60000");
  expect(parseSlo({ ...base, ttftMs: 600_000, tpotMs: 60_000 }, "slo")).toMatchObject({ ttftMs: 600_000, tpotMs: 60_000 });
});
