import { chartRatios, formatRow, median } from "./bench";

test("median of odd and even counts, unsorted input", () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(() => median([])).toThrow("median of nothing");
});

test("chart ratios pair each stack's rendered and --no-charts medians; rows print as markdown", () => {
  const row = (stack: string, variant: string, medianWall: number) => ({ stack, variant, resources: 10, medianWall, minWall: medianWall, maxWall: medianWall, medianInProcess: 1, peakRssMiB: 200.4 });
  const rows = [row("prod", "", 3), row("prod", "--no-charts", 2), row("local", "", 1)];
  expect(chartRatios(rows)).toEqual([{ stack: "prod", ratio: 1.5 }]);
  expect(formatRow(rows[1])).toBe("| prod --no-charts | 10 | 2.00 | 2.00 | 2.00 | 1.00 | 200 |");
});
