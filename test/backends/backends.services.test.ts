// The backend harness itself: each backend starts on 127.0.0.1, does one real round trip (and refuses the bad case), and stops.
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type * as Jose from "jose";
import * as mysql from "mysql2/promise";
import { performance } from "node:perf_hooks";
import { canConnect, createDatabaseUser, MariadbBackend, OidcBackend, redisCommands, RedisBackend, requireEsm, S3Backend, startMariadb, startOidc, startRedis, startS3 } from "./index";

const startupMs: Record<string, number> = {};

async function timed<T>(name: string, start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const backend = await start();
  startupMs[name] = Math.round(performance.now() - t0);
  return backend;
}

afterAll(() => {
  console.log(`backend startup (ms): ${Object.entries(startupMs).map(([k, v]) => `${k} ${v}`).join(", ")}`);
});

describe("MariaDB", () => {
  let db: MariadbBackend;
  beforeAll(async () => {
    db = await timed("mariadb", () => startMariadb());
  });
  afterAll(async () => db?.stop());

  it("answers root over TCP on 127.0.0.1 and refuses a wrong root password", async () => {
    expect(db.host).toBe("127.0.0.1");
    const root = await mysql.createConnection({ host: db.host, port: db.port, user: db.rootUser, password: db.rootPassword });
    try {
      const [rows] = await root.query<mysql.RowDataPacket[]>("SELECT 1 + 1 AS two, VERSION() AS version, @@character_set_server AS charset");
      expect(rows[0]).toMatchObject({ two: 2, charset: "utf8mb4" });
      expect(rows[0].version).toMatch(/MariaDB/);
    } finally {
      await root.end();
    }
    await expect(mysql.createConnection({ host: db.host, port: db.port, user: db.rootUser, password: `${db.rootPassword}x` })).rejects.toMatchObject({ code: "ER_ACCESS_DENIED_ERROR" });
  });

  it("creates a database and a user whose grants hold, and only those", async () => {
    const app = await createDatabaseUser(db, { database: "app", user: "app_rw", grants: ["SELECT", "INSERT", "CREATE"] });
    const conn = await mysql.createConnection({ host: app.host, port: app.port, user: app.user, password: app.password, database: app.database });
    try {
      await conn.query("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(32))");
      await conn.execute("INSERT INTO items VALUES (?, ?)", [1, "one"]);
      const [rows] = await conn.execute<mysql.RowDataPacket[]>("SELECT name FROM items WHERE id = ?", [1]);
      expect(rows).toEqual([{ name: "one" }]);
      // Not granted: DELETE, DROP, other databases.
      await expect(conn.query("DELETE FROM items")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });
      await expect(conn.query("DROP TABLE items")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });
      await expect(conn.query("SELECT * FROM mysql.global_priv")).rejects.toMatchObject({ code: "ER_TABLEACCESS_DENIED_ERROR" });
      await expect(conn.query("CREATE DATABASE other")).rejects.toMatchObject({ code: "ER_DBACCESS_DENIED_ERROR" });
    } finally {
      await conn.end();
    }
    await expect(mysql.createConnection({ host: app.host, port: app.port, user: app.user, password: "wrong" })).rejects.toMatchObject({ code: "ER_ACCESS_DENIED_ERROR" });
    await expect(createDatabaseUser(db, { database: "app; DROP DATABASE app", user: "x" })).rejects.toThrow(/must match/);
  });

  it("stops: the port no longer accepts connections", async () => {
    expect(await canConnect(db.host, db.port)).toBe(true);
    await db.stop();
    expect(await canConnect(db.host, db.port)).toBe(false);
  });
});

describe("Redis", () => {
  let redis: RedisBackend;
  beforeAll(async () => {
    redis = await timed("redis", () => startRedis());
  });
  afterAll(async () => redis?.stop());

  it("SET/GET with the password over raw RESP", async () => {
    const replies = await redisCommands(redis, [["AUTH", redis.password], ["SET", "greeting", "hello"], ["GET", "greeting"], ["CONFIG", "GET", "save"]]);
    expect(replies).toEqual(["OK", "OK", "hello", ["save", ""]]);
  });

  it("refuses a wrong password and a client without one", async () => {
    const [auth, get] = await redisCommands(redis, [["AUTH", "wrong"], ["GET", "greeting"]]);
    expect(auth).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
    expect(get).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
    expect(await redisCommands(redis, [["GET", "greeting"]])).toEqual([{ error: expect.stringMatching(/^NOAUTH/) }]);
  });

  it("stops: the port no longer accepts connections", async () => {
    await redis.stop();
    expect(await canConnect(redis.host, redis.port)).toBe(false);
  });
});

