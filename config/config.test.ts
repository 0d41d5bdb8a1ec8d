// Config validation: every stack parses; each class of bad input fails naming the key, the value and what is allowed.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseRawConfig, validateConfig } from "./load";
import { TOP_LEVEL_KEYS } from "./schema";
import { readStackConfig, listStacks } from "../plan/stackConfig";

const ROOT = path.resolve(__dirname, "..");

function raw(stack: string): Record<string, string> {
  return readStackConfig(ROOT, stack).config;
}

/** The prod stack's raw config with one top-level key replaced (value JSON-encoded unless a string). */
function prodWith(key: string, value: unknown): Record<string, string> {
  return { ...raw("prod"), [`ods:${key}`]: typeof value === "string" ? value : JSON.stringify(value) };
}

function prodAws(): Record<string, unknown> {
  return JSON.parse(raw("prod")["ods:aws"]) as Record<string, unknown>;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("the shipped stacks", () => {
  test("there are exactly the four documented stacks", () => {
    expect(listStacks(ROOT)).toEqual(["dev", "local", "prod", "staging"]);
  });

  test.each(["local", "dev", "staging", "prod"])("%s parses", (stack) => {
    expect(() => parseRawConfig(raw(stack))).not.toThrow();
  });

  test("defaults are applied and stack values win", () => {
    const prod = parseRawConfig(raw("prod"));
    expect(prod.highAvailability).toBe(true);
    expect(prod.namePrefix).toBe("ods");
    expect(prod.aws?.endpoint).toEqual({ privateAccess: true, publicAccess: false, publicAccessCidrs: [] });
    expect(prod.aws?.logTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(prod.gpuOperator).toEqual({ driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true });
    const local = parseRawConfig(raw("local"));
    expect(local.kind).toBe("existing");
    expect(local.aws).toBeUndefined();
    expect(local.existingCluster).toEqual({ kubeconfig: "~/.kube/config", context: "kind-ods", storageClass: "standard", gpus: 0 });
  });

  test("Pulumi.yaml declares exactly the keys the schema knows", () => {
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { config: Record<string, { type?: string; description?: string }> };
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(TOP_LEVEL_KEYS).sort());
    for (const [key, decl] of Object.entries(project.config)) {
      expect(decl.description?.length ?? 0).toBeGreaterThan(10);
      expect(decl.type).toMatch(TOP_LEVEL_KEYS[key as keyof typeof TOP_LEVEL_KEYS] === "string" ? /^string$/ : /^(boolean|object|array)$/);
    }
  });
});

describe("bad input fails before anything is declared, naming key, value and what is allowed", () => {
  test("unknown environment kind", () => {
    expect(errorOf(() => parseRawConfig(prodWith("kind", "gcp")))).toContain('ods:kind = "gcp": allowed: one of "aws", "existing"');
  });

  test("negative node count", () => {
    const aws = prodAws();
    aws.systemNodes = { ...(aws.systemNodes as object), minSize: -1 };
    expect(errorOf(() => parseRawConfig(prodWith("aws", aws)))).toContain("ods:aws.systemNodes.minSize = -1: minSize must be >= 0");
  });

  test("min > max in a GPU pool", () => {
    const pools = JSON.parse(raw("prod")["ods:gpuPools"]) as Record<string, unknown>[];
    pools[1] = { ...pools[1], minSize: 3, desiredSize: 3, maxSize: 2 };
    const msg = errorOf(() => parseRawConfig(prodWith("gpuPools", pools)));
    expect(msg).toContain("ods:gpuPools[1].minSize = 3: minSize 3 is greater than maxSize 2; allowed: minSize <= desiredSize <= maxSize");
  });

  test("desired outside [min, max]", () => {
    const pools = JSON.parse(raw("prod")["ods:gpuPools"]) as Record<string, unknown>[];
    pools[0] = { ...pools[0], desiredSize: 9 };
    expect(errorOf(() => parseRawConfig(prodWith("gpuPools", pools)))).toContain("ods:gpuPools[0].desiredSize = 9: desiredSize 9 is outside [minSize 2, maxSize 8]");
  });

  test("GPU pool with no instance types", () => {
    const pools = JSON.parse(raw("prod")["ods:gpuPools"]) as Record<string, unknown>[];
    pools[0] = { ...pools[0], instanceTypes: [] };
    expect(errorOf(() => parseRawConfig(prodWith("gpuPools", pools)))).toContain("ods:gpuPools[0].instanceTypes = []: a GPU pool needs at least one instance type");
  });

  test("malformed domain", () => {
    expect(errorOf(() => parseRawConfig(prodWith("domain", "ods_example..com")))).toContain(
      'ods:domain = "ods_example..com": must be a lower-case DNS domain with at least two labels, such as dev.ods.example.com',
    );
  });

  test("missing required key", () => {
    const config = raw("prod");
    delete config["ods:environment"];
    expect(errorOf(() => parseRawConfig(config))).toContain("ods:environment is required (string)");
  });

  test("aws section missing for kind aws", () => {
    const config = raw("prod");
    delete config["ods:aws"];
    expect(errorOf(() => parseRawConfig(config))).toContain('ods:aws = (missing): is required when kind is "aws"');
  });

  test("unknown top-level key in the ods namespace is rejected, not ignored", () => {
    const msg = errorOf(() => parseRawConfig({ ...raw("prod"), "ods:gpuPool": "[]" }));
    expect(msg).toContain('ods:gpuPool = "[]": unknown key; allowed keys: ods:environment, ods:kind');
  });

  test("a typo in a nested key is rejected with the allowed keys there", () => {
    const aws = prodAws();
    aws.systemNodes = { ...(aws.systemNodes as object), maxSzie: 4 };
    const msg = errorOf(() => parseRawConfig(prodWith("aws", aws)));
    expect(msg).toContain("ods:aws.systemNodes.maxSzie = 4: unknown key; allowed keys here: instanceTypes, minSize, desiredSize, maxSize, diskSizeGiB");
  });

  test("keys of other namespaces (providers) are left alone", () => {
    expect(() => parseRawConfig({ ...raw("prod"), "aws:region": "us-east-1", "kubernetes:context": "x" })).not.toThrow();
  });

  test("a value that is not valid structured config", () => {
    expect(errorOf(() => parseRawConfig(prodWith("gpuPools", "[{broken")))).toContain('ods:gpuPools = "[{broken": not a valid value');
  });

  test("HA needs three zones, and zones must be in the region", () => {
    const aws = { ...prodAws(), availabilityZones: ["us-east-1a", "eu-west-1b"] };
    const msg = errorOf(() => parseRawConfig(prodWith("aws", aws)));
    expect(msg).toContain('ods:aws.availabilityZones[1] = "eu-west-1b": is not in region us-east-1');
    expect(msg).toContain("highAvailability needs at least 3 availability zones (quorum survives the loss of one); got 2");
  });

  test("a public endpoint needs named CIDRs", () => {
    const aws = { ...prodAws(), endpoint: { privateAccess: true, publicAccess: true } };
    expect(errorOf(() => parseRawConfig(prodWith("aws", aws)))).toContain("ods:aws.endpoint.publicAccessCidrs = (missing): publicAccess is true but no publicAccessCidrs are given");
  });

  test("GPU pools on an existing cluster", () => {
    const config = { ...raw("local"), "ods:gpuPools": JSON.stringify([{ name: "x", instanceTypes: ["g6.xlarge"], gpuType: "l4", gpusPerNode: 1, capacityType: "spot", minSize: 0, desiredSize: 0, maxSize: 1 }]) };
    expect(errorOf(() => parseRawConfig(config))).toContain('GPU node pools can only be created when kind is "aws"');
  });

  test("every problem is reported at once", () => {
    const err = (() => {
      try {
        validateConfig({ environment: "Prod!", kind: "gcp", domain: "x" });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("no error");
    })();
    expect(err.problems).toHaveLength(3);
    expect(err.problems.join("\n")).toMatch(/ods:environment = "Prod!".*ods:kind = "gcp".*ods:domain = "x"/s);
  });

  test("a bad quantity in a namespace quota", () => {
    expect(errorOf(() => parseRawConfig(prodWith("namespaces", { model: { quota: { requestsMemory: "lots" } } })))).toContain(
      'ods:namespaces.model.quota.requestsMemory = "lots": must be a Kubernetes quantity such as 500m, 2, 4Gi or 512Mi',
    );
  });
});
