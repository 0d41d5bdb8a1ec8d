// The plan's files (validated) and the stdout summary; plan/outputDir.ts puts the files in place.
import * as path from "path";
import { FullPlanResult } from "./run";
import { manifestFiles, ManifestFile, manifestText, SchemaError, validateObjects } from "./manifests";
import { StagedFile } from "./outputDir";

export interface PlanFiles {
  /** Everything the output folder receives, paths relative to it. */
  staged: StagedFile[];
  files: ManifestFile[];
  schemaErrors: SchemaError[];
}

/**
 * The resources.json entries: type, name, parent, urn, inputs (secrets already "[secret]"), in
 * registration order, each chart's rendered objects right after the chart.
 */
export function resourcesJson(plan: FullPlanResult): { type: string; name: string; parent: string | null; urn: string; inputs: Record<string, unknown> }[] {
  return plan.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, urn: r.urn, inputs: r.inputs }));
}

/** The plan's files, validated against their schemas, ready to be put in place. */
export function planFiles(plan: FullPlanResult): PlanFiles {
  const files = manifestFiles(plan.resources);
  const staged: StagedFile[] = [
    { rel: "resources.json", content: JSON.stringify(resourcesJson(plan), null, 2) + "\n" },
    { rel: "outputs.json", content: JSON.stringify(plan.outputs, null, 2) + "\n" },
    ...files.map((f) => ({ rel: path.join("manifests", f.file), content: manifestText(f) })),
  ];
  const errors = validateObjects(files);
  // Without rendering, the CRDs that charts install are missing: their custom resources cannot be checked.
  return { staged, files, schemaErrors: plan.charts === null ? errors.filter((e) => !e.error.startsWith("no schema for ")) : errors };
}

/** Resource counts per layer and type, as printed after a plan. */
export function countsByLayer(plan: FullPlanResult): Map<string, Map<string, number>> {
  const layers = new Map<string, Map<string, number>>();
  for (const r of plan.resources) {
    const layer = plan.layerOf(r);
    const types = layers.get(layer) ?? new Map<string, number>();
    types.set(r.type, (types.get(r.type) ?? 0) + 1);
    layers.set(layer, types);
  }
  return layers;
}

export function summary(plan: FullPlanResult, written: PlanFiles & { dir: string }, seconds: number): string {
  const lines: string[] = [];
  const objectFiles = written.files.filter((f) => f.kind === "object");
  const objects = objectFiles.length;
  const rendered = objectFiles.filter((f) => f.renderedBy).length;
  const charts = written.files.length - objects;
  lines.push(`Offline plan of stack "${plan.stack}": ${plan.resources.length} resources in ${seconds.toFixed(1)} s`);
  for (const [layer, types] of [...countsByLayer(plan)].sort(([a], [b]) => a.localeCompare(b))) {
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    lines.push(`  ${layer} (${total})`);
    for (const [type, n] of [...types].sort(([a], [b]) => a.localeCompare(b))) lines.push(`    ${String(n).padStart(4)}  ${type}`);
  }
  if (plan.charts === null) {
    lines.push(`Kubernetes objects: ${objects} (schema errors: ${written.schemaErrors.length}); Helm charts/releases: ${charts}, not rendered (--no-charts; custom resources of chart-installed CRDs unchecked)`);
  } else {
    lines.push(
      `Kubernetes objects: ${objects}, ${objects - rendered} declared and ${rendered} rendered from charts (schema errors: ${written.schemaErrors.length}); ` +
        `Helm charts/releases: ${charts}, rendered with Helm into ${rendered} objects`,
    );
  }
  lines.push(`Files: ${path.join(written.dir, "resources.json")}, ${path.join(written.dir, "outputs.json")}, ${path.join(written.dir, "manifests")}/`);
  lines.push("Provider-computed values (ARNs, endpoints, ids) are fixed placeholders from plan/mocks.ts, not real resources.");
  return lines.join("\n");
}
