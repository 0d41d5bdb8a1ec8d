// The harness's mocks: known invokes answer with fixed values; an unknown one throws and is recorded,
// which makes the recording (and the plan) fail with the token named.
import { planMocks, unmockedInvokes } from "../plan/mocks";
import { record } from "./harness";

test("an unmocked invoke throws, naming the token, and is remembered for the failure message", () => {
  unmockedInvokes.length = 0;
  expect(() => planMocks().call({ token: "aws:ec2/getAmi:getAmi", inputs: {} })).toThrow("unmocked invoke aws:ec2/getAmi:getAmi");
  expect(unmockedInvokes).toEqual(["aws:ec2/getAmi:getAmi"]);
});

test("known invokes return fixed, realistic values", () => {
  expect(planMocks("eu-west-1").call({ token: "aws:index/getRegion:getRegion", inputs: {} })).toMatchObject({ name: "eu-west-1" });
  expect(planMocks().call({ token: "aws:index/getCallerIdentity:getCallerIdentity", inputs: {} })).toMatchObject({ accountId: "123456789012" });
});

test("a recording starts with no unmocked invokes left from earlier ones", async () => {
  unmockedInvokes.push("left-over");
  await expect(record(() => undefined)).resolves.toEqual([]);
});
