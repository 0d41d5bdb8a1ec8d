// The repository root, for every library and tool that reads the kit's own files (Pulumi.yaml, stacks/, policies/, loadtests/).
import * as path from "path";

/** Absolute path of the repository root (this file lives in <root>/lib). */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** A path inside the repository. */
export function repoPath(...parts: string[]): string {
  return path.join(REPO_ROOT, ...parts);
}
