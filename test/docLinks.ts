// Checks on the repository's Markdown: relative links point at files (and headings) that exist, and no
// document names a path outside the repository. Pure over a map of files, so a test can feed bad cases.
import * as fs from "fs";
import * as path from "path";

/** Paths outside the repository that documents must not name (state the fact or the upstream project instead). */
/** The folder beside the checkout that only CI's script may name, and the ways to name it (built, so this file does not name it). */
export const BESIDE = `..${"/"}shared`;
export const FORBIDDEN_PATHS = [BESIDE, `${BESIDE.slice(3)}/FACTS`, `/work/${BESIDE.slice(3)}`] as const;

/** Folders never searched for Markdown: dependencies, build output, caches. */
const SKIPPED_DIRS = new Set([".git", "node_modules", "out", ".tools", ".cache", ".scratch", "coverage", "bin"]);

/** Every Markdown file under `root` (repository-relative, `/`-separated), skipping dependencies and outputs. */
export function markdownFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) out.push(...markdownFiles(root, rel));
    else if (entry.isFile() && entry.name.endsWith(".md")) out.push(rel);
  }
  return out.sort();
}

/** The text without fenced code blocks and inline code spans (links there are examples, not links). */
function prose(text: string): string {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "")
    .replace(/`+[^`\n]*`+/g, "");
}

/** Link targets: inline `[text](target)` and reference definitions `[label]: target`. */
export function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const refs = [...body.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]);
  return [...inline, ...refs];
}

/** GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped, spaces to '-'. */
export function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor a Markdown file offers (repeated headings get -1, -2, ... as on GitHub). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const noFences = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of noFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Repo {
  /** Whether a repository-relative path (file or folder) exists. */
  exists(rel: string): boolean;
  /** The text of a repository-relative Markdown file. */
  read(rel: string): string;
}

/** A repository on disk. */
export function diskRepo(root: string): Repo {
  return { exists: (rel) => fs.existsSync(path.join(root, rel)), read: (rel) => fs.readFileSync(path.join(root, rel), "utf8") };
}

/** Broken relative links of one Markdown file: a missing file, a path leaving the repository, or an unknown heading. */
export function linkProblems(file: string, repo: Repo): string[] {
  const problems: string[] = [];
  const text = repo.read(file);
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [rawPath, anchor] = target.split("#", 2);
    const decoded = decodeURIComponent(rawPath);
    const rel = decoded === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decoded));
    if (rel.startsWith("..") || path.posix.isAbsolute(rel)) {
      problems.push(`${file}: link ${target} leaves the repository`);
      continue;
    }
    if (!repo.exists(rel)) {
      problems.push(`${file}: link ${target}: ${rel} does not exist`);
      continue;
    }
    if (anchor && rel.endsWith(".md") && !anchors(repo.read(rel)).has(anchor)) problems.push(`${file}: link ${target}: ${rel} has no heading #${anchor}`);
  }
  return problems;
}

/** Mentions of paths outside the repository, anywhere in the text (code included). */
export function forbiddenMentions(file: string, text: string): string[] {
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const p of FORBIDDEN_PATHS) if (line.includes(p)) problems.push(`${file}:${i + 1}: names ${p}, a path outside the repository; state the fact or name the upstream project instead`);
  });
  return problems;
}
