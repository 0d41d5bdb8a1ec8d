// The kit's Grafana dashboards: JSON files beside this one, loaded by Grafana's sidecar from the
// ConfigMaps the observability component creates from them.
import * as fs from "fs";
import * as path from "path";

/** Every dashboard: its name (ConfigMap key and Grafana uid without the `ods-` prefix) and its file. */
export const DASHBOARDS: { name: string; file: string }[] = ["gpu", "vllm", "apis", "mysql", "redis", "milvus", "gate"].map((name) => ({ name, file: `${name}.json` }));

/** The parsed JSON of dashboard `name`; throws naming the known dashboards for an unknown one. */
export function loadDashboard(name: string, dir: string = __dirname): Record<string, unknown> {
  const entry = DASHBOARDS.find((d) => d.name === name);
  if (!entry) throw new Error(`no dashboard "${name}"; known: ${DASHBOARDS.map((d) => d.name).join(", ")}`);
  const file = path.join(dir, entry.file);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

interface Panel { title?: string; targets?: { expr?: string }[]; panels?: Panel[] }

/** Every query of a dashboard (panel title and PromQL), rows' nested panels included. */
export function dashboardQueries(dashboard: Record<string, unknown>): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (typeof t.expr === "string") out.push({ panel: p.title ?? "(untitled)", expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk((dashboard.panels as Panel[] | undefined) ?? []);
  for (const v of ((dashboard.templating as { list?: { name: string; query?: unknown }[] } | undefined)?.list ?? [])) {
    const q = typeof v.query === "object" && v.query !== null ? (v.query as { query?: string }).query : undefined;
    const m = q === undefined ? null : /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(q);
    if (m) out.push({ panel: `variable $${v.name}`, expr: m[1] });
  }
  return out;
}

/** Grafana's variables replaced by values PromQL parses (`$__rate_interval` by 5m, others by ".*"). */
export function substituteVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*(?::[a-z]+)?\}?/g, ".*");
}
