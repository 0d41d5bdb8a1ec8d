// The one argument parser of the kit's command-line tools: declared flags only, `--help` from the same declaration.

/** A flag: `value` flags take an argument (`--out DIR` or `--out=DIR`), the others are switches. */
export interface FlagSpec {
  /** Takes a value. Default false (a switch). */
  value?: boolean;
  /** Shown by `--help`, with the value's placeholder, e.g. "DIR". */
  help: string;
  placeholder?: string;
  /** Default shown by `--help` and returned when the flag is absent (value flags only). */
  default?: string;
  /** Required value flag: missing is a usage error. */
  required?: boolean;
}

export interface CliSpec<F extends string> {
  /** e.g. "npm run plan --". */
  command: string;
  /** One or two lines on what the command does. */
  summary: string;
  flags: Record<F, FlagSpec>;
  /** Extra lines after the flag list: exit codes, environment variables. */
  notes?: readonly string[];
}

export type Parsed<F extends string> = { values: Partial<Record<F, string>>; switches: Partial<Record<F, boolean>>; help: boolean };

/** A usage error: the CLI prints it with the usage line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function usage<F extends string>(spec: CliSpec<F>): string {
  const entries = Object.entries(spec.flags) as [F, FlagSpec][];
  const left = (name: F, f: FlagSpec) => `--${name}${f.value ? ` ${f.placeholder ?? "VALUE"}` : ""}`;
  const width = Math.max(...entries.map(([n, f]) => left(n, f).length), "--help".length) + 2;
  const lines = [`usage: ${spec.command} ${entries.map(([n, f]) => (f.required ? left(n, f) : `[${left(n, f)}]`)).join(" ")}`, "", spec.summary, "", "options:"];
  for (const [name, f] of entries) {
    const def = f.default !== undefined ? ` (default: ${f.default})` : f.required ? " (required)" : "";
    lines.push(`  ${left(name, f).padEnd(width)}${f.help}${def}`);
  }
  lines.push(`  ${"--help".padEnd(width)}print this help and exit`);
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return lines.join("\n");
}

/** Parses argv against the spec; unknown flags, missing values and missing required flags are UsageErrors. */
export function parseCli<F extends string>(argv: readonly string[], spec: CliSpec<F>): Parsed<F> {
  const values: Partial<Record<F, string>> = {};
  const switches: Partial<Record<F, boolean>> = {};
  const known = Object.keys(spec.flags) as F[];
  const allowed = () => [...known.map((k) => `--${k}`), "--help"].join(", ");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { values, switches, help: true };
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; allowed flags: ${allowed()}`);
    const name = m[1] as F;
    const flag = spec.flags[name];
    if (!flag) throw new UsageError(`unknown flag --${name}; allowed flags: ${allowed()}`);
    if (!flag.value) {
      if (m[2] !== undefined) throw new UsageError(`flag --${name} takes no value`);
      switches[name] = true;
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || (m[2] === undefined && value.startsWith("--"))) throw new UsageError(`flag --${name} needs a value (${flag.placeholder ?? "VALUE"})`);
    values[name] = value;
  }
  for (const name of known) {
    const flag = spec.flags[name];
    if (values[name] === undefined && flag.default !== undefined) values[name] = flag.default;
    if (flag.required && values[name] === undefined) throw new UsageError(`--${name} is required`);
  }
  return { values, switches, help: false };
}

/** The default error handler: the message, prefixed by the command's name; exit 2. */
function defaultOnError(spec: CliSpec<string>): (err: unknown) => number {
  return (err) => {
    console.error(`${spec.command.replace(/^npm run /, "").replace(/ --$/, "")}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  };
}

/**
 * A CLI's main without the process around it (tests run it in-process): `--help` prints the usage on
 * stdout and gives 0; a bad argument prints the message and the usage line on stderr and gives 2; an
 * error from `main` is left to `onError` (the exit code it returns).
 */
export async function cliMain<F extends string>(
  spec: CliSpec<F>,
  argv: readonly string[],
  main: (args: Parsed<F>) => Promise<number>,
  onError: (err: unknown) => number = defaultOnError(spec),
): Promise<number> {
  let args: Parsed<F>;
  try {
    args = parseCli(argv, spec);
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage(spec).split("\n")[0]}`);
    return 2;
  }
  if (args.help) {
    console.log(usage(spec));
    return 0;
  }
  try {
    return await main(args);
  } catch (err) {
    return onError(err);
  }
}

/** Runs a CLI's main (see cliMain) on this process's arguments and exits with its code. */
export function runCli<F extends string>(spec: CliSpec<F>, main: (args: Parsed<F>) => Promise<number>, onError?: (err: unknown) => number): void {
  cliMain(spec, process.argv.slice(2), main, onError).then((code) => process.exit(code));
}
