import { readdirSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../../lib/repo";
import { buildK6Options, expectedIterations, integerRate, missingEndpoints, scopeToMeasure, scriptEnv, smokeSteps } from "../runner/options";
import { parseDuration, parseProfile, readProfile, SERVICES } from "../runner/profile";
import { sloKeysIn } from "../runner/slo";

describe("scopeToMeasure", () => {
  it("adds the measure scenario, keeping existing tags", () => {
    expect(scopeToMeasure("llm_ttft_ms")).toBe("llm_ttft_ms{scenario:measure}");
    expect(scopeToMeasure("data_api_ms{op:get}")).toBe("data_api_ms{op:get,scenario:measure}");
    expect(scopeToMeasure("x{scenario:other}")).toBe("x{scenario:other}");
  });
});

describe("expectedIterations", () => {
  it("is rate x duration for constant arrival", () => {
    expect(expectedIterations({ rate: 4, duration: "30s" })).toBe(120);
    expect(expectedIterations({ rate: 30, timeUnit: "1m", duration: "2m" })).toBe(60);
  });
  it("integrates linear ramps", () => {
    expect(expectedIterations({ executor: "ramping-arrival-rate", startRate: 0, stages: [{ target: 10, duration: "10s" }, { target: 10, duration: "5s" }] })).toBe(100);
  });
});

describe("integerRate", () => {
  it("keeps integer rates and scales fractional ones with the time unit", () => {
    expect(integerRate([4], "1s")).toEqual({ scale: 1, timeUnit: "1s" });
    expect(integerRate([0.5], "1s")).toEqual({ scale: 1000, timeUnit: "1000000ms" });
  });
});

describe("buildK6Options", () => {
  const llm = {
    warmup: { rate: 1, duration: "10s" },
    measure: { rate: 2, duration: "60s", preAllocatedVUs: 8, maxVUs: 32 },
    thresholds: { llm_ttft_ms: ["p(99)<2000"], llm_errors: ["rate<0.01"] },
  };

  it("puts warm-up in its own scenario and starts measuring after it", () => {
    const o = buildK6Options("llm", llm);
    expect(Object.keys(o.scenarios)).toEqual(["warmup", "measure"]);
    expect(o.scenarios.measure).toMatchObject({ executor: "constant-arrival-rate", rate: 2, duration: "60s", startTime: "10000ms", maxVUs: 32 });
    expect(o.scenarios.warmup.startTime).toBe("0s");
  });

  it("scopes every threshold to the measure scenario (warm-up never counts)", () => {
    const keys = Object.keys(buildK6Options("llm", llm).thresholds);
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.every((k) => k.includes("scenario:measure"))).toBe(true);
  });

  it("guards every Trend with a sample-count threshold at 80% of the expected iterations", () => {
    const t = buildK6Options("llm", llm).thresholds;
    for (const trend of ["llm_ttft_ms", "llm_tpot_ms", "llm_e2e_ms"]) expect(t[`${trend}_samples{scenario:measure}`]).toEqual(["count>=96"]);
    expect(t["llm_requests{scenario:measure}"]).toEqual(["count>=96"]);
    expect(t["llm_output_tokens{scenario:measure}"]).toEqual(["count>=96"]);
    expect(t["dropped_iterations{scenario:measure}"]).toEqual(["count<=0"]);
    expect(t["llm_errors{scenario:measure}"]).toEqual(["rate<0.01"]); // the profile's, not the default
  });

  it("adds the default 5% error budget when the profile has none", () => {
    const t = buildK6Options("auth", { measure: { rate: 5, duration: "10s" }, thresholds: {} }).thresholds;
    expect(t["auth_errors{scenario:measure}"]).toEqual(["rate<0.05"]);
    expect(t["auth_token_ms_samples{scenario:measure}"]).toEqual(["count>=40"]);
  });

  it("makes smoke a single zero-tolerance iteration over the configured steps", () => {
    const o = buildK6Options("smoke", { measure: {}, thresholds: {} }, { smokeSteps: 4 });
    expect(o.scenarios).toEqual({ measure: { executor: "shared-iterations", vus: 1, iterations: 1, maxDuration: "2m" } });
    expect(o.thresholds).toEqual({
      "smoke_errors{scenario:measure}": ["rate==0"],
      "smoke_steps_ok{scenario:measure}": ["count>=4"],
      "checks{scenario:measure}": ["rate==1"],
    });
  });
});

describe("endpoints -> services", () => {
  it("skips services whose endpoints are absent and counts smoke steps", () => {
    const e = { llm: { baseUrl: "http://a", model: "m" } };
    expect(missingEndpoints("llm", e)).toEqual([]);
    expect(missingEndpoints("vector", e)).toEqual(["milvus"]);
    expect(missingEndpoints("smoke", {})).toHaveLength(1);
    expect(smokeSteps({ ...e, dataApi: { baseUrl: "http://d" } })).toBe(3);
  });

  it("passes endpoints and workload as env, never secrets", () => {
    const env = scriptEnv({ llm: { baseUrl: "http://a", model: "m" }, keycloak: { tokenUrl: "http://k/t", clientId: "c" } }, { maxTokens: 8 });
    expect(env).toEqual({ LLM_BASE_URL: "http://a", LLM_MODEL: "m", KEYCLOAK_TOKEN_URL: "http://k/t", KEYCLOAK_CLIENT_ID: "c", GATE_WORKLOAD: '{"maxTokens":8}' });
  });
});

