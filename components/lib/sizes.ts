// Node group size rule: one definition, used by the config schema (per key) and by components checking their args.

export interface Sizes {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface SizeProblem {
  key: keyof Sizes;
  message: string;
}

/** Each violation of 0 <= min <= desired <= max, max >= 1, on the key it belongs to. */
export function sizeProblems(s: Sizes): SizeProblem[] {
  const problems: SizeProblem[] = [];
  if (s.minSize < 0) problems.push({ key: "minSize", message: "minSize must be >= 0" });
  if (s.maxSize < 1) problems.push({ key: "maxSize", message: "maxSize must be >= 1" });
  if (s.minSize > s.maxSize) problems.push({ key: "minSize", message: `minSize ${s.minSize} is greater than maxSize ${s.maxSize}; allowed: minSize <= desiredSize <= maxSize` });
  if (s.desiredSize < s.minSize || s.desiredSize > s.maxSize) {
    problems.push({ key: "desiredSize", message: `desiredSize ${s.desiredSize} is outside [minSize ${s.minSize}, maxSize ${s.maxSize}]; allowed: minSize <= desiredSize <= maxSize` });
  }
  return problems;
}

/** The same rule as one line (for component arg checks), or undefined when the sizes are valid. */
export function sizesProblem(s: Sizes): string | undefined {
  if (sizeProblems(s).length === 0) return undefined;
  return `sizes min ${s.minSize} / desired ${s.desiredSize} / max ${s.maxSize}; allowed: 0 <= min <= desired <= max, max >= 1`;
}
