// The documentation's links: every relative link in README.md, CONTRIBUTING.md and docs/ points at a file
// (and heading) that exists, and no Markdown file of the repository names a path outside it.
import * as path from "path";
import { anchors, BESIDE, diskRepo, forbiddenMentions, linkProblems, linkTargets, markdownFiles, Repo, slug } from "./docLinks";

const ROOT = path.resolve(__dirname, "..");
const repo = diskRepo(ROOT);
const all = markdownFiles(ROOT);
const documents = all.filter((f) => f === "README.md" || f === "CONTRIBUTING.md" || f.startsWith("docs/"));

test("the documents are found", () => {
  expect(documents).toEqual(expect.arrayContaining(["README.md", "CONTRIBUTING.md", "docs/config.md", "docs/data/mysql.md"]));
});

test("every relative link in README.md, CONTRIBUTING.md and docs/ points at a file and heading that exist", () => {
  expect(documents.flatMap((f) => linkProblems(f, repo))).toEqual([]);
});

test("no Markdown file names a path outside the repository", () => {
  expect(all.flatMap((f) => forbiddenMentions(f, repo.read(f)))).toEqual([]);
});

describe("bad cases", () => {
  const files: Record<string, string> = {
    "README.md": [
      "# Kit",
      "## Deploying for real",
      "See [deploy](docs/deploy.md), [gone](docs/gone.md), [anchor](docs/deploy.md#costs-per-stack) and [here](#deploying-for-real).",
      "Also [missing here](#nothing), [web](https://example.com) and [up](../outside.md).",
      "```",
      "[in a code block](docs/ignored.md)",
      "```",
      "and `[in a code span](docs/ignored.md)`.",
      "[ref]: docs/also-gone.md",
    ].join("\n"),
    "docs/deploy.md": "# Deploying\n\n## What each stack costs, roughly\n\n## URLs you get\n\n## URLs you get\n\nBack to [the README](../README.md#kit).",
  };
  const fake: Repo = { exists: (rel) => rel in files || rel === "docs", read: (rel) => files[rel] };

  test("missing files, unknown headings and links out of the repository are reported; code is not read as links", () => {
    expect(linkProblems("README.md", fake)).toEqual([
      "README.md: link docs/gone.md: docs/gone.md does not exist",
      "README.md: link docs/deploy.md#costs-per-stack: docs/deploy.md has no heading #costs-per-stack",
      "README.md: link #nothing: README.md has no heading #nothing",
      "README.md: link ../outside.md leaves the repository",
      "README.md: link docs/also-gone.md: docs/also-gone.md does not exist",
    ]);
    expect(linkProblems("docs/deploy.md", fake)).toEqual([]);
  });

  test("anchors follow GitHub's rules", () => {
    expect(slug("How one `pulumi up` converges")).toBe("how-one-pulumi-up-converges");
    expect(slug("Config: `ods:observability` (every key has a default)")).toBe("config-odsobservability-every-key-has-a-default");
    expect(slug("Publishing the gate's verdict")).toBe("publishing-the-gates-verdict");
    expect([...anchors(files["docs/deploy.md"])]).toEqual(["deploying", "what-each-stack-costs-roughly", "urls-you-get", "urls-you-get-1"]);
    expect(linkTargets("[a](x.md \"title\") [b](<y.md>)")).toEqual(["x.md", "y.md"]);
  });

  test("a path outside the repository is named with its line", () => {
    const text = `# Facts\n\nSee ${BESIDE}/FACTS.md for versions.\nexport ODS_CHART_CACHE=/work/${BESIDE.slice(3)}/charts\n`;
    expect(forbiddenMentions("docs/x.md", text)).toEqual([
      `docs/x.md:3: names ${BESIDE}, a path outside the repository; state the fact or name the upstream project instead`,
      `docs/x.md:3: names ${BESIDE.slice(3)}/FACTS, a path outside the repository; state the fact or name the upstream project instead`,
      `docs/x.md:4: names /work/${BESIDE.slice(3)}, a path outside the repository; state the fact or name the upstream project instead`,
    ]);
  });
});
