import { quantityValue } from "./quantity";

test("decimal and binary suffixes, millis and exponents", () => {
  expect(quantityValue("500m")).toBe(0.5);
  expect(quantityValue("2")).toBe(2);
  expect(quantityValue("1.5")).toBe(1.5);
  expect(quantityValue("512Mi")).toBe(512 * 2 ** 20);
  expect(quantityValue("1Gi")).toBe(2 ** 30);
  expect(quantityValue("1G")).toBe(1e9);
  expect(quantityValue("1e3")).toBe(1000);
  expect(quantityValue("1Gi")! > quantityValue("1G")!).toBe(true);
});

test("anything else is not a quantity", () => {
  for (const bad of ["", "lots", "1 Gi", "1gi", "Gi", "1.2.3"]) expect(quantityValue(bad)).toBeUndefined();
});
