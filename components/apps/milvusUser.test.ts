// MilvusUser: a user of the service's own, created by a Job beside Milvus' root Secret; the password only
// in Secrets (both namespaces), never in the Job's spec; bad names refused before anything is declared.
import * as pulumi from "@pulumi/pulumi";
import { allStrings, get, ofType, record } from "../../test/harness";
import type { RecordedResource } from "../../plan/types";
import { ModelApiKey } from "../model/modelApi";
import { MILVUS_SETUP_IMAGE, MILVUS_SETUP_SCRIPT, MilvusUser, MilvusUserArgs, milvusUserPlan, milvusUserProblems, milvusUserSecretData, RAG_GRANTS } from "./milvusUser";

const ARGS: MilvusUserArgs = { milvusNamespace: "ods-data", endpoint: "http://m.ods-data.svc.cluster.local:19530", rootSecret: "m-auth", clientNamespace: "ods-apps", user: "agent_api", grants: RAG_GRANTS };

test("the plan: a Job in Milvus' namespace reading the root and the user's password by reference, restricted, pinned", () => {
  const p = milvusUserPlan("ods-dev-agent-api", ARGS);
  expect([p.role, p.secretName, p.database]).toEqual(["agent_api_role", "ods-dev-agent-api-milvus", "default"]);
  expect(p.jobName).toMatch(/^ods-dev-agent-api-milvus-setup-[0-9a-f]{8}$/);
  const c = p.job.template.spec.containers[0];
  expect(c.image).toBe(MILVUS_SETUP_IMAGE);
  expect(c.command).toEqual(["python3", "-c", MILVUS_SETUP_SCRIPT]);
  const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
  expect(env.MILVUS_ROOT_PASSWORD).toEqual({ name: "MILVUS_ROOT_PASSWORD", valueFrom: { secretKeyRef: { name: "m-auth", key: "password", optional: false } } });
  expect(env.MILVUS_USER_PASSWORD).toEqual({ name: "MILVUS_USER_PASSWORD", valueFrom: { secretKeyRef: { name: "ods-dev-agent-api-milvus", key: "password", optional: false } } });
  expect(JSON.parse(env.MILVUS_GRANTS.value as string)).toEqual([{ privilege: "DatabaseReadWrite", collection: "*" }, { privilege: "CollectionAdmin", collection: "*" }]);
  expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
  expect(c.resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } });
  // The script never prints the environment or a password.
  expect(MILVUS_SETUP_SCRIPT).not.toMatch(/print\([^)]*(password|auth)/i);
});

test("new grants or a new user give the Job a new name (its spec is immutable, so `pulumi up` replaces it)", () => {
  const a = milvusUserPlan("x", ARGS).jobName;
  expect(milvusUserPlan("x", ARGS).jobName).toBe(a);
  expect(milvusUserPlan("x", { ...ARGS, grants: [{ privilege: "CollectionReadOnly", collection: "*" }] }).jobName).not.toBe(a);
  expect(milvusUserPlan("x", { ...ARGS, user: "other" }).jobName).not.toBe(a);
});

test.each([
  [{ user: "root" }, 'user "root" is Milvus\' administrator'],
  [{ user: "agent-api" }, 'user "agent-api" is not a Milvus user name'],
  [{ user: "a".repeat(33) }, "is not a Milvus user name"],
  [{ database: "my-db" }, 'database "my-db" is not a Milvus database name'],
  [{ grants: [] }, "grants is empty"],
  [{ grants: [{ privilege: "Read Write", collection: "*" }] }, 'grants[0].privilege "Read Write" is not a privilege name'],
  [{ grants: [{ privilege: "Search", collection: "a b" }] }, 'grants[0].collection "a b" is not a collection'],
])("%j is refused, naming the argument", (bad, message) => {
  expect(milvusUserProblems({ ...ARGS, ...bad }).join("; ")).toContain(message);
  expect(() => milvusUserPlan("x", { ...ARGS, ...bad })).toThrow(message);
});

test("the Secret data: username, password and the `user:password` token, the last two secret", async () => {
  const d = milvusUserSecretData("agent_api", "pw", true);
  expect(Object.keys(d)).toEqual(["username", "password", "token"]);
  expect(d.username).toBe("agent_api");
  const [pw, token] = await Promise.all([d.password, d.token].map((v) => new Promise((res) => pulumi.output(v).apply(res))));
  expect([pw, token]).toEqual(["pw", "agent_api:pw"]);
  expect(await Promise.all([d.password, d.token].map((v) => pulumi.isSecret(pulumi.output(v))))).toEqual([true, true]);
  expect(Object.keys(milvusUserSecretData("agent_api", "pw", false))).toEqual(["username", "password"]);
});

const byNamespace = (rs: RecordedResource[]) => ofType(rs, "kubernetes:core/v1:Secret").sort((a, b) => String(get(a, "metadata.namespace")).localeCompare(String(get(b, "metadata.namespace"))));

test("declares the client's Secret and the Job's copy, both secret; the Job waits for its copy and holds no secret", async () => {
  const rs = await record(() => new MilvusUser("ods-test-agent-api", ARGS));
  const secrets = byNamespace(rs);
  expect(secrets.map((s) => [get(s, "metadata.namespace"), get(s, "metadata.name"), get(s, "stringData")])).toEqual([["ods-apps", "ods-test-agent-api-milvus", "[secret]"], ["ods-data", "ods-test-agent-api-milvus", "[secret]"]]);
  const job = ofType(rs, "kubernetes:batch/v1:Job")[0];
  expect(get(job, "metadata.namespace")).toBe("ods-data");
  expect(job.dependencies).toContain(secrets[1].urn);
  expect(allStrings(job.inputs)).not.toContain("[secret]");
  for (const r of rs.filter((x) => x.type !== "ods:apps:MilvusUser")) expect(r.parent).toBeTruthy();
});

test("ModelApiKey copies: a Secret under the same name in each client namespace, secret; none by default", async () => {
  const rs = await record(() => new ModelApiKey("ods-test-model-api-key", { namespace: "ods-model", copies: { apps: "ods-apps" } }));
  expect(byNamespace(rs).map((s) => [get(s, "metadata.namespace"), get(s, "metadata.name"), get(s, "stringData")])).toEqual([["ods-apps", "ods-test-model-api-key", "[secret]"], ["ods-model", "ods-test-model-api-key", "[secret]"]]);
  // Both from the one generated value.
  expect(ofType(rs, "random:index/randomPassword:RandomPassword")).toHaveLength(1);
  const none = await record(() => new ModelApiKey("k", { namespace: "ods-model" }));
  expect(ofType(none, "kubernetes:core/v1:Secret")).toHaveLength(1);
});
