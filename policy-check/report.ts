// Human-readable report of an evaluation: one block per violation, the exemptions used, what each
// rule had to check (so an empty pass is visible), then a summary.
import { describeId } from "../policies/rules/lib/config";
import type { Evaluation, Violation } from "./evaluate";

function block(v: Violation): string {
  const where = v.resource ? `${v.resource.type} ${v.resource.name}` : v.staleExemption ? "(policy config)" : "(stack)";
  return [`[${v.enforcement}] ${v.policy}: ${where}`, `    ${v.message}`, `    fix: ${v.fix}`].join("\n");
}

export function formatReport(stack: string, e: Evaluation): string {
  const lines: string[] = [];
  // Mandatory first: those are what blocks the gate.
  const order = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 };
  const sorted = [...e.violations].sort((a, b) => order[a.enforcement] - order[b.enforcement] || a.policy.localeCompare(b.policy));
  for (const v of sorted) lines.push(block(v), "");
  for (const err of e.errors) lines.push(`[error] ${err.policy}${err.resource ? `: ${err.resource}` : ""}`, `    ${err.error}`, "");

  if (e.exemptions.length > 0) {
    lines.push(`exemptions used (${e.exemptions.length}):`);
    for (const x of e.exemptions) {
      lines.push(`  ${x.policy}: ${describeId(x.exemption)} (${x.findings} ${x.findings === 1 ? "finding" : "findings"} suppressed)`, `      reason: ${x.exemption.reason}`);
    }
    lines.push("");
  }

  const width = Math.max(0, ...e.evaluated.map((r) => r.policy.length));
  lines.push("resources each rule checked:");
  for (const r of e.evaluated) lines.push(`  ${r.policy.padEnd(width)}  ${r.inScope === null ? "?" : String(r.inScope).padStart(4)}  ${r.enforcement}`);
  const empty = e.evaluated.filter((r) => r.inScope === 0).map((r) => r.policy);
  const undeclared = e.evaluated.filter((r) => r.inScope === null).map((r) => r.policy);
  if (empty.length > 0) lines.push(`nothing to check (no resource of the kinds they look at, so they passed empty): ${empty.join(", ")}`);
  if (undeclared.length > 0) lines.push(`rules that declare no scope (count unknown): ${undeclared.join(", ")}`);
  lines.push("");

  const count = (level: string) => e.violations.filter((v) => v.enforcement === level).length;
  const levels = e.evaluated.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.enforcement]: (acc[p.enforcement] ?? 0) + 1 }), {});
  const stale = e.violations.filter((v) => v.staleExemption).length;
  lines.push(
    `policy check, stack ${stack}: ${e.evaluated.length} rules (${Object.entries(levels).map(([k, n]) => `${n} ${k}`).join(", ")})`,
    `  mandatory violations: ${count("mandatory")}`,
    `  advisory violations:  ${count("advisory")}${stale > 0 ? ` (${stale} stale ${stale === 1 ? "exemption" : "exemptions"})` : ""}`,
    `  exemptions used:      ${e.exemptions.length}`,
    `  nothing to check:     ${empty.length} ${empty.length === 1 ? "rule" : "rules"}`,
  );
  if (e.errors.length > 0) lines.push(`  rule errors:          ${e.errors.length}`);
  return lines.join("\n");
}
