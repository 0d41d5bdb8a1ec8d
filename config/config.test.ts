// Config validation: every stack parses; each class of bad input fails naming the key, the value and what is allowed.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseRawConfig, validateConfig } from "./load";
import { TOP_LEVEL_KEYS } from "./schema";
import { readStackConfig, listStacks } from "./stackFile";
import { configErrorOf } from "../test/harness";
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_MODEL } from "../test/minimalConfig";

const ROOT = path.resolve(__dirname, "..");

function raw(stack: string): Record<string, string> {
  return readStackConfig(ROOT, stack).config;
}

/** The prod stack's raw config with one top-level key replaced (value JSON-encoded unless a string). */
function prodWith(key: string, value: unknown): Record<string, string> {
  return { ...raw("prod"), [`ods:${key}`]: typeof value === "string" ? value : JSON.stringify(value) };
}

type Obj = Record<string, unknown>;

/** The prod stack's infra section, changed by `edit`, as raw config. */
function prodInfra(edit: (infra: Obj & { aws: Obj; gpuPools: Obj[] }) => void, stack = "prod"): Record<string, string> {
  const infra = JSON.parse(raw(stack)["ods:infra"]) as Obj & { aws: Obj; gpuPools: Obj[] };
  edit(infra);
  return { ...raw(stack), "ods:infra": JSON.stringify(infra) };
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
    expect(prod.infra.aws?.endpoint).toEqual({ privateAccess: true, publicAccess: false, publicAccessCidrs: [] });
    expect(prod.infra.aws?.logTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(prod.infra.gpuOperator).toEqual({ enabled: true, driver: false, toolkit: false, timeSlicingReplicas: 1, serviceMonitor: true });
    const local = parseRawConfig(raw("local"));
    expect(local.infra.kind).toBe("existing");
    expect(local.infra.aws).toBeUndefined();
    expect(local.infra.existingCluster).toEqual({ kubeconfig: "~/.kube/config", context: "kind-ods", storageClass: "standard", gpus: 0, kubernetesVersion: "1.35", nodes: { count: 1, cpu: "8", memory: "16Gi" }, registry: "localhost:5001", imagePlatform: "linux/amd64" });
    expect(local.infra.gpuOperator.enabled).toBe(false);
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
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.kind = "gcp"))))).toContain('ods:infra.kind = "gcp": allowed: one of "aws", "existing"');
  });

  test("negative node count", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), minSize: -1 }))));
    expect(msg).toContain("ods:infra.aws.systemNodes.minSize = -1: minSize must be >= 0");
  });

  test("min > max in a GPU pool", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[1] = { ...i.gpuPools[1], minSize: 3, desiredSize: 3, maxSize: 2 }))));
    expect(msg).toContain("ods:infra.gpuPools[1].minSize = 3: minSize 3 is greater than maxSize 2; allowed: minSize <= desiredSize <= maxSize");
  });

  test("desired outside [min, max]", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], desiredSize: 9 }))));
    expect(msg).toContain("ods:infra.gpuPools[0].desiredSize = 9: desiredSize 9 is outside [minSize 2, maxSize 8]");
  });

  test("GPU pool with no instance types", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], instanceTypes: [] }))));
    expect(msg).toContain("ods:infra.gpuPools[0].instanceTypes = []: a GPU pool needs at least one instance type");
  });

  test("the subnet layout's rules are config rules: a /24 VPC and seven zones fail before anything is declared", () => {
    const msg = configErrorOf(() =>
      parseRawConfig(prodInfra((i) => {
        i.aws.vpcCidr = "10.40.0.0/24";
        i.aws.availabilityZones = ["a", "b", "c", "d", "e", "f", "g"].map((z) => `us-east-1${z}`);
      })),
    );
    expect(msg).toContain('ods:infra.aws.vpcCidr = "10.40.0.0/24": prefix /24 is not supported; allowed: /16 to /20');
    expect(msg).toContain("ods:infra.aws.availabilityZones = [");
    expect(msg).toContain("7 zones given; allowed: at most 6");
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.vpcCidr = "10.40.1.0/16"))))).toContain("host bits are set; allowed: a network address such as 10.40.0.0/16");
    expect(() => parseRawConfig(prodInfra((i) => (i.aws.vpcCidr = "10.40.16.0/20")))).not.toThrow();
  });

  test("an IP address is not a domain (a certificate and the ACME issuer need names)", () => {
    expect(configErrorOf(() => parseRawConfig(prodWith("domain", "203.0.113.10")))).toContain('ods:domain = "203.0.113.10": must be a DNS domain, not an IP address');
    expect(parseRawConfig(prodWith("domain", "ods.example.com")).domain).toBe("ods.example.com");
  });

  test("malformed domain", () => {
    expect(configErrorOf(() => parseRawConfig(prodWith("domain", "ods_example..com")))).toContain(
      'ods:domain = "ods_example..com": must be a lower-case DNS domain with at least two labels, such as dev.ods.example.com',
    );
  });

  test("missing required key", () => {
    const config = raw("prod");
    delete config["ods:environment"];
    expect(configErrorOf(() => parseRawConfig(config))).toContain("ods:environment is required (string)");
  });

  test("aws section missing for kind aws", () => {
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => delete (i as Obj).aws)))).toContain('ods:infra.aws (not set): is required when kind is "aws"');
  });

  test("the infra section itself is required", () => {
    const config = raw("prod");
    delete config["ods:infra"];
    expect(configErrorOf(() => parseRawConfig(config))).toContain("ods:infra is required (object)");
  });

  test("unknown top-level key in the ods namespace is rejected, not ignored", () => {
    const msg = configErrorOf(() => parseRawConfig({ ...raw("prod"), "ods:gpuPools": "[]" }));
    expect(msg).toContain("ods:gpuPools: unknown key; allowed keys: ods:environment, ods:domain, ods:namePrefix, ods:highAvailability, ods:infra");
    expect(msg).not.toContain("[]");
  });

  test("a typo in a nested key is rejected with the allowed keys there", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), maxSzie: 4 }))));
    expect(msg).toContain("ods:infra.aws.systemNodes.maxSzie: unknown key; allowed keys here: instanceTypes, minSize, desiredSize, maxSize, diskSizeGiB");
  });

  test("keys of other namespaces (providers) are left alone", () => {
    expect(() => parseRawConfig({ ...raw("prod"), "aws:region": "us-east-1", "kubernetes:context": "x" })).not.toThrow();
  });

  test("a value that is not valid structured config", () => {
    expect(configErrorOf(() => parseRawConfig(prodWith("infra", "{broken")))).toContain('ods:infra = "{broken": not a valid value');
  });

  test("HA needs three zones, and zones must be in the region", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.availabilityZones = ["us-east-1a", "eu-west-1b"]))));
    expect(msg).toContain('ods:infra.aws.availabilityZones[1] = "eu-west-1b": is not in region us-east-1');
    expect(msg).toContain("highAvailability needs at least 3 availability zones (quorum survives the loss of one); got 2");
  });

  test("a public endpoint needs named CIDRs", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.endpoint = { privateAccess: true, publicAccess: true }))));
    expect(msg).toContain("ods:infra.aws.endpoint.publicAccessCidrs (not set): publicAccess is true but no publicAccessCidrs are given");
  });

  test("GPU pools on an existing cluster", () => {
    const pool = { name: "x", instanceTypes: ["g6.xlarge"], gpuType: "l4", gpusPerNode: 1, capacityType: "spot", minSize: 0, desiredSize: 0, maxSize: 1 };
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools = [pool]), "local")))).toContain('ods:infra.gpuPools = [{"name":"x"');
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools = [pool]), "local")))).toContain('GPU node pools can only be created when kind is "aws"');
  });

  test("every problem is reported at once", () => {
    const err = (() => {
      try {
        validateConfig({ environment: "Prod!", domain: "x", infra: { kind: "gcp" }, data: MINIMAL_DATA, model: MINIMAL_MODEL, apps: MINIMAL_APPS });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("no error");
    })();
    expect(err.problems).toHaveLength(3);
    expect(err.problems.join("\n")).toMatch(/ods:environment = "Prod!".*ods:domain = "x".*ods:infra.kind = "gcp"/s);
  });

  test("a bad quantity in a namespace quota", () => {
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.namespaces = { model: { quota: { requestsMemory: "lots" } } }))))).toContain(
      'ods:infra.namespaces.model.quota.requestsMemory = "lots": must be a Kubernetes quantity such as 500m, 2, 4Gi or 512Mi',
    );
  });

  test("instance types are EC2 names, never free text", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), instanceTypes: ["$(id)"] }))));
    expect(msg).toContain('ods:infra.aws.systemNodes.instanceTypes[0] = "$(id)": must be an EC2 instance type such as m6i.xlarge or g6e.2xlarge');
    expect(configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], instanceTypes: ["g6e 2xlarge"] }))))).toContain("ods:infra.gpuPools[0].instanceTypes[0]");
  });

  test("a GPU pool must be made of NVIDIA GPU instances with gpusPerNode GPUs; the system nodes of CPU instances", () => {
    const cpuPool = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], instanceTypes: ["m6i.2xlarge"] }))));
    expect(cpuPool).toContain('ods:infra.gpuPools[0].instanceTypes[0] = "m6i.2xlarge": m6i.2xlarge is not an NVIDIA GPU instance type the EKS x86-64 NVIDIA AMI runs on; allowed families: p3,');
    const arm = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], instanceTypes: ["g5g.xlarge"] }))));
    expect(arm).toContain("g5g.xlarge is not an NVIDIA GPU instance type");
    const count = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.gpuPools[0] = { ...i.gpuPools[0], instanceTypes: ["g6e.2xlarge", "g6e.12xlarge"] }))));
    expect(count).toContain("ods:infra.gpuPools[0].gpusPerNode = 1: g6e.12xlarge has 4 GPU(s) but gpusPerNode is 1; allowed: every instance type of a pool has gpusPerNode GPUs");
    const gpuSystem = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), instanceTypes: ["m6i.2xlarge", "p5.48xlarge"] }))));
    expect(gpuSystem).toContain('ods:infra.aws.systemNodes.instanceTypes[1] = "p5.48xlarge": p5.48xlarge is a GPU/accelerator instance type; allowed: CPU instance types');
  });

  test("sizes are bounded: a node group of 10000 nodes, a 100 TiB disk, a million pods", () => {
    const msg = configErrorOf(() =>
      parseRawConfig(
        prodInfra((i) => {
          i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), maxSize: 10000, diskSizeGiB: 100000 };
          i.namespaces = { apps: { quota: { pods: 1000000 } } };
        }),
      ),
    );
    expect(msg).toContain("ods:infra.aws.systemNodes.maxSize = 10000: maxSize (EKS allows 450 nodes per managed node group) must be <= 450");
    expect(msg).toContain("ods:infra.aws.systemNodes.diskSizeGiB = 100000: must be <= 16384 GiB (the largest gp3 volume)");
    expect(msg).toContain("ods:infra.namespaces.apps.quota.pods = 1000000: pods must be <= 100000");
  });

  test("a LimitRange the API server would reject fails, after the overrides are merged over the defaults", () => {
    const msg = configErrorOf(() => parseRawConfig(prodInfra((i) => (i.namespaces = { apps: { limitRange: { defaultRequestMemory: "1Gi", maxLimitMemory: "768Mi" } } }))));
    expect(msg).toContain('ods:infra.namespaces.apps.limitRange.defaultRequestMemory = "1Gi": defaultRequestMemory 1Gi is more than defaultLimitMemory 512Mi');
    expect(msg).toContain("defaultRequestMemory 1Gi is more than maxLimitMemory 768Mi");
    expect(() => parseRawConfig(prodInfra((i) => (i.namespaces = { apps: { limitRange: { defaultRequestMemory: "256Mi", maxLimitMemory: "1Gi" } } })))).not.toThrow();
  });

  test("a world-open API endpoint needs a stated reason", () => {
    const open = (reason?: string) => prodInfra((i) => (i.aws.endpoint = { privateAccess: true, publicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"], ...(reason ? { worldOpenReason: reason } : {}) }));
    expect(configErrorOf(() => parseRawConfig(open()))).toContain('ods:infra.aws.endpoint.publicAccessCidrs[1] = "0.0.0.0/0": opens the Kubernetes API to (nearly) the whole internet');
    expect(configErrorOf(() => parseRawConfig(open("because")))).toContain("ods:infra.aws.endpoint.worldOpenReason");
    expect(parseRawConfig(open("Demo cluster for a public workshop; torn down on 2026-12-01")).infra.aws?.endpoint.worldOpenReason).toMatch(/workshop/);
  });
});