describe("S3 (versitygw)", () => {
  let s3: S3Backend;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await timed("s3", () => startS3());
    client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it("creates a bucket, puts and gets an object path-style, and serves a presigned GET", async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await client.send(new CreateBucketCommand({ Bucket: "datasets" }));
    await client.send(new PutObjectCommand({ Bucket: "datasets", Key: "a/b.csv", Body: "x,y\n1,2\n", ContentType: "text/csv" }));
    const got = await client.send(new GetObjectCommand({ Bucket: "datasets", Key: "a/b.csv" }));
    expect(await got.Body?.transformToString()).toBe("x,y\n1,2\n");
    expect(got.ContentType).toBe("text/csv");

    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: "datasets", Key: "a/b.csv" }), { expiresIn: 60 });
    expect(url.startsWith(`${s3.endpoint}/datasets/a/b.csv?`)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("x,y\n1,2\n");

    // A presigned URL for another key with this signature is refused.
    const forged = await fetch(url.replace("/a/b.csv?", "/a/c.csv?"));
    expect(forged.status).toBe(403);
    await forged.arrayBuffer();
  });

  it("refuses a wrong secret, an anonymous request, and answers NoSuchKey", async () => {
    const wrong = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: `${s3.secretAccessKey}x` } });
    try {
      await expect(wrong.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    } finally {
      wrong.destroy();
    }
    const anonymous = await fetch(`${s3.endpoint}/datasets/a/b.csv`);
    expect(anonymous.status).toBe(403);
    await anonymous.arrayBuffer();
    await expect(client.send(new GetObjectCommand({ Bucket: "datasets", Key: "missing" }))).rejects.toMatchObject({ name: "NoSuchKey" });
  });

  it("stops: the port no longer accepts connections", async () => {
    await s3.stop();
    expect(await canConnect("127.0.0.1", Number(new URL(s3.endpoint).port))).toBe(false);
  });
});

describe("OpenID provider", () => {
  let oidc: OidcBackend;
  const jose = requireEsm<typeof Jose>("jose");
  beforeAll(async () => {
    oidc = await timed("oidc", () => startOidc());
  });
  afterAll(async () => oidc?.stop());

  it("issues RS256 JWT access tokens with realm roles that verify against the issuer's JWKS", async () => {
    const jwks = jose.createRemoteJWKSet(new URL(oidc.jwksUri));
    const admin = await oidc.token({ roles: ["viewer", "admin"] });
    const { payload, protectedHeader } = await jose.jwtVerify(admin, jwks, { issuer: oidc.issuer, audience: "account" });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload.realm_access).toEqual({ roles: ["admin", "viewer"] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(payload.azp).toBe(payload.client_id);

    const viewer = await oidc.token({ roles: ["viewer"], audience: "data-api", expiresIn: 60 });
    const v = await jose.jwtVerify(viewer, jwks, { issuer: oidc.issuer, audience: "data-api" });
    expect(v.payload.realm_access).toEqual({ roles: ["viewer"] });
    expect((v.payload.exp ?? 0) - (v.payload.iat ?? 0)).toBe(60);
    // Another audience, or another issuer, is refused.
    await expect(jose.jwtVerify(viewer, jwks, { issuer: oidc.issuer, audience: "account" })).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "aud" });
    await expect(jose.jwtVerify(viewer, jwks, { issuer: "http://127.0.0.1:1", audience: "data-api" })).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "iss" });
  });

  it("refuses a token whose payload was tampered with, and a client with a wrong secret", async () => {
    const jwks = jose.createRemoteJWKSet(new URL(oidc.jwksUri));
    const viewer = await oidc.token({ roles: ["viewer"] });
    const [header, body, signature] = viewer.split(".");
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    claims.realm_access.roles = ["admin"];
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".");
    await expect(jose.jwtVerify(tampered, jwks, { issuer: oidc.issuer })).rejects.toMatchObject({ code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });

    const { clientId } = await oidc.client({ roles: ["viewer"] });
    const res = await fetch(oidc.tokenEndpoint, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:wrong`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "invalid_client" });
  });

  it("stops: the port no longer accepts connections", async () => {
    await oidc.stop();
    expect(await canConnect("127.0.0.1", Number(new URL(oidc.issuer).port))).toBe(false);
  });
});
