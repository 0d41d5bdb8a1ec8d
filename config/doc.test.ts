// The configuration reference: docs/config.md is what the schema renders now, every key has a
// description, and a stale file is caught (by the pure comparison and by `npm run config-doc -- --check`).
import { runInProcess } from "../test/cli";
import { CONFIG_DOC_CLI, configDocMain } from "./docCli";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_DOC, CONFIG_DOC_COMMAND, configDocDrift, renderConfigDoc } from "./doc";
import { SECRET_SLOTS } from "./schema";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");
const rendered = renderConfigDoc();

/** The rows of the key tables: `| \`path\` | type | default | allowed | secret | description |` (shapes have no secret cell). */
function rows(text: string): { path: string; secret?: string; description: string }[] {
  return text
    .split("\n")
    .filter((l) => /^\| `[^`]+` \|/.test(l))
    .map((l) => {
      const cells = l.split(/(?<!\\)\|/).map((c) => c.trim());
      return { path: cells[1].replace(/`/g, ""), secret: cells.length === 8 ? cells[5] : undefined, description: cells[cells.length - 2] };
    });
}

describe("docs/config.md", () => {
  test(`is what the schema renders now (else run ${CONFIG_DOC_COMMAND})`, () => {
    const committed = fs.existsSync(path.join(ROOT, CONFIG_DOC)) ? fs.readFileSync(path.join(ROOT, CONFIG_DOC), "utf8") : undefined;
    expect(configDocDrift(rendered, committed)).toBeUndefined();
  });

  test("has a section per top-level key and a row with a description for every key", () => {
    for (const section of ["infra", "data", "model", "identity", "apps", "observability", "edge"]) expect(rendered).toContain(`## \`ods:${section}\``);
    const all = rows(rendered);
    expect(all.length).toBeGreaterThan(150);
    for (const key of ["ods:environment", "infra.aws.region", "data.objectStore.minio.servers", "model.models[].revision", "model.slo.goodput", "infra.namespaces.<layer>.quota.gpus", "edge.issuer.kind"]) {
      expect(all.map((r) => r.path)).toContain(key);
    }
    expect(all.filter((r) => r.description === "").map((r) => r.path)).toEqual([]);
  });

  test("says for every key whether it may be secret: the secret slots, and no everywhere else", () => {
    const all = rows(rendered);
    const sections = all.filter((r) => r.secret !== undefined);
    expect(sections.length).toBeGreaterThan(150);
    const marked = Object.fromEntries(sections.filter((r) => r.secret !== "no").map((r) => [r.path, r.secret]));
    expect(marked).toEqual(Object.fromEntries(SECRET_SLOTS.map((s) => [s.path, `**${s.doc}**`])));
    expect(marked).toEqual({ "infra.existingCluster.kubeconfig": "**may be; must be when inline**", "observability.alertmanager.receivers[].webhookUrl": "**must be**" });
    // The bad case: a key that may not be secret says so.
    expect(sections.find((r) => r.path === "observability.alertmanager.receivers[].name")?.secret).toBe("no");
    expect(sections.find((r) => r.path === "ods:domain")?.secret).toBe("no");
  });

  test("shows computed defaults in words and bounds from the schema", () => {
    expect(rendered).toMatch(/\| `data.mysql.replicas` \| number \| 3 where highAvailability, else 1 \| `1`, or `3`, or `5` \| no \|/);
    expect(rendered).toMatch(/\| `identity.access.nodePort` \| integer \| `30880` \| 30000 to 32767 \| no \|/);
  });
});

describe("a stale reference is caught", () => {
  const tampered = rendered.replace("| `identity.access.nodePort` | integer | `30880` |", "| `identity.access.nodePort` | integer | `30881` |");

  test("the comparison names the first differing line and the command to run", () => {
    expect(tampered).not.toBe(rendered);
    const line = rendered.split("\n").findIndex((l) => l.startsWith("| `identity.access.nodePort`")) + 1;
    const drift = configDocDrift(rendered, tampered);
    expect(drift).toContain(`docs/config.md is stale (line ${line}:`);
    expect(drift).toContain("30881");
    expect(drift).toContain(`run ${CONFIG_DOC_COMMAND}`);
    expect(configDocDrift(rendered, undefined)).toBe(`docs/config.md is missing; run ${CONFIG_DOC_COMMAND}`);
    expect(configDocDrift(rendered, `${rendered}\nextra\n`)).toContain("(end of file)");
  });

  test("`npm run config-doc -- --check` exits 1 on a tampered file and 0 on a fresh one", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-doc-"));
    const run = (args: string[]) => runInProcess(CONFIG_DOC_CLI, args, { main: configDocMain });
    try {
      const file = path.join(dir, "config.md");
      fs.writeFileSync(file, tampered);
      const stale = await run(["--check", "--out", file]);
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain("is stale");
      const wrote = await run(["--out", file]);
      expect(wrote.status).toBe(0);
      expect(fs.readFileSync(file, "utf8")).toBe(rendered);
      // The command's own entry point, in a process of its own.
      const fresh = spawnSync(TS_NODE, ["tools/config-doc.ts", "--check", "--out", file], { cwd: ROOT, encoding: "utf8" });
      expect([fresh.status, fresh.stdout.trim()]).toEqual([0, `${file}: up to date`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
