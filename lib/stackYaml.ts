// A stack file's YAML, parsed without ever repeating its text: the yaml package's own errors and
// warnings quote the source line, which may hold a secret, so they are reported here by position and
// code only (never its message, which quotes the line), and warnings (an unknown tag or directive) refuse the file instead of being printed.
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
