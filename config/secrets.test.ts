// No error message ever contains a secret value: every error path is fed a secret and checked.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, HIDDEN, parseRawConfig } from "./load";
import { loadConfig, validatePulumiConfig } from ".";
import * as YAML from "yaml";
import { OFFLINE_SECRET_PLACEHOLDER, readStackConfig, sameConfigApartFromSecrets, validateStackConfig } from "./stackFile";
import { cachedPlan } from "../plan/planCache";
import { isWebhookUrl, offlinePlaceholder } from "./schema";
import { readStackSlo } from "./schema/slo";
import { configErrorOf } from "../test/harness";

const ROOT = path.resolve(__dirname, "..");
const SECRET = "Zq9-sentinel-Secret-7Kx";
type Obj = Record<string, unknown>;

const raw = (stack = "prod") => readStackConfig(ROOT, stack).config;


/** The prod config with `ods:infra` edited and marked secret (as Pulumi marks a key holding a nested secure value). */
function secretInfra(edit: (infra: Obj & { aws: Obj; gpuPools: Obj[] }) => void): string {
  const infra = JSON.parse(raw()["ods:infra"]) as Obj & { aws: Obj; gpuPools: Obj[] };
  edit(infra);
  return configErrorOf(() => parseRawConfig({ ...raw(), "ods:infra": JSON.stringify(infra) }, ["ods:infra"]));
}

describe("a secret never appears in a config error, whatever the path", () => {
  const cases: [string, () => string, string][] = [
    ["an unknown top-level key holding a secret", () => configErrorOf(() => parseRawConfig({ ...raw(), "ods:apiToken": SECRET }, ["ods:apiToken"])), "ods:apiToken: unknown key"],
    ["an unknown top-level key holding a secret not marked secret", () => configErrorOf(() => parseRawConfig({ ...raw(), "ods:apiToken": SECRET })), "ods:apiToken: unknown key"],
    [
      "an inline kubeconfig under a misspelt key, not marked secret",
      () => configErrorOf(() => parseRawConfig({ ...raw("local"), "ods:infra": JSON.stringify({ kind: "existing", existingCluster: { kubeConfig: `apiVersion: v1\nusers:\n- user: {token: ${SECRET}}` } }) })),
      "ods:infra.existingCluster.kubeConfig: unknown key",
    ],
    ["a secret string key with a bad value", () => configErrorOf(() => parseRawConfig({ ...raw(), "ods:domain": `${SECRET}..x` }, ["ods:domain"])), `ods:domain = ${HIDDEN}: must be a lower-case DNS domain`],
    ["a structured secret that is not valid JSON", () => configErrorOf(() => parseRawConfig({ ...raw(), "ods:infra": `{${SECRET}` }, ["ods:infra"])), `ods:infra = ${HIDDEN}: not a valid value`],
    ["an unknown nested key inside a secret key", () => secretInfra((i) => (i.token = SECRET)), "ods:infra.token: unknown key"],
    ["a wrong type inside a secret key", () => secretInfra((i) => (i.aws.systemNodes = { ...(i.aws.systemNodes as Obj), minSize: SECRET })), `ods:infra.aws.systemNodes.minSize = ${HIDDEN}: expected number`],
    ["an enum value inside a secret key", () => secretInfra((i) => (i.kind = SECRET)), `ods:infra.kind = ${HIDDEN}: allowed: one of "aws", "existing"`],
    ["a pattern rule inside a secret key", () => secretInfra((i) => (i.aws.ebsCsiAddonVersion = SECRET)), `ods:infra.aws.ebsCsiAddonVersion = ${HIDDEN}: must look like`],
    ["a custom rule that repeats another value (zones not in the region)", () =>
        secretInfra((i) => {
          i.aws.region = "us-east-9";
          i.aws.availabilityZones = [`${SECRET}a`, "us-east-9b", "us-east-9c"];
        }), `ods:infra.aws.availabilityZones[0] = ${HIDDEN}: is not in region ${HIDDEN}`],
    ["a duplicate name inside a secret key", () => secretInfra((i) => (i.gpuPools = [{ ...i.gpuPools[0], name: "zq-sentinel-secret" }, { ...i.gpuPools[1], name: "zq-sentinel-secret" }])), `duplicate pool name "${HIDDEN}"`],
  ];
  test.each(cases)("%s", (_what, run, expected) => {
    const msg = run();
    expect(msg).toContain(expected);
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain("zq-sentinel-secret");
  });

  test("the same holds through loadConfig, with the secret keys Pulumi reports", () => {
    pulumi.runtime.setAllConfig({ ...raw(), "ods:apiToken": SECRET }, ["ods:apiToken"]);
    const msg = configErrorOf(() => loadConfig());
    expect(msg).toContain("ods:apiToken: unknown key");
    expect(msg).not.toContain(SECRET);
  });

  test("without the secret mark a bad value is shown (the checks above are not vacuous)", () => {
    expect(configErrorOf(() => parseRawConfig({ ...raw(), "ods:domain": `${SECRET}..x` }))).toContain(SECRET);
  });
});

