// Minimal `--key value` / `--key=value` parser for the kit's CLIs; unknown flags are errors, not ignored.

export function parseArgs<K extends string>(argv: string[], defaults: Partial<Record<K, string>>, allowed: readonly K[]): Partial<Record<K, string>> & typeof defaults {
  const out: Partial<Record<K, string>> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument ${JSON.stringify(arg)}; allowed flags: ${allowed.map((a) => `--${a}`).join(", ")}`);
    const key = m[1] as K;
    if (!allowed.includes(key)) throw new Error(`unknown flag --${key}; allowed flags: ${allowed.map((a) => `--${a}`).join(", ")}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`flag --${key} needs a value`);
    out[key] = value;
  }
  return out;
}
