// Stateful data survives a config change: the objects that own volumes keep their URNs and their volume
// claims (immutable: a difference would replace the StatefulSet or cluster and orphan the data), and what
// loses data when deleted is retained or protected.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedPlan } from "../../plan/planCache";
import { RecordedResource } from "../../plan/types";
import { get, ofType } from "../harness";

const STACK_FILE = path.join(__dirname, "..", "..", "stacks", "Pulumi.local.yaml");

/** The local stack with every data service's CPU, memory and replica count of the data API changed. */
function changedStackFile(): string {
  const text = fs.readFileSync(STACK_FILE, "utf8");
  const resources = '{ requests: { cpu: 300m, memory: 768Mi }, limits: { memory: 3Gi } }';
  const changed = text
    .replace("minio: { volumeSize: 10Gi }", `minio: { volumeSize: 10Gi, resources: ${resources} }`)
    .replace("mysql: { volumeSize: 5Gi }", `mysql: { volumeSize: 5Gi, resources: ${resources} }`)
    .replace("redis: { volumeSize: 1Gi }", `redis: { volumeSize: 1Gi, resources: ${resources} }`)
    .replace("milvus: { volumeSize: 10Gi }", `milvus: { volumeSize: 10Gi, resources: ${resources} }`);
  if (changed === text || changed.split(resources).length !== 5) throw new Error("stacks/Pulumi.local.yaml changed shape: update changedStackFile()");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-stateful-"));
  const file = path.join(dir, "Pulumi.local.yaml");
  fs.writeFileSync(file, changed);
  return file;
}

/** Objects that own persistent volumes, with what must not change: their volume claims. */
function volumeOwners(resources: RecordedResource[]): Map<string, unknown> {
  const owners = new Map<string, unknown>();
  for (const r of ofType(resources, "kubernetes:apps/v1:StatefulSet")) {
    if (get(r, "spec.volumeClaimTemplates") !== undefined) owners.set(r.urn, get(r, "spec.volumeClaimTemplates"));
  }
  for (const r of ofType(resources, "kubernetes:moco.cybozu.com/v1beta2:MySQLCluster")) owners.set(r.urn, get(r, "spec.volumeClaimTemplates"));
  for (const r of ofType(resources, "kubernetes:core/v1:PersistentVolumeClaim")) owners.set(r.urn, get(r, "spec"));
  return owners;
}

let before: RecordedResource[];
let after: RecordedResource[];
beforeAll(async () => {
  before = (await cachedPlan("local")).resources;
  after = (await cachedPlan("local", { stackFile: changedStackFile() })).resources;
});

test("the change is real: the data services' containers ask for other resources", () => {
  const requests = (rs: RecordedResource[]) => JSON.stringify(rs.filter((r) => r.type.endsWith(":StatefulSet") || r.type.endsWith(":MySQLCluster")).map((r) => get(r, "spec")));
  expect(requests(after)).not.toEqual(requests(before));
  expect(requests(after)).toContain("768Mi");
});

test("every volume owner (MinIO, Redis and etcd StatefulSets, the MySQL cluster, Milvus' claim) keeps its URN and its volume claims", () => {
  const a = volumeOwners(before);
  const b = volumeOwners(after);
  expect(a.size).toBeGreaterThanOrEqual(5);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [urn, claims] of a) expect([urn, b.get(urn)]).toEqual([urn, claims]);
});

test("StatefulSets keep their claims when scaled down or deleted", () => {
  for (const r of ofType(before, "kubernetes:apps/v1:StatefulSet")) {
    const policy = get(r, "spec.persistentVolumeClaimRetentionPolicy") as { whenDeleted?: string; whenScaled?: string } | undefined;
    // Unset means Retain for both (the Kubernetes default); only an explicit Delete loses data.
    expect([r.name, policy?.whenDeleted ?? "Retain", policy?.whenScaled ?? "Retain"]).toEqual([r.name, "Retain", "Retain"]);
  }
});

test("what holds data is retained when removed from the program, and the MySQL cluster is protected", () => {
  const kept = (type: string) => ofType(before, type).map((r) => [r.name, r.options?.retainOnDelete === true]);
  for (const type of ["minio:index/s3Bucket:S3Bucket", "mysql:index/database:Database", "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:moco.cybozu.com/v1beta2:MySQLCluster"]) {
    const found = kept(type);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toEqual(found.map(([name]) => [name, true]));
  }
  for (const c of ofType(before, "kubernetes:moco.cybozu.com/v1beta2:MySQLCluster")) expect(c.options?.protect).toBe(true);
  // The check itself: a resource without the option is reported.
  expect(ofType(before, "kubernetes:apps/v1:Deployment").every((d) => d.options?.retainOnDelete === true)).toBe(false);
});
