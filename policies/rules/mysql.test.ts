import { check } from "../test/harness";
import { UNKNOWN } from "../test/fixtures";
import { conventionalDatabase, grantOwnDatabase, noWildcardSuperuser } from "./mysql";

const GRANT = "mysql:index/grant:Grant";
const USER = "mysql:index/user:User";

describe("mysql-no-remote-superuser", () => {
  it("accepts scoped privileges from '%' and ALL on localhost", async () => {
    expect(await check(noWildcardSuperuser, GRANT, { user: "keycloak", host: "%", database: "keycloak", privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"] })).toEqual([]);
    expect(await check(noWildcardSuperuser, GRANT, { user: "admin", database: "*", privileges: ["ALL"] })).toEqual([]);
  });
  it("reports ALL privileges for '%' and a remote root", async () => {
    expect(await check(noWildcardSuperuser, GRANT, { user: "app", host: "%", database: "*", privileges: ["ALL PRIVILEGES"] })).toEqual([
      "Grant test gives ALL privileges on * to app@'%'.",
    ]);
    expect(await check(noWildcardSuperuser, USER, { user: "root", host: "%", plaintextPassword: "[secret]" })).toEqual(["User root is created for host '%'."]);
  });
  it("does not report an unknown host", async () => {
    expect(await check(noWildcardSuperuser, GRANT, { user: "app", host: UNKNOWN, database: "*", privileges: ["ALL"] })).toEqual([]);
  });
});

describe("mysql-grant-own-database", () => {
  it("follows the naming convention", () => {
    expect(conventionalDatabase("milvus_app")).toEqual(["milvus_app", "milvus"]);
    expect(conventionalDatabase("keycloak")).toEqual(["keycloak"]);
  });
  it("accepts a user on its own database, by convention or mapping", async () => {
    expect(await check(grantOwnDatabase, GRANT, { user: "keycloak", host: "%", database: "keycloak", privileges: ["ALL"] })).toEqual([]);
    expect(await check(grantOwnDatabase, GRANT, { user: "studio_app", host: "%", database: "studio", privileges: ["SELECT"] })).toEqual([]);
    expect(await check(grantOwnDatabase, GRANT, { user: "kc", database: "keycloak", privileges: ["SELECT"] }, { userDatabases: { kc: "keycloak" } })).toEqual([]);
  });
  it("reports grants on every database or on someone else's", async () => {
    expect(await check(grantOwnDatabase, GRANT, { user: "studio_app", database: "*", privileges: ["SELECT"] })).toEqual([
      "Grant test gives studio_app privileges on every database (*).",
    ]);
    expect(await check(grantOwnDatabase, GRANT, { user: "studio_app", database: "keycloak", privileges: ["SELECT"] })).toEqual([
      "Grant test gives studio_app privileges on database keycloak, which is not its own (studio_app or studio).",
    ]);
  });
  it("skips admin users, role grants and unknown values", async () => {
    expect(await check(grantOwnDatabase, GRANT, { user: "backup", database: "*", privileges: ["SELECT"] }, { adminUsers: ["backup"] })).toEqual([]);
    expect(await check(grantOwnDatabase, GRANT, { user: "app", database: "*", roles: ["reader"] })).toEqual([]);
    expect(await check(grantOwnDatabase, GRANT, { user: UNKNOWN, database: "*", privileges: ["SELECT"] })).toEqual([]);
  });
});
