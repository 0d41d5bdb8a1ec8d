// The data API's pure parts: ids, dataset paths and object keys (nothing may leave the dataset's
// prefix), settings (a secret is never shown), realm roles and what they allow.
import { allowed, realmRoles } from "../src/auth";
import { datasetPrefix, formatId, keyProblem, parseId } from "../src/datasets";
import { readSettings, SettingsError } from "../src/settings";
import { KeyError, objectKey } from "../src/storage";

test("ids: ds-001 is row 1; anything else is no id", () => {
  expect([formatId(1), formatId(42), formatId(1234)]).toEqual(["ds-001", "ds-042", "ds-1234"]);
  expect([parseId("ds-001"), parseId("ds-1234"), parseId("ds-0"), parseId("ds-1;DROP"), parseId("DS-001"), parseId("ds-")]).toEqual([1, 1234, undefined, undefined, undefined, undefined]);
});

describe("dataset paths", () => {
  test.each([
    ["s3://datasets/data/", "data/"],
    ["s3://datasets/data", "data/"],
    ["s3://datasets/a/b-c_d.e/", "a/b-c_d.e/"],
  ])("%s is the prefix %s", (path, prefix) => {
    expect(datasetPrefix(path, "datasets")).toEqual({ prefix });
  });

  test.each([
    ["s3://other/data/", "must be in the datasets bucket (s3://datasets/...)"],
    ["s3://datasets/", "must name a prefix below the bucket"],
    ["s3://datasets/../secrets/", "must not contain . or .. segments"],
    ["s3://datasets/a/../../b/", "must not contain . or .. segments"],
    ["s3://datasets//abs/", "must not contain empty segments"],
    ["s3://datasets/a//b/", "must not contain empty segments"],
    ["s3://datasets/a\\..\\b/", "must not contain control characters or backslashes"],
    ["s3://datasets/a\nb/", "must not contain control characters or backslashes"],
    ["http://datasets/a/", "must be s3://<bucket>/<prefix>/"],
    ["datasets/a/", "must be s3://<bucket>/<prefix>/"],
    [`s3://datasets/${"a".repeat(1001)}/`, "must be at most 1000 characters long"],
  ])("%j is refused: %s", (path, message) => {
    const r = datasetPrefix(path, "datasets");
    expect("error" in r && r.error).toContain(message);
  });
});

test("object keys stay inside the dataset's prefix", () => {
  expect(objectKey("data/", "part-0.csv")).toBe("data/part-0.csv");
  expect(objectKey("data/", "2026/01/x.parquet")).toBe("data/2026/01/x.parquet");
  for (const bad of ["../other/x", "/etc/passwd", "a/../../x", "", "a//b", "a\\b"]) expect(() => objectKey("data/", bad)).toThrow(KeyError);
  expect(keyProblem("ok/key")).toBeUndefined();
});

describe("settings", () => {
  const env = {
    DB_HOST: "127.0.0.1",
    DB_NAME: "data_api",
    DB_USER: "data_api",
    DB_PASSWORD: "Zq-sentinel-db-password",
    S3_BUCKET_DATASETS: "ods-local-datasets",
    OIDC_ISSUER_URL: "https://auth.ods.localtest.me/realms/ods",
  };

  test("defaults from the contract; the metadata user only with all three of its variables", () => {
    const s = readSettings(env);
    expect(s.port).toBe(8080);
    expect(s.db).toEqual({ host: "127.0.0.1", port: 3306, database: "data_api", user: "data_api", password: "Zq-sentinel-db-password" });
    expect(s.s3.pathStyle).toBe(false);
    expect(s.metadataDb).toBeUndefined();
    expect(readSettings({ ...env, METADATA_DB_HOST: "db", METADATA_DB_USER: "text2sql", METADATA_DB_PASSWORD: "p" }).metadataDb).toEqual({ host: "db", port: 3306, user: "text2sql", password: "p" });
  });

  test("every bad variable is named; a password is never shown", () => {
    let err: SettingsError | undefined;
    try {
      readSettings({ ...env, DB_PORT: "99999", OIDC_ISSUER_URL: "not a url", S3_BUCKET_DATASETS: "Bad_Bucket", METADATA_DB_HOST: "db", METADATA_DB_PASSWORD: "Zq-sentinel-meta" });
    } catch (e) {
      err = e as SettingsError;
    }
    expect(err).toBeInstanceOf(SettingsError);
    const msg = err!.message;
    expect(msg).toContain('DB_PORT = "99999"');
    expect(msg).toContain('OIDC_ISSUER_URL = "not a url"');
    expect(msg).toContain('S3_BUCKET_DATASETS = "Bad_Bucket": must be an S3 bucket name');
    expect(msg).toContain("METADATA_DB_USER = (not set): is required with METADATA_DB_HOST, METADATA_DB_PASSWORD");
    expect(msg).not.toContain("Zq-sentinel");
    const { DB_PASSWORD: _p, ...noPassword } = env;
    expect(() => readSettings(noPassword)).toThrow("DB_PASSWORD = (not set)");
  });
});

test("realm roles decide read, write and admin", () => {
  expect(realmRoles({ realm_access: { roles: ["viewer", 3, "offline_access"] } })).toEqual(["viewer", "offline_access"]);
  expect(realmRoles({})).toEqual([]);
  const viewer = { name: "v", roles: ["viewer"] };
  const engineer = { name: "e", roles: ["ml-engineer"] };
  const admin = { name: "a", roles: ["admin"] };
  const nobody = { name: "n", roles: ["offline_access"] };
  expect([allowed(viewer, "read"), allowed(viewer, "write"), allowed(viewer, "admin")]).toEqual([true, false, false]);
  expect([allowed(engineer, "read"), allowed(engineer, "write"), allowed(engineer, "admin")]).toEqual([true, true, false]);
  expect([allowed(admin, "read"), allowed(admin, "write"), allowed(admin, "admin")]).toEqual([true, true, true]);
  expect([allowed(nobody, "read"), allowed(nobody, "write"), allowed(nobody, "admin")]).toEqual([false, false, false]);
});
