// Node group size rule shared by the config schema and the components that take sizes directly.

export interface Sizes {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

/** What is wrong with node group sizes, or undefined when 0 <= min <= desired <= max and max >= 1. */
export function sizesProblem(s: Sizes): string | undefined {
  if (s.minSize >= 0 && s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize && s.maxSize >= 1) return undefined;
  return `sizes min ${s.minSize} / desired ${s.desiredSize} / max ${s.maxSize}; allowed: 0 <= min <= desired <= max, max >= 1`;
}
