// A sentinel planted in every `secure:` slot (SECRET_SLOTS) of a stack file, handed to the program as
// `pulumi up` would hand it (decrypted, its top-level key marked secret), appears in no file the plan
// writes, in no stack output and in nothing it prints: every slot's value stays a Pulumi secret.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { presentSlots, SECRET_SLOTS } from "../../config/schema";
import { readStackConfig, validateStackConfig } from "../../config/stackFile";
import { planCommand } from "../../plan/cli";
import { runPlan } from "../../plan/run";
import { REPO_ROOT } from "../../lib/repo";

const SENTINEL = "Sx7q-planted-sentinel-Vb2";
/** What each slot decrypts to: a value of the slot's form carrying the sentinel. */
const decrypted = (configPath: string): string =>
  configPath.endsWith("kubeconfig")
    ? `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:6443"}\nusers:\n- name: u\n  user: {token: ${SENTINEL}}\ncontexts:\n- name: kind-ods\n  context: {cluster: c, user: u}\ncurrent-context: kind-ods\n`
    : `https://hooks.example.com/services/${SENTINEL}`;

/** Every file under a folder whose text holds the sentinel, relative to it. */
function filesWith(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (fs.readFileSync(full, "utf8").includes(needle)) found.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return found;
}

describe("a sentinel in every secure slot of the local stack", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-sentinel-"));
  const stackFile = path.join(dir, "Pulumi.local.yaml");
  const out = path.join(dir, "plan");
  let printed = "";
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "stacks", "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
    const secure = () => ({ secure: `v1:${SENTINEL}` });
    (doc.config["ods:infra"].existingCluster as Record<string, unknown>).kubeconfig = secure();
    doc.config["ods:observability"] = {
      ...doc.config["ods:observability"],
      alertmanager: { receivers: [{ name: "oncall", webhookUrl: secure(), severities: ["critical"] }, { name: "team", webhookUrl: secure() }] },
    };
    fs.writeFileSync(stackFile, YAML.stringify(doc));
    const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void (printed += a.join(" ") + "\n"));
    const err = jest.spyOn(console, "error").mockImplementation((...a: unknown[]) => void (printed += a.join(" ") + "\n"));
    try {
      const { main } = planCommand({ plan: (stack, opts) => runPlan(stack, { ...opts, secureValue: decrypted }), hook: () => undefined });
      // Charts are recorded with their values, not rendered: a rendered object can only hold what its
      // chart's values hold, and rendering would triple the test's time.
      const code = await main({ values: { stack: "local", out, "stack-file": stackFile }, switches: { "no-charts": true } } as unknown as Parameters<typeof main>[0]);
      printed += `exit ${code}\n`;
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }, 120_000);

  test("every slot holds a secure value, and the program is handed the sentinel in each", () => {
    const sc = readStackConfig(REPO_ROOT, "local", stackFile, decrypted);
    expect(validateStackConfig(sc).infra.existingCluster?.kubeconfig).toContain(SENTINEL);
    const input = Object.fromEntries(["infra", "observability"].map((k) => [k, JSON.parse(sc.config[`ods:${k}`]) as unknown]));
    const slots = presentSlots(input);
    // Each slot of the kit is planted at least once, and every planted value is the sentinel.
    expect(new Set(slots.map((s) => s.slot.path))).toEqual(new Set(SECRET_SLOTS.map((s) => s.path)));
    expect(sc.securePaths).toHaveLength(slots.length);
    for (const s of slots) expect(String(s.value)).toContain(SENTINEL);
  });

  test("the plan completes, and no file it writes, no output and nothing it prints holds the sentinel", () => {
    expect(printed).toContain("exit 0");
    expect(fs.existsSync(path.join(out, "resources.json"))).toBe(true);
    expect(filesWith(out, SENTINEL)).toEqual([]);
    expect(printed).not.toContain(SENTINEL);
    // Where the slots went: the Alertmanager receivers' Secret and the provider, both redacted.
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as { type: string; name: string; inputs: Record<string, unknown> }[];
    const receivers = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("-receivers"));
    expect(receivers?.inputs.stringData).toBe("[secret]");
    const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider?.inputs.kubeconfig).toBe("[secret]");
  });

  test("the scan finds a sentinel that reaches a file (the check above is not vacuous)", () => {
    fs.writeFileSync(path.join(out, "manifests", "leak.yaml"), `url: https://hooks.example.com/services/${SENTINEL}\n`);
    expect(filesWith(out, SENTINEL)).toEqual([path.join("manifests", "leak.yaml")]);
  });
});