describe("secrets in stack files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-secrets-"));
  const write = (name: string, text: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("nested and structured secure: values are accepted, replaced offline and mark their key secret", () => {
    const file = write("nested.yaml", "config:\n  ods:environment: t\n  ods:domain: t.example.com\n  ods:infra:\n    kind: existing\n    existingCluster:\n      kubeconfig:\n        secure: v1:abc\n      context: kind-ods\n  ods:data:\n    objectStore: { kind: minio }\n    dataApi: { image: \"ghcr.io/one-data-studio/data-api:1.0.0\" }\n  ods:model:\n    slo: { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 }\n    models: [{ name: tiny, modelId: Qwen/Qwen2.5-0.5B-Instruct, revision: v1, maxModelLen: 4096 }]\n  ods:apps:\n    agentApi: { image: \"ghcr.io/one-data-studio/agent-api:1.0.0\" }\n    web: { image: \"ghcr.io/one-data-studio/web:1.0.0\" }\n  ods:edge:\n    issuer: { kind: selfSigned }\n");
    const sc = readStackConfig(ROOT, "t", file);
    expect(sc.secretKeys).toEqual(["ods:infra"]);
    expect(JSON.parse(sc.config["ods:infra"]).existingCluster.kubeconfig).toBe(OFFLINE_SECRET_PLACEHOLDER);
    expect(parseRawConfig(sc.config, sc.secretKeys).infra.existingCluster?.context).toBe("kind-ods");
  });

  test("receivers given as the docs say (webhookUrl: {secure: ...}) plan offline: the placeholder has the form the key requires", async () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Obj> };
    doc.config["ods:observability"] = { ...doc.config["ods:observability"], alertmanager: { receivers: [{ name: "oncall", webhookUrl: { secure: "v1:AAABAJ0fake" } }] } };
    const file = write("receivers.yaml", YAML.stringify(doc));
    const sc = readStackConfig(ROOT, "dev", file);
    expect(sc.secretKeys).toContain("ods:observability");
    const url = JSON.parse(sc.config["ods:observability"]).alertmanager.receivers[0].webhookUrl as string;
    expect(url).toBe(offlinePlaceholder("observability.alertmanager.receivers[0].webhookUrl"));
    expect(isWebhookUrl(url)).toBe(true);
    // The bad case: the generic placeholder is not a URL, and was refused by the schema.
    expect(isWebhookUrl(OFFLINE_SECRET_PLACEHOLDER)).toBe(false);
    expect(parseRawConfig(sc.config, sc.secretKeys).observability.alertmanager.receivers).toEqual([expect.objectContaining({ name: "oncall" })]);
    const planned = await cachedPlan("dev", { stackFile: file });
    const secret = planned.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && JSON.stringify(r.inputs).includes("alertmanager"));
    expect(JSON.stringify(planned.resources)).not.toContain("offline-plan-placeholder.invalid");
    expect(secret).toBeDefined();
  });

  test("a webhook URL that is not a URL is never echoed, marked secret or not (a key that may hold a secret is never shown)", () => {
    const bad = `not a url ${SECRET}`;
    for (const secretKeys of [[], ["ods:observability"]]) {
      const msg = configErrorOf(() => parseRawConfig({ ...raw(), "ods:observability": JSON.stringify({ alertmanager: { receivers: [{ name: "oncall", webhookUrl: bad }] } }) }, secretKeys));
      expect(msg).toContain(`ods:observability.alertmanager.receivers[0].webhookUrl = ${HIDDEN}: must be an http(s) URL`);
      expect(msg).not.toContain(SECRET);
    }
    // The bad case: a key that may not hold a secret still shows its value.
    expect(configErrorOf(() => parseRawConfig({ ...raw(), "ods:observability": JSON.stringify({ alertmanager: { receivers: [{ name: `Bad ${SECRET}`, webhookUrl: "https://h.example.com/x" }] } }) }, ["ods:observability"]))).not.toContain(SECRET);
    expect(configErrorOf(() => parseRawConfig({ ...raw(), "ods:observability": JSON.stringify({ alertmanager: { receivers: [{ name: `Bad ${SECRET}`, webhookUrl: "https://h.example.com/x" }] } }) }))).toContain(SECRET);
  });

  test("an inline kubeconfig in plain text is refused without being shown; as a secret it is accepted", () => {
    const inline = `apiVersion: v1\nclusters:\n- cluster: {server: https://k}\nusers:\n- user: {token: ${SECRET}}\n`;
    const config = { ...raw("local"), "ods:infra": JSON.stringify({ kind: "existing", existingCluster: { kubeconfig: inline, registry: "localhost:5001" } }) };
    const msg = configErrorOf(() => parseRawConfig(config));
    expect(msg).toContain(`ods:infra.existingCluster.kubeconfig = ${HIDDEN}: holds an inline kubeconfig (credentials) in plain text`);
    expect(msg).not.toContain(SECRET);
    expect(parseRawConfig(config, ["ods:infra"]).infra.existingCluster?.kubeconfig).toBe(inline);
    // Reported whatever else is wrong.
    const both = configErrorOf(() => parseRawConfig({ ...config, "ods:domain": "x" }));
    expect(both).toContain("holds an inline kubeconfig (credentials) in plain text");
    expect(both).toContain('ods:domain = "x"');
    expect(parseRawConfig({ ...config, "ods:infra": JSON.stringify({ kind: "existing", existingCluster: { kubeconfig: "~/.kube/ods", registry: "localhost:5001" } }) }).infra.existingCluster?.kubeconfig).toBe("~/.kube/ods");
  });

  test("a YAML syntax error names the line and column, never the text", () => {
    const file = write("broken.yaml", `config:\n  ods:environment: t\n  ods:token: "${SECRET}\n  bad: [\n`);
    const msg = configErrorOf(() => readStackConfig(ROOT, "t", file));
    expect(msg).toMatch(/broken\.yaml: not valid YAML at line \d+, column \d+/);
    expect(msg).not.toContain(SECRET);
  });

  test("an unknown tag or directive refuses the file by position and code; nothing repeats the line (no warning printed either)", () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const err = jest.spyOn(console, "warn").mockImplementation((m: string) => void warnings.push(String(m)));
    try {
      const tag = write("tag.yaml", `config:\n  ods:environment: t\n  ods:domain: !!foo ${SECRET}\n`);
      const tagMsg = configErrorOf(() => readStackConfig(ROOT, "t", tag));
      expect(tagMsg).toMatch(/tag\.yaml: an unknown tag at line 3, column \d+ \(TAG_RESOLVE_FAILED\)/);
      const directive = write("directive.yaml", `%FOO ${SECRET}\n---\nconfig:\n  ods:environment: t\n`);
      const dirMsg = configErrorOf(() => readStackConfig(ROOT, "t", directive));
      expect(dirMsg).toMatch(/directive\.yaml: .* at line 1, column 1 \(BAD_DIRECTIVE\)/);
      for (const m of [tagMsg, dirMsg]) expect(m).not.toContain(SECRET);
    } finally {
      process.off("warning", onWarning);
      err.mockRestore();
    }
    expect(warnings.join("\n")).not.toContain(SECRET);
    // The bad case: the yaml package on its own prints the line, value and all.
    const YAMLpkg = jest.requireActual<typeof import("yaml")>("yaml");
    const doc = YAMLpkg.parseDocument(`config:\n  ods:domain: !!foo ${SECRET}\n`, { logLevel: "silent" });
    expect(doc.warnings.map((w) => w.message).join("\n")).toContain(SECRET);
  });

  test("the gate's SLO reader never echoes a secure: value or the file's text", () => {
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), "ods-slo-"));
    try {
      fs.writeFileSync(path.join(dir2, "Pulumi.t.yaml"), `config:\n  ods:model:\n    slo: { percentile: 99, ttftMs: { secure: ${SECRET} }, tpotMs: 100, goodput: 0.9 }\n`);
      const msg = (() => {
        try {
          readStackSlo("t", dir2);
          return "";
        } catch (e) {
          return (e as Error).message;
        }
      })();
      expect(msg).toContain("ttftMs = (a secure: value, not shown): may not be secret");
      expect(msg).not.toContain(SECRET);
      fs.writeFileSync(path.join(dir2, "Pulumi.t.yaml"), `config:\n  ods:model:\n    slo: !!foo ${SECRET}\n`);
      expect(() => readStackSlo("t", dir2)).toThrow(/unknown tag at line 3/);
      expect(() => readStackSlo("t", dir2)).not.toThrow(new RegExp(SECRET));
    } finally {
      fs.rmSync(dir2, { recursive: true, force: true });
    }
  });

  test("a stack file that is a directory or a FIFO is refused at once, naming the file", () => {
    const d = path.join(dir, "Pulumi.isdir.yaml");
    fs.mkdirSync(d);
    expect(configErrorOf(() => readStackConfig(ROOT, "t", d))).toMatch(/Pulumi\.isdir\.yaml: is a directory; a stack file is a regular YAML file/);
    const fifo = path.join(dir, "Pulumi.fifo.yaml");
    execFileSync("mkfifo", [fifo]);
    // Without the check this read blocks for ever (the test's timeout would be the failure).
    expect(configErrorOf(() => readStackConfig(ROOT, "t", fifo))).toMatch(/Pulumi\.fifo\.yaml: is a named pipe \(FIFO\); a stack file is a regular YAML file/);
    fs.renameSync(fifo, path.join(dir, "Pulumi.t.yaml"));
    expect(() => readStackSlo("t", dir)).toThrow(/is a named pipe/);
  });

  test("binary input is refused and never echoed", () => {
    const file = write("binary.yaml", Buffer.from([0x63, 0x6f, 0x6e, 0x66, 0x69, 0x67, 0x3a, 0x0a, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe]));
    expect(configErrorOf(() => readStackConfig(ROOT, "t", file))).toMatch(/binary\.yaml: is not UTF-8 text \(binary content\?\); a stack file is YAML$/m);
    const escapes = write("escape.yaml", "config:\n  ods:environment: \u001b[2Jt\n");
    const msg = configErrorOf(() => readStackConfig(ROOT, "t", escapes));
    expect(msg).toContain("contains control characters");
    expect(msg).not.toContain("\u001b");
  });
});

