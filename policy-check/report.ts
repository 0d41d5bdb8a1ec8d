// Human-readable report of an evaluation: one block per violation, then a summary.
import type { Evaluation, Violation } from "./evaluate";

function block(v: Violation): string {
  const where = v.resource ? `${v.resource.type} ${v.resource.name}` : "(stack)";
  return [`[${v.enforcement}] ${v.policy}: ${where}`, `    ${v.message}`, `    fix: ${v.fix}`].join("\n");
}

export function formatReport(stack: string, e: Evaluation): string {
  const lines: string[] = [];
  // Mandatory first: those are what blocks the gate.
  const order = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 };
  const sorted = [...e.violations].sort((a, b) => order[a.enforcement] - order[b.enforcement] || a.policy.localeCompare(b.policy));
  for (const v of sorted) lines.push(block(v), "");
  for (const err of e.errors) lines.push(`[error] ${err.policy}${err.resource ? `: ${err.resource}` : ""}`, `    ${err.error}`, "");
  const count = (level: string) => e.violations.filter((v) => v.enforcement === level).length;
  const levels = e.evaluated.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.enforcement]: (acc[p.enforcement] ?? 0) + 1 }), {});
  lines.push(
    `policy gate, stack ${stack}: ${e.evaluated.length} rules (${Object.entries(levels).map(([k, n]) => `${n} ${k}`).join(", ")})`,
    `  mandatory violations: ${count("mandatory")}`,
    `  advisory violations:  ${count("advisory")}`,
  );
  if (e.errors.length > 0) lines.push(`  rule errors:          ${e.errors.length}`);
  return lines.join("\n");
}
