// The repository stands alone: no tracked file but CI's own script names a path beside the checkout
// (a user's clone has nothing there). Tests and setup find charts and manifests through their caches,
// which only ODS_CHART_CACHE and ODS_MANIFEST_CACHE may point elsewhere. `.ci/run` proves the rest by
// running the whole suite in a clone with nothing beside it.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BESIDE, forbiddenMentions } from "./docLinks";

const ROOT = path.resolve(__dirname, "..");

function trackedFiles(): string[] {
  const res = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`git ls-files failed: ${res.stderr}`);
  return res.stdout.split("\0").filter((f) => f !== "");
}

/** The same path built in code: path.join with a ".." segment followed by a "shared" one. */
const BUILT_PATH = /["']\.\.["']\s*,\s*["']shared["']/;

/** Problems of one file's text, unless it is CI's script or binary. */
function mentions(file: string, text: string): string[] {
  if (file.startsWith(".ci/") || text.includes("\0")) return [];
  const built = text.split("\n").flatMap((line, i) => (BUILT_PATH.test(line) ? [`${file}:${i + 1}: builds the path ${BESIDE}`] : []));
  return [...forbiddenMentions(file, text), ...built];
}

test("no tracked file outside .ci/ names a path beside the checkout", () => {
  const files = trackedFiles();
  expect(files.length).toBeGreaterThan(300);
  expect(files.filter((f) => f !== "package-lock.json").flatMap((f) => mentions(f, fs.readFileSync(path.join(ROOT, f), "utf8")))).toEqual([]);
});

test("the check finds such a path in code and config, and leaves CI's script alone", () => {
  expect(mentions("test/x.test.ts", `read("${BESIDE}/FACTS.md");`)).toHaveLength(2);
  const built = ['"..', '"shared"'].join('", ');
  expect(mentions("jest.config.js", `const charts = path.resolve(__dirname, ${built}, "charts");`)).toEqual([`jest.config.js:1: builds the path ${BESIDE}`]);
  expect(mentions("jest.config.js", `const charts = "${BESIDE}/charts";`)).toEqual([`jest.config.js:1: names ${BESIDE}, a path outside the repository; state the fact or name the upstream project instead`]);
  expect(mentions(".ci/run", `export ODS_CHART_CACHE="${BESIDE}/charts"`)).toEqual([]);
});