describe("the shape of a stack file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-shape-"));
  const file = (text: string) => {
    const f = path.join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(f, text);
    return f;
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const problems = (text: string) => {
    try {
      readStackConfig(ROOT, "t", file(text));
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  test.each([
    ["config: that is a string", "config: environment=dev\n", /config is a string; allowed: a mapping of keys/],
    ["config: that is a list", "config:\n  - a\n  - b\n", /config is a list; allowed: a mapping of keys/],
    ["an empty file", "", /is empty; a stack file is a mapping with a `config:` key/],
    ["a file that is a list", "- a\n", /the top level is a list; allowed: a mapping with a `config:` key/],
    ["no config key", "other: 1\n", /has no `config:` mapping/],
  ])("%s gives one clear error", (_what, text, expected) => {
    const p = problems(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(expected);
  });

  test(".inf and .nan are named as what they are, not turned into null", () => {
    const p = problems("config:\n  ods:environment: t\n  ods:infra:\n    existingCluster: { gpus: .inf }\n    gpuOperator: { timeSlicingReplicas: .nan }\n");
    expect(p).toEqual([
      "ods:infra.existingCluster.gpus = Infinity: not a finite number; allowed: a number such as 3 or 0.5",
      "ods:infra.gpuOperator.timeSlicingReplicas = NaN: not a finite number; allowed: a number such as 3 or 0.5",
    ]);
  });
});

describe("Alertmanager webhook URLs (they carry tokens) must be secrets", () => {
  const obs = (receivers: Obj[]) => JSON.stringify({ alertmanager: { receivers } });
  const url = `https://hooks.example.com/services/${SECRET}`;

  test("a plaintext receiver URL is refused without being shown", () => {
    const msg = configErrorOf(() => parseRawConfig({ ...raw(), "ods:observability": obs([{ name: "oncall", webhookUrl: url }]) }));
    expect(msg).toContain("ods:observability.alertmanager.receivers[0].webhookUrl = [secret, not shown]: is a webhook URL (it carries a token) in plain text");
    expect(msg).not.toContain(SECRET);
  });

  test("the same receivers in a key Pulumi marks secret are accepted", () => {
    const cfg = parseRawConfig({ ...raw(), "ods:observability": obs([{ name: "oncall", webhookUrl: url }]) }, ["ods:observability"]);
    expect(cfg.observability.alertmanager.receivers).toHaveLength(1);
  });
});

describe("a secure: value stays secret where it may be one, and is refused everywhere else", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-placement-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const secure = { secure: `v1:${SECRET}` };
  /** The dev stack file with edits, written out and read as the offline plan reads it. */
  const devWith = (edit: (c: Record<string, Obj>) => void) => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Obj> };
    edit(doc.config);
    const file = path.join(dir, `Pulumi.${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return readStackConfig(ROOT, "dev", file);
  };
  const models = (c: Record<string, Obj>) => (c["ods:model"] as { models: Obj[] }).models;
  const receivers = (c: Record<string, Obj>, list: Obj[]) => (c["ods:observability"] = { ...c["ods:observability"], alertmanager: { receivers: list } });

  test.each<[string, (c: Record<string, Obj>) => void, string]>([
    ["a flag in a model's extraArgs", (c) => (models(c)[0].extraArgs = ["--enable-prefix-caching", secure]), "ods:model.models[0].extraArgs[1]"],
    ["a Service annotation", (c) => (c["ods:edge"] = { ...c["ods:edge"], gateway: { service: { annotations: { "example.com/x": secure } } } }), 'ods:edge.gateway.service.annotations.example.com/x'],
    ["the realm's display name", (c) => (c["ods:identity"] = { ...c["ods:identity"], realm: { displayName: secure } }), "ods:identity.realm.displayName"],
    ["the data layer's admin host", (c) => (c["ods:data"] = { ...c["ods:data"], access: { mode: "nodePort", host: secure } }), "ods:data.access.host"],
    ["a receiver's name", (c) => receivers(c, [{ name: secure, webhookUrl: { secure: "v1:x" } }]), "ods:observability.alertmanager.receivers[0].name"],
    ["the domain, a whole top-level key", (c) => (c["ods:domain"] = secure as unknown as Obj), "ods:domain"],
  ])("%s is refused by its exact key, never shown", (_what, edit, key) => {
    const sc = devWith(edit);
    const msg = configErrorOf(() => validateStackConfig(sc));
    expect(msg).toContain(`${key} = ${HIDDEN}: a secure: value is not allowed here`);
    expect(msg).toContain("the keys that may be secret: ods:infra.existingCluster.kubeconfig, ods:observability.alertmanager.receivers[].webhookUrl");
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain(OFFLINE_SECRET_PLACEHOLDER);
  });

  test("a secure value where a number goes is refused by key, not printed as {secure: ...}, and the list of secret keys stays whole", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Obj> };
    (doc.config["ods:infra"].existingCluster as Obj).gpus = secure;
    (doc.config["ods:model"].slo as Obj).ttftMs = secure;
    const file = path.join(dir, "Pulumi.number.yaml");
    fs.writeFileSync(file, YAML.stringify(doc));
    const msg = configErrorOf(() => validateStackConfig(readStackConfig(ROOT, "local", file)));
    expect(msg).toContain(`ods:infra.existingCluster.gpus = ${HIDDEN}: a secure: value is not allowed here`);
    expect(msg).toContain(`ods:model.slo.ttftMs = ${HIDDEN}: expected number`);
    // "existing" is a value inside the secret ods:infra; the key names listed must not be cut by it.
    expect(msg).toContain("the keys that may be secret: ods:infra.existingCluster.kubeconfig, ods:observability.alertmanager.receivers[].webhookUrl");
    expect(msg).not.toMatch(/secure"|\{"secure|v1:/);
    expect(msg).not.toContain(SECRET);
  });

  test("the offline plan refuses it before the program runs", async () => {
    const { runPlan } = await import("../plan/run");
    const file = path.join(dir, "Pulumi.plan.yaml");
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, Obj> };
    models(doc.config)[0].extraArgs = [secure];
    fs.writeFileSync(file, YAML.stringify(doc));
    await expect(runPlan("dev", { stackFile: file, charts: false })).rejects.toThrow(/ods:model\.models\[0\]\.extraArgs\[0\] = \[secret, not shown\]: a secure: value is not allowed here/);
  });

  test("a secure webhook URL does not switch off the check of a plain-text one beside it, nor does a secure name", () => {
    const two = devWith((c) => receivers(c, [{ name: "a", webhookUrl: secure }, { name: "b", webhookUrl: `https://hooks.example.com/${SECRET}` }]));
    expect(two.secretKeys).toContain("ods:observability");
    const msg = configErrorOf(() => validateStackConfig(two));
    expect(msg).toContain(`ods:observability.alertmanager.receivers[1].webhookUrl = ${HIDDEN}: is a webhook URL (it carries a token) in plain text`);
    expect(msg).toContain("pulumi config set --secret --path 'observability.alertmanager.receivers[1].webhookUrl' <url>");
    expect(msg).not.toContain("receivers[0].webhookUrl");
    expect(msg).not.toContain(SECRET);
    const named = configErrorOf(() => validateStackConfig(devWith((c) => receivers(c, [{ name: secure, webhookUrl: `https://hooks.example.com/${SECRET}` }]))));
    expect(named).toContain(`ods:observability.alertmanager.receivers[0].webhookUrl = ${HIDDEN}: is a webhook URL`);
    expect(named).toContain(`ods:observability.alertmanager.receivers[0].name = ${HIDDEN}: a secure: value is not allowed here`);
    // The good case: both URLs secure.
    const both = devWith((c) => receivers(c, [{ name: "a", webhookUrl: secure }, { name: "b", webhookUrl: secure }]));
    expect(validateStackConfig(both).observability.alertmanager.receivers).toHaveLength(2);
  });

  describe("in the program, where Pulumi only says which top-level keys are secret", () => {
    // What Pulumi hands over for the file `sc`: every secure value decrypted (here: a URL with the sentinel).
    const decrypted = (sc: ReturnType<typeof readStackConfig>) => {
      const raw = { ...sc.config };
      for (const p of sc.securePaths) {
        const key = `ods:${String(p[0])}`;
        const value = JSON.parse(raw[key]) as Obj;
        let at: Obj = value;
        for (const e of p.slice(1, -1)) at = at[e as string] as Obj;
        at[p[p.length - 1] as string] = `https://hooks.example.com/${SECRET}`;
        raw[key] = JSON.stringify(value);
      }
      return raw;
    };

    test("a secret key with no key in it that may be secret is refused, whatever the stack file", () => {
      const raw = readStackConfig(ROOT, "dev").config;
      for (const key of ["ods:model", "ods:identity", "ods:domain"]) {
        const msg = configErrorOf(() => validatePulumiConfig(raw, [key], undefined));
        expect(msg).toContain(`${key} = ${HIDDEN}: Pulumi marks this key secret (a secure: value or --secret), but no key under it may be secret`);
        expect(msg).not.toContain(raw[key].slice(0, 40));
      }
      // ods:observability is secret for a reason only when it holds a webhook URL.
      expect(configErrorOf(() => validatePulumiConfig(raw, ["ods:observability"], undefined))).toContain("ods:observability = [secret, not shown]: Pulumi marks this key secret");
      // The bad case: the same config with no secret key passes.
      expect(validatePulumiConfig(raw, [], undefined).environment).toBe("dev");
    });

    test("with its own stack file the program judges each path: a plain URL beside a secure one is refused", () => {
      const sc = devWith((c) => receivers(c, [{ name: "a", webhookUrl: secure }, { name: "b", webhookUrl: "https://hooks.example.com/plain" }]));
      const raw = decrypted(sc);
      expect(sameConfigApartFromSecrets(sc, raw, sc.secretKeys)).toBe(true);
      const msg = configErrorOf(() => validatePulumiConfig(raw, sc.secretKeys, sc));
      expect(msg).toContain(`ods:observability.alertmanager.receivers[1].webhookUrl = ${HIDDEN}: is a webhook URL`);
      expect(msg).not.toContain(SECRET);
      // Without the file (config from elsewhere) only the key is known, and the section is accepted.
      expect(validatePulumiConfig(raw, sc.secretKeys, undefined).observability.alertmanager.receivers).toHaveLength(2);
    });

    test("a stack file that is not the config Pulumi gave is not trusted for paths", () => {
      const sc = devWith((c) => receivers(c, [{ name: "a", webhookUrl: secure }, { name: "b", webhookUrl: "https://hooks.example.com/plain" }]));
      const raw = decrypted(sc);
      const other = { ...raw, "ods:domain": "other.example.com" };
      expect(sameConfigApartFromSecrets(sc, other, sc.secretKeys)).toBe(false);
      expect(sameConfigApartFromSecrets(sc, raw, [])).toBe(false);
      const { "ods:edge": _edge, ...fewer } = raw;
      expect(sameConfigApartFromSecrets(sc, fewer, sc.secretKeys)).toBe(false);
      // A different value at a non-secure path inside the secret key.
      const obs = JSON.parse(raw["ods:observability"]) as { alertmanager: { receivers: Obj[] } };
      obs.alertmanager.receivers[1].name = "c";
      expect(sameConfigApartFromSecrets(sc, { ...raw, "ods:observability": JSON.stringify(obs) }, sc.secretKeys)).toBe(false);
      expect(validatePulumiConfig({ ...raw, "ods:observability": JSON.stringify(obs) }, sc.secretKeys, sc).observability.alertmanager.receivers).toHaveLength(2);
    });

    test("loadConfig reads the stack's own file: its secure paths are used when it matches", () => {
      pulumi.runtime.setAllConfig(raw("dev"), []);
      expect(loadConfig().environment).toBe("dev");
      pulumi.runtime.setAllConfig(raw("dev"), ["ods:model"]);
      expect(configErrorOf(() => loadConfig())).toContain("ods:model = [secret, not shown]: Pulumi marks this key secret");
    });
  });
});
