// Runs a CLI's main in this process, the way lib/cli's runCli runs it in its own, and returns what a
// spawned run would show: the exit code and everything printed on stdout and stderr.
import { CliSpec, cliMain, Parsed } from "../lib/cli";

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

const text = (args: unknown[]) => `${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}\n`;

export async function runInProcess<F extends string>(
  spec: CliSpec<F>,
  argv: string[],
  command: { main: (args: Parsed<F>) => Promise<number>; onError?: (err: unknown) => number },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const log = jest.spyOn(console, "log").mockImplementation((...args: unknown[]) => void (stdout += text(args)));
  const error = jest.spyOn(console, "error").mockImplementation((...args: unknown[]) => void (stderr += text(args)));
  try {
    const status = await cliMain(spec, argv, command.main, command.onError);
    return { status, stdout, stderr };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
