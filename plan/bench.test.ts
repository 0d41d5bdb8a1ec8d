import { chartRatios, formatRow, median, suiteCounts } from "./bench";

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

test("the suite's counts come from the summary reporter's lines; a run without them counts as failed", () => {
  expect(suiteCounts("...\nassertions: 9876 in 1500 passing tests of 91 files\n1500 passed, 0 failed\n")).toEqual({ passed: 1500, failed: 0, assertions: 9876 });
  expect(suiteCounts("1499 passed, 1 failed, 2 skipped\n")).toEqual({ passed: 1499, failed: 1, assertions: 0 });
  expect(suiteCounts("error: tsc failed\n")).toEqual({ passed: 0, failed: 1, assertions: 0 });
});
