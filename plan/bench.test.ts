import { median } from "./bench";

test("median of odd and even counts, unsorted input", () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(() => median([])).toThrow("median of nothing");
});