describe("profiles", () => {
  it("parses k6 durations and rejects junk with the key named", () => {
    expect(parseDuration("1.5m")).toBe(90);
    expect(parseDuration("250ms")).toBe(0.25);
    expect(() => parseDuration("10", "llm.measure.duration")).toThrow(/llm.measure.duration: "10" is not a duration/);
  });

  it("rejects unknown services, VU executors and missing rates", () => {
    expect(() => parseProfile({ services: { llms: {} } }, "p")).toThrow(/unknown service "llms"/);
    expect(() => parseProfile({ services: { llm: { measure: { executor: "constant-vus" }, thresholds: {} } } }, "p")).toThrow(/executor: "constant-vus" is not allowed/);
    expect(() => parseProfile({ services: { auth: { measure: { duration: "1m" }, thresholds: {} } } }, "p")).toThrow(/measure.rate must be a positive number/);
  });

  it("keeps the LLM request checks on: no tolerance above 0.5, no TPOT floor of 0", () => {
    const llm = (workload: Record<string, unknown>) => ({ required: [], services: { llm: { measure: { rate: 1, duration: "1s" }, thresholds: {}, workload: { maxTokens: 8, ...workload } } } });
    expect(() => parseProfile(llm({ tokenTolerance: 1 }), "p")).toThrow("p: services.llm.workload.tokenTolerance must be a number in [0, 0.5]");
    expect(() => parseProfile(llm({ minTpotMs: 0 }), "p")).toThrow("p: services.llm.workload.minTpotMs must be a number > 0");
    expect(() => parseProfile(llm({ tokenTolerance: 0.2, minTpotMs: 0.5 }), "p")).not.toThrow();
  });
  it("requires a list of required services and names the key of each mistake", () => {
    const services = { llm: { measure: { rate: 1, duration: "10s" }, workload: { maxTokens: 8 }, thresholds: {} }, auth: { measure: { rate: 1, duration: "10s" }, thresholds: {} } };
    expect(parseProfile({ required: ["llm"], services }, "p").required).toEqual(["llm"]);
    expect(parseProfile({ required: [], services }, "p").required).toEqual([]);
    expect(() => parseProfile({ services }, "p")).toThrow(/^p: "required" is missing: list the services that must be tested for the gate to pass/);
    expect(() => parseProfile({ required: "llm", services }, "p")).toThrow(/^p: "required" must be an array of service names, got "llm"/);
    expect(() => parseProfile({ required: ["llm", "gpu"], services }, "p")).toThrow(/^p: required\[1\]: "gpu" is not a service; allowed: smoke, llm/);
    expect(() => parseProfile({ required: ["llm", "llm"], services }, "p")).toThrow(/^p: required\[1\]: "llm" is listed twice/);
    expect(() => parseProfile({ required: ["vector"], services }, "p")).toThrow(/^p: required\[0\]: "vector" has no entry under "services", so it could never be tested/);
  });

  const files = readdirSync(path.join(REPO_ROOT, "loadtests", "profiles")).filter((f) => f.endsWith(".json"));

  it("ships a profile per stack", () => {
    expect(files.sort()).toEqual(["dev.json", "local.json", "prod.json", "staging.json"]);
  });

  it.each(files)("%s covers every service and builds guarded options", (file) => {
    const p = readProfile(path.join(REPO_ROOT, "loadtests", "profiles", file));
    expect(Object.keys(p.services).sort()).toEqual([...SERVICES].sort());
    for (const s of SERVICES) {
      const o = buildK6Options(s, p.services[s]!, { smokeSteps: 4 });
      const guards = Object.keys(o.thresholds).filter((k) => k.includes("_samples{") || k.startsWith("smoke_steps_ok"));
      expect(guards.length).toBeGreaterThan(0);
    }
  });

  it("requires every service in prod and staging, and the smoke pass everywhere", () => {
    const required = (stack: string) => readProfile(path.join(REPO_ROOT, "loadtests", "profiles", `${stack}.json`)).required;
    expect(required("prod")).toEqual([...SERVICES]);
    expect(required("staging")).toEqual([...SERVICES]);
    expect(required("dev")).toEqual(["smoke", "llm", "data-api", "agent-api"]);
    expect(required("local")).toEqual(["smoke", "llm", "data-api"]);
    // A profile that requires less says why in its description.
    for (const stack of ["dev", "local"]) expect(readProfile(path.join(REPO_ROOT, "loadtests", "profiles", `${stack}.json`)).description).toMatch(/Required: /);
  });

  it("carry no LLM SLO numbers: the stack's ods:model.slo is their one home", () => {
    for (const file of files) {
      const llm = readProfile(path.join(REPO_ROOT, "loadtests", "profiles", file)).services.llm!;
      expect(sloKeysIn(llm)).toEqual([]);
      expect(llm.workload?.maxTokens).toEqual(file === "local.json" ? 64 : 128);
    }
  });
});

describe("bench step verdict", () => {
  // Imported lazily: bench.ts pulls in the fixture server, which this file otherwise does not need.
  const { stepHolds } = jest.requireActual<typeof import("../runner/bench")>("../runner/bench");
  it("holds only with no drops, no errors and p50/p95 TTFT within 5%", () => {
    expect(stepHolds(300, 314, 300, 0, 0)).toBe(true);
    expect(stepHolds(300, 316, 300, 0, 0)).toBe(false);
    expect(stepHolds(284, 300, 300, 0, 0)).toBe(false);
    expect(stepHolds(300, 300, 300, 1, 0)).toBe(false);
    expect(stepHolds(300, 300, 300, 0, 2)).toBe(false);
  });
});
