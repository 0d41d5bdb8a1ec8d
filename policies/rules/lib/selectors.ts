// Label selectors, evaluated the way the API server does, with "unknown" where values are unknown.
import { hasUnknown, isRecord, Obj, records, str, strings } from "./values";

/**
 * Whether `selector` (matchLabels + matchExpressions) selects pods with `labels`. An empty
 * selector selects everything (as for NetworkPolicy podSelector {}). "unknown" when either side
 * is not known yet.
 */
export function selects(selector: unknown, labels: Obj | undefined): boolean | "unknown" {
  if (hasUnknown(selector) || labels === undefined || hasUnknown(labels)) return "unknown";
  if (!isRecord(selector)) return false;
  const matchLabels = isRecord(selector["matchLabels"]) ? selector["matchLabels"] : {};
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== v) return false;
  }
  for (const e of records(selector["matchExpressions"])) {
    const key = str(e["key"]) ?? "";
    const values = strings(e["values"]).values;
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const value = has ? String(labels[key]) : undefined;
    switch (str(e["operator"])) {
      case "In":
        if (value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True for `{}` (or a selector with empty matchLabels and no expressions): all pods. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const labels = selector["matchLabels"];
  const exprs = selector["matchExpressions"];
  const noLabels = labels === undefined || labels === null || (isRecord(labels) && Object.keys(labels).length === 0);
  const noExprs = exprs === undefined || exprs === null || (Array.isArray(exprs) && exprs.length === 0);
  return noLabels && noExprs;
}
