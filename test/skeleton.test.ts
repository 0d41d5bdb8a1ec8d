// The skeleton checks themselves: the real components pass, and each kind of breakage is caught.
import * as path from "path";
import { RecordedResource } from "../plan/types";
import { skeletonProblems, sourceComponents, sourceProblems } from "./skeleton";

const ROOT = path.resolve(__dirname, "..");

function rec(type: string, name: string, parent: RecordedResource | null, extra: Partial<RecordedResource> = {}): RecordedResource {
  return { type, name, parent: parent?.name ?? null, parentType: parent?.type ?? null, component: type.startsWith("ods:"), inputs: {}, urn: `urn:${type}::${name}`, ...extra };
}

test("every component class under components/ has the token ods:<folder>:<Class> and registers outputs", () => {
  const components = sourceComponents(ROOT);
  expect(components.map((c) => c.className)).toEqual(expect.arrayContaining(["Cluster", "ExistingCluster", "GpuNodePool", "GpuOperator", "Namespaces", "Network"]));
  expect(components.flatMap(sourceProblems)).toEqual([]);
});

test("a wrong token or a missing registerOutputs in the source is caught", () => {
  const file = path.join("components", "data", "redis.ts");
  expect(sourceProblems({ file, className: "Redis", token: "ods:infra:Redis", registersOutputs: true })).toEqual([`${file} Redis: type token "ods:infra:Redis"; expected "ods:data:Redis"`]);
  expect(sourceProblems({ file, className: "Redis", token: "ods:data:Redis", registersOutputs: false })).toEqual([`${file} Redis: no this.registerOutputs({...}) call`]);
});

test("a well-formed recording passes", () => {
  const c = rec("ods:infra:Network", "ods-prod-net", null, { registeredOutputs: ["vpcId"] });
  expect(skeletonProblems([c, rec("aws:ec2/vpc:Vpc", "ods-prod-net-vpc", c), rec("pulumi:providers:aws", "ods-prod-aws", null)])).toEqual([]);
});

test("each breakage of the skeleton is reported", () => {
  const good = rec("ods:infra:Network", "ods-prod-net", null, { registeredOutputs: ["vpcId"] });
  expect(skeletonProblems([rec("ods:Infra:network", "x", null, { registeredOutputs: ["a"] })])).toEqual(['ods:Infra:network "x": type token is not ods:<infra|data|model|edge|identity|apps|observability>:<PascalCaseName>']);
  expect(skeletonProblems([rec("ods:data:Redis", "r", null)])).toEqual(['ods:data:Redis "r": never called registerOutputs with its outputs']);
  expect(skeletonProblems([rec("aws:ec2/vpc:Vpc", "vpc", null)])).toEqual(['aws:ec2/vpc:Vpc "vpc": has no parent (create it with { parent: this } inside a component)']);
  expect(skeletonProblems([good, rec("aws:ec2/vpc:Vpc", "main-vpc", good)])).toEqual(['aws:ec2/vpc:Vpc "main-vpc": name is not derived from its parent\'s ("ods-prod-net-...")']);
  const orphan = rec("aws:ec2/vpc:Vpc", "ods-prod-net-vpc", good);
  expect(skeletonProblems([orphan])).toEqual(['aws:ec2/vpc:Vpc "ods-prod-net-vpc": parent ods:infra:Network "ods-prod-net" was not recorded']);
});
