// Runs promtool (Debian's `prometheus` package, installed by `npm run setup`) for the tests.
import { spawnSync } from "child_process";

/** Runs `promtool <args>`; a missing binary is an error that says how to install it. */
export function promtool(args: string[], cwd?: string): { status: number; output: string } {
  const r = spawnSync(process.env.PROMTOOL ?? "promtool", args, { cwd, encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("promtool is not installed: run `npm run setup` (it installs Debian's prometheus package), or set PROMTOOL to its path");
  }
  if (r.error) throw r.error;
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}
