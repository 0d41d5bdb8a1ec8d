// A stack file's YAML, parsed without ever repeating its text: the yaml package's own errors and
// warnings quote the source line, which may hold a secret, so they are reported here by position and
// code only (never its message, which quotes the line), and warnings (an unknown tag or directive) refuse the file instead of being printed.
import * as fs from "fs";
import * as YAML from "yaml";

export type StackYaml = { value: unknown; problems?: undefined } | { value?: undefined; problems: string[] };

export function parseStackYaml(text: string, shown: string): StackYaml {
  const doc = YAML.parseDocument(text, { uniqueKeys: true, logLevel: "silent" });
  const where = (e: YAML.YAMLError) => {
    const p = e.linePos?.[0];
    return p ? ` at line ${p.line}, column ${p.col}` : "";
  };
  const problems = [
    ...doc.errors.map((e) => `${shown}: not valid YAML${where(e)} (${e.code}); the text is not shown`),
    ...doc.warnings.map((w) => `${shown}: ${w.code === "TAG_RESOLVE_FAILED" ? "an unknown tag" : "a YAML feature the kit does not accept"}${where(w)} (${w.code}); the text is not shown; allowed: plain YAML values and \`secure:\` entries`),
  ];
  if (problems.length > 0) return { problems };
  return { value: doc.toJS({ maxAliasCount: 100 }) };
}

/**
 * Why a path cannot be read as a stack file, or undefined when it is a regular file. Checked before
 * reading: a directory gave EISDIR without the file's name, and a FIFO blocked the read for ever.
 */
export function notARegularFile(file: string): string | undefined {
  const st = fs.statSync(file);
  if (st.isFile()) return undefined;
  const what = st.isDirectory() ? "a directory" : st.isFIFO() ? "a named pipe (FIFO)" : st.isSocket() ? "a socket" : st.isCharacterDevice() || st.isBlockDevice() ? "a device" : "not a regular file";
  return `is ${what}; a stack file is a regular YAML file`;
}

/** A `secure:` entry as Pulumi accepts one in a stack file: a mapping with the single key `secure`. */
export function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}
