// Reading resource properties safely: unknown values (preview), proxies, loose shapes.

/**
 * The sentinels the engine sends for values that are not known yet during `pulumi preview`
 * (one per kind: boolean, number, string, array, asset, archive, object). The pack server wraps
 * props in a proxy that throws on touching one; we unwrap the proxy (see `plain`) and compare
 * instead, so a rule can skip an unknown value rather than abort with an advisory error.
 */
const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** What tests and the offline policy check may use to say "not known yet". */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The redaction the offline plan puts where a secret value was. */
export const SECRET_PLACEHOLDER = "[secret]";

export type Obj = Record<string, unknown>;

export function isRecord(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * True for a value that will only be known after the update: an engine sentinel, the SDK's
 * `Unknown` marker (what deserialising a sentinel gives under a dry-run mock runtime), or a
 * `pulumi.Output` that slipped through unresolved (possible when fixtures are built in code).
 */
export function isUnknown(v: unknown): boolean {
  if (typeof v === "string") return UNKNOWN_SENTINELS.has(v);
  return isRecord(v) && (v["__pulumiUnknown"] === true || v["__pulumiOutput"] === true);
}

/** True if `v` or anything below it is unknown. */
export function hasUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (isRecord(v)) return Object.values(v).some(hasUnknown);
  return false;
}

/**
 * The plain object behind the policy server's unknown-checking proxy. The proxy exposes its
 * target under a well-known key; plain objects (tests, the offline policy check) come back as they are.
 */
export function plain(props: unknown): Obj {
  if (props === null || props === undefined) return {};
  const target = (props as Obj)["__getSpecialProxyTarget"];
  const value = isRecord(target) ? target : props;
  return isRecord(value) ? value : {};
}

/**
 * Walks `keys` from `root`. Returns the unknown sentinel itself if the walk meets one (so the
 * caller's `isUnknown` sees it) and undefined if a step is missing.
 */
export function at(root: unknown, ...keys: (string | number)[]): unknown {
  let cur: unknown = root;
  for (const k of keys) {
    if (isUnknown(cur)) return cur;
    if (typeof k === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[k];
    } else {
      if (!isRecord(cur)) return undefined;
      cur = cur[k];
    }
  }
  return cur;
}

/** The value as an array of records; an unknown array or entries stay out of the result. */
export function records(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** The value as a string, or undefined for anything else (unknown included). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

/** Kubernetes and AWS accept numbers as strings in places ("3"); both count. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && !isUnknown(v) && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

/** AWS launch templates carry booleans as "true"/"false" strings. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** A string array with unknown entries dropped; `unknown: true` says some were dropped. */
export function strings(v: unknown): { values: string[]; unknown: boolean } {
  if (isUnknown(v)) return { values: [], unknown: true };
  if (!Array.isArray(v)) return { values: [], unknown: false };
  const values: string[] = [];
  let unknown = false;
  for (const e of v) {
    if (isUnknown(e)) unknown = true;
    else if (typeof e === "string") values.push(e);
  }
  return { values, unknown };
}
