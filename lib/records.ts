// Plain-object checks for the kit's own code (the policy pack keeps its own, it ships alone).

export type Obj = Record<string, unknown>;

/** A non-null, non-array object. */
export function isRecord(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value if it is a record, else an empty one. */
export function asRecord(v: unknown): Obj {
  return isRecord(v) ? v : {};
}
