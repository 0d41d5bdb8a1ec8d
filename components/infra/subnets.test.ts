import { subnetLayout, subnetLayoutProblems } from "./subnets";

test("a /16 gives /19 private and /22 public subnets that do not overlap", () => {
  expect(subnetLayout("10.40.0.0/16", ["a", "b", "c"])).toEqual([
    { az: "a", privateCidr: "10.40.0.0/19", publicCidr: "10.40.224.0/22" },
    { az: "b", privateCidr: "10.40.32.0/19", publicCidr: "10.40.228.0/22" },
    { az: "c", privateCidr: "10.40.64.0/19", publicCidr: "10.40.232.0/22" },
  ]);
});

test("a /20 gives /23 private and /26 public subnets", () => {
  expect(subnetLayout("172.16.16.0/20", ["a", "b"])).toEqual([
    { az: "a", privateCidr: "172.16.16.0/23", publicCidr: "172.16.30.0/26" },
    { az: "b", privateCidr: "172.16.18.0/23", publicCidr: "172.16.30.64/26" },
  ]);
});

test("six zones fit; the sixth private block still ends before the public block", () => {
  const six = subnetLayout("10.0.0.0/16", ["a", "b", "c", "d", "e", "f"]);
  expect(six[5]).toEqual({ az: "f", privateCidr: "10.0.160.0/19", publicCidr: "10.0.244.0/22" });
});

test("bad layouts name the key and what is allowed, and the layout refuses them", () => {
  expect(subnetLayoutProblems("10.0.0.0/24", ["a", "b"])).toEqual([{ key: "vpcCidr", message: expect.stringContaining("prefix /24 is not supported; allowed: /16 to /20") }]);
  expect(subnetLayoutProblems("10.0.1.0/16", ["a", "b"])).toEqual([{ key: "vpcCidr", message: "host bits are set; allowed: a network address such as 10.0.0.0/16" }]);
  expect(subnetLayoutProblems("10.0.0.0/16", ["a", "b", "c", "d", "e", "f", "g"])).toEqual([{ key: "availabilityZones", message: "7 zones given; allowed: at most 6" }]);
  expect(subnetLayoutProblems("10.0.0.0/20", ["a", "b", "c", "d", "e", "f"])).toEqual([]);
  expect(() => subnetLayout("10.0.0.0/24", ["a", "b"])).toThrow("vpcCidr: prefix /24 is not supported");
});
