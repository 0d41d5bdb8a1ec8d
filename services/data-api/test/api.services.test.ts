// The data API built as its Dockerfile builds it (`npm run build`, then `node dist/server.js`) and run
// against real backends started here: MariaDB, versitygw (S3) and an OpenID provider. Sprint 2's
// acceptance commands (register, query, SDK read) run as written, with a token.
import { execFile } from "child_process";
import { promisify } from "util";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { canConnect, startOidc } from "../../../test/backends";
import { type Backends, buildService, ROOT, type Service, startBackends, startService } from "./stack";

// Asynchronous: the OpenID provider runs in this process and must answer while a child waits on it.
const run = promisify(execFile);

let backends: Backends;
let service: Service;
let base = "";
let env: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function restartService(): Promise<void> {
  await service?.stop();
  service = await startService(env);
  base = service.base;
}

const call = (method: string, p: string, o: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}) =>
  fetch(`${base}${p}`, {
    method,
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body !== undefined ? { "content-type": "application/json" } : {}), ...o.headers },
    body: o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
  });
const json = async (r: Response) => (await r.json()) as Record<string, unknown> & { error?: { code: string; message: string; field?: string; request_id: string } };

beforeAll(async () => {
  buildService();
  backends = await startBackends();
  env = backends.env;
  for (const role of ["viewer", "ml-engineer", "admin"]) tokens[role] = await backends.oidc.token({ roles: [role] });
  tokens.none = await backends.oidc.token({ roles: ["offline_access"] });
  await restartService();
}, 180000);

afterAll(async () => {
  await service?.stop();
  await backends?.stop();
});

describe("Sprint 2's acceptance, as written (with a token)", () => {
  test("register with curl -d (JSON sent as a form), query ds-001, read it with the Python SDK", async () => {
    // curl -X POST http://alldata-api/api/v1/datasets -d '{"name": "test", "path": "s3://bucket/data/"}'
    const created = await call("POST", "/api/v1/datasets", { token: tokens["ml-engineer"], raw: '{"name": "test", "path": "s3://bucket/data/"}', headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ id: "ds-001", name: "test", path: "s3://bucket/data/", s3_path: "s3://bucket/data/", version: 1, created_by: expect.any(String) });
    // curl http://alldata-api/api/v1/datasets/ds-001
    const got = await call("GET", "/api/v1/datasets/ds-001", { token: tokens.viewer });
    expect(got.status).toBe(200);
    expect(await json(got)).toMatchObject({ id: "ds-001", name: "test", path: "s3://bucket/data/" });
    // python -c "from cube_sdk import Dataset; ds = Dataset.get('ds-001'); print(ds.read())"
    const { stdout: out } = await run("python3", ["-c", "from cube_sdk import Dataset; ds = Dataset.get('ds-001'); print(ds.read())"], {
      env: { PATH: process.env.PATH ?? "", PYTHONPATH: path.join(ROOT, "sdk", "python"), ODS_DATA_API_URL: base, ODS_API_TOKEN: tokens.viewer },
      encoding: "utf8",
    });
    expect(out).toBe("id,text\n1,hello\n2,world\n\n");
  });

  test("the Python SDK with client credentials instead of a token, and its error for an unknown dataset", async () => {
    const creds = await backends.oidc.client({ roles: ["viewer"] });
    const script = "from cube_sdk import Dataset, DataApiError\nprint(Dataset.get('ds-001').name)\ntry:\n    Dataset.get('ds-999')\nexcept DataApiError as e:\n    print(e.status, e.code)\n";
    const { stdout: out } = await run("python3", ["-c", script], {
      env: { PATH: process.env.PATH ?? "", PYTHONPATH: path.join(ROOT, "sdk", "python"), ODS_DATA_API_URL: base, ODS_TOKEN_URL: backends.oidc.tokenEndpoint, ODS_CLIENT_ID: creds.clientId, ODS_CLIENT_SECRET: creds.clientSecret },
      encoding: "utf8",
    });
    expect(out).toBe("test\n404 not_found\n");
  });
});

test("the TypeScript SDK reads the same dataset, lists and writes through presigned URLs", async () => {
  const { Client, Dataset, DataApiError } = await import("../../../sdk/typescript/src");
  const viewer = new Client({ baseUrl: base, token: tokens.viewer });
  const ds = await Dataset.get("ds-001", viewer);
  expect(ds.record).toMatchObject({ name: "test", path: "s3://bucket/data/" });
  expect(await ds.read()).toBe("id,text\n1,hello\n2,world\n");
  expect(await ds.read("part-1.csv")).toBe("2,world\n");
  await expect(ds.write("x.csv", "no")).rejects.toMatchObject({ status: 403, code: "forbidden" });
  await expect(Dataset.get("ds-999", viewer)).rejects.toBeInstanceOf(DataApiError);
  expect((await Dataset.list({ name: "test" }, viewer)).map((d) => d.id)).toEqual(["ds-001"]);
});

describe("access: a realm token, and the realm's roles", () => {
  test("no token, a malformed one and a tampered one get 401 with a challenge; the wrong role 403", async () => {
    const none = await call("GET", "/api/v1/datasets");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="data-api"');
    expect((await json(none)).error?.code).toBe("unauthorized");
    expect((await call("GET", "/api/v1/datasets", { headers: { authorization: "Basic dXNlcjpwYXNz" } })).status).toBe(401);
    const [h, p, s] = tokens.viewer.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as { realm_access: { roles: string[] } };
    claims.realm_access.roles = ["admin"];
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    expect((await call("DELETE", "/api/v1/datasets/ds-001", { token: forged })).status).toBe(401);
    expect((await call("GET", "/api/v1/datasets", { token: tokens.none })).status).toBe(403);
    const viewerWrite = await call("POST", "/api/v1/datasets", { token: tokens.viewer, body: { name: "v", path: "s3://bucket/v/" } });
    expect(viewerWrite.status).toBe(403);
    expect((await json(viewerWrite)).error?.message).toContain("write access needs one of the realm roles");
    expect((await call("DELETE", "/api/v1/datasets/ds-001", { token: tokens["ml-engineer"] })).status).toBe(403);
  });

  test("a token of another issuer is refused", async () => {
    const other = await startOidc();
    try {
      expect((await call("GET", "/api/v1/datasets", { token: await other.token({ roles: ["admin"] }) })).status).toBe(401);
    } finally {
      await other.stop();
    }
  });
});

describe("datasets", () => {
  const engineer = () => tokens["ml-engineer"];

  test("bad input gets a 400 naming the field; a duplicate name 409", async () => {
    const cases: [unknown, string, string][] = [
      [{ name: "bad name!", path: "s3://bucket/x/" }, "name", "must be 1-128 letters"],
      [{ name: "x" }, "path", "path (or s3_path) is required"],
      [{ name: "x", path: "s3://elsewhere/x/" }, "", "path: must be in the datasets bucket (s3://bucket/...)"],
      [{ name: "x", path: "s3://bucket/../other/" }, "", "path: must not contain . or .. segments"],
      [{ name: "x", path: "s3://bucket/x/", extra: 1 }, "", "Unrecognized key"],
      [{ name: "x", path: "s3://bucket/x/", tags: ["ok", "no spaces"] }, "tags.1", "must be 1-64 letters"],
    ];
    for (const [body, field, message] of cases) {
      const r = await call("POST", "/api/v1/datasets", { token: engineer(), body });
      const e = (await json(r)).error;
      expect([r.status, e?.code]).toEqual([400, "invalid_request"]);
      expect(e?.message).toContain(message);
      if (field) expect(e?.field).toBe(field);
      expect(JSON.stringify(e)).not.toMatch(/\bat \w+ \(|node_modules|\.ts:\d+/);
    }
    const dup = await call("POST", "/api/v1/datasets", { token: engineer(), body: { name: "test", path: "s3://bucket/again/" } });
    expect([dup.status, (await json(dup)).error?.field]).toEqual([409, "name"]);
    expect((await call("POST", "/api/v1/datasets", { token: engineer(), raw: "{not json", headers: { "content-type": "application/json" } })).status).toBe(400);
  });

  test("list with pagination and filters; update; versions; delete", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await call("POST", "/api/v1/datasets", { token: engineer(), body: { name: `sales-${i}`, s3_path: `s3://bucket/sales/${i}/`, format: i % 2 ? "csv" : "parquet", tags: i < 2 ? ["finance"] : [], columns: [{ name: "id", type: "int" }] } });
      expect(r.status).toBe(201);
    }
    const page = await json(await call("GET", "/api/v1/datasets?limit=2&offset=1&name=sales-", { token: tokens.viewer }));
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 1 });
    expect((page.items as { name: string }[]).map((d) => d.name)).toEqual(["sales-3", "sales-2"]);
    const tagged = await json(await call("GET", "/api/v1/datasets?tag=finance", { token: tokens.viewer }));
    expect((tagged.items as { name: string }[]).map((d) => d.name).sort()).toEqual(["sales-0", "sales-1"]);
    const csv = await json(await call("GET", "/api/v1/datasets?format=csv&name=sales", { token: tokens.viewer }));
    expect(csv.total).toBe(2);
    expect((await call("GET", "/api/v1/datasets?limit=1000", { token: tokens.viewer })).status).toBe(400);

    const id = ((page.items as { id: string }[])[0]).id;
    const updated = await json(await call("PATCH", `/api/v1/datasets/${id}`, { token: engineer(), body: { description: "Q3 sales", tags: ["finance", "q3"] } }));
    expect(updated).toMatchObject({ id, description: "Q3 sales", tags: ["finance", "q3"], format: "csv" });

    const v2 = await call("POST", `/api/v1/datasets/${id}/versions`, { token: engineer(), body: { path: "s3://bucket/sales/3-v2/", note: "reprocessed" } });
    expect(v2.status).toBe(201);
    expect(await json(v2)).toMatchObject({ version: 2, path: "s3://bucket/sales/3-v2/", note: "reprocessed" });
    const versions = await json(await call("GET", `/api/v1/datasets/${id}/versions`, { token: tokens.viewer }));
    expect((versions.items as { version: number; path: string }[]).map((v) => [v.version, v.path])).toEqual([[1, "s3://bucket/sales/3/"], [2, "s3://bucket/sales/3-v2/"]]);
    expect(await json(await call("GET", `/api/v1/datasets/${id}`, { token: tokens.viewer }))).toMatchObject({ version: 2, path: "s3://bucket/sales/3-v2/" });

    expect((await call("DELETE", `/api/v1/datasets/${id}`, { token: tokens.admin })).status).toBe(204);
    expect((await call("GET", `/api/v1/datasets/${id}`, { token: tokens.viewer })).status).toBe(404);
    expect((await call("DELETE", `/api/v1/datasets/${id}`, { token: tokens.admin })).status).toBe(404);
    expect((await call("GET", "/api/v1/datasets/nonsense", { token: tokens.viewer })).status).toBe(404);
  });
});

test("concurrent registrations with tags all succeed (InnoDB deadlocks are retried; the benchmark found one)", async () => {
  const results = await Promise.all(
    Array.from({ length: 60 }, (_, i) => call("POST", "/api/v1/datasets", { token: tokens["ml-engineer"], body: { name: `burst-${i}`, path: `s3://bucket/burst/${i}/`, tags: ["burst", `n${i % 3}`] } })),
  );
  expect(results.map((r) => r.status)).toEqual(Array(60).fill(201));
  expect((await json(await call("GET", "/api/v1/datasets?tag=burst&limit=1", { token: tokens.viewer }))).total).toBe(60);
});

describe("data access without handing out keys", () => {
  test("objects, preview and a presigned GET stay inside the dataset's prefix", async () => {
    const objects = await json(await call("GET", "/api/v1/datasets/ds-001/objects", { token: tokens.viewer }));
    expect((objects.items as { key: string; size: number }[]).map((o) => [o.key, o.size])).toEqual([["part-0.csv", 16], ["part-1.csv", 8]]);
    const preview = await json(await call("GET", "/api/v1/datasets/ds-001/preview?key=part-0.csv&bytes=7", { token: tokens.viewer }));
    expect(preview).toMatchObject({ key: "part-0.csv", bytes: 7, encoding: "utf-8", content: "id,text", size: 16 });
    const signed = await json(await call("POST", "/api/v1/datasets/ds-001/presign", { token: tokens.viewer, body: { key: "part-1.csv" } }));
    expect(signed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bucket\/data\/part-1\.csv\?.*X-Amz-Expires=300/);
    expect(String(signed.url)).not.toContain(backends.s3.secretAccessKey);
    expect(await (await fetch(String(signed.url))).text()).toBe("2,world\n");
    for (const key of ["../other/secret.txt", "/other/secret.txt", "a//b"]) {
      const r = await call("POST", "/api/v1/datasets/ds-001/presign", { token: tokens.viewer, body: { key } });
      expect([r.status, (await json(r)).error?.field]).toEqual([400, "key"]);
    }
    expect((await call("GET", "/api/v1/datasets/ds-001/preview?key=..%2Fother%2Fsecret.txt", { token: tokens.viewer })).status).toBe(400);
    expect((await call("GET", "/api/v1/datasets/ds-001/preview?key=missing.csv", { token: tokens.viewer })).status).toBe(404);
    expect((await call("POST", "/api/v1/datasets/ds-001/presign", { token: tokens.viewer, body: { key: "x", expires_in: 3600 } })).status).toBe(400);
  });

  test("an upload URL needs write access, and what is uploaded through it is read back", async () => {
    expect((await call("POST", "/api/v1/datasets/ds-001/presign", { token: tokens.viewer, body: { key: "new.csv", method: "PUT" } })).status).toBe(403);
    const put = await json(await call("POST", "/api/v1/datasets/ds-001/presign", { token: tokens["ml-engineer"], body: { key: "part-2.csv", method: "PUT", expires_in: 60 } }));
    expect((await fetch(String(put.url), { method: "PUT", body: "3,again\n" })).status).toBe(200);
    const objects = await json(await call("GET", "/api/v1/datasets/ds-001/objects", { token: tokens.viewer }));
    expect((objects.items as { key: string }[]).map((o) => o.key)).toEqual(["part-0.csv", "part-1.csv", "part-2.csv"]);
  });
});

test("metadata for text-to-SQL: what the read-only user may see, from information_schema", async () => {
  const r = await json(await call("GET", "/api/v1/metadata/tables", { token: tokens.viewer }));
  expect(r.items).toEqual([
    {
      database: "sales",
      table: "orders",
      comment: "one row per order",
      columns: [
        { name: "id", type: "int(11)", nullable: false, key: "PRI", comment: "order number" },
        { name: "customer", type: "varchar(64)", nullable: false, key: null, comment: null },
        { name: "total", type: "decimal(10,2)", nullable: true, key: null, comment: null },
      ],
    },
  ]);
  // The service's own tables are not the text-to-SQL user's to see.
  expect(JSON.stringify(r)).not.toContain("datasets");
});

test("metrics, request ids and logs: route templates as labels, nothing secret in any log line", async () => {
  const r = await call("GET", "/api/v1/datasets/ds-001", { token: tokens.viewer, headers: { "x-request-id": "req-abc-123" } });
  expect(r.headers.get("x-request-id")).toBe("req-abc-123");
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/http_requests_total\{handler="\/api\/v1\/datasets\/:id",method="GET",status="2xx"\} \d+/);
  expect(metrics).toMatch(/http_requests_total\{handler="\/api\/v1\/datasets",method="GET",status="4xx"\} \d+/);
  expect(metrics).toMatch(/http_request_duration_seconds_bucket\{le="0.05",handler="\/api\/v1\/datasets\/:id",method="GET"\}/);
  expect(metrics).toContain("process_cpu_seconds_total");
  const log = service.log();
  const lines = log.trim().split("\n").map((l) => JSON.parse(l) as { reqId?: string; msg: string });
  expect(lines.some((l) => l.reqId === "req-abc-123")).toBe(true);
  for (const secretValue of [env.DB_PASSWORD, env.AWS_SECRET_ACCESS_KEY, env.METADATA_DB_PASSWORD, ...Object.values(tokens)]) expect(log).not.toContain(secretValue);
  expect(log).not.toMatch(/authorization/i);
});

test("the performance gate's data-api run passes against the service", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-gate-data-api-"));
  try {
    fs.writeFileSync(path.join(dir, "endpoints.json"), JSON.stringify({ dataApi: { baseUrl: base } }));
    // The local profile's data-api entry, shorter; datasets go under the service's datasets bucket.
    const profile = {
      description: "the data API on real backends (npm run test:services)",
      required: ["data-api"],
      services: {
        "data-api": {
          warmup: { rate: 1, duration: "3s" },
          measure: { rate: 5, duration: "10s", preAllocatedVUs: 10, maxVUs: 50 },
          workload: { bucket: `s3://${backends.bucket}` },
          thresholds: { data_api_ms: ["p(95)<500"], data_api_errors: ["rate<0.05"] },
        },
      },
    };
    fs.writeFileSync(path.join(dir, "profile.json"), JSON.stringify(profile));
    const args = ["run", "--silent", "gate", "--", "--stack", "svc-test", "--only", "data-api", "--endpoints", path.join(dir, "endpoints.json"), "--profile", path.join(dir, "profile.json"), "--out", path.join(dir, "out"), "--no-dashboard"];
    const r = await run("npm", args, { cwd: ROOT, env: { ...process.env, ODS_API_TOKEN: tokens["ml-engineer"], ODS_PUSHGATEWAY_URL: "" }, encoding: "utf8" }).catch((e: { code?: number; stdout?: string; stderr?: string }) => e);
    const out = `${(r as { stdout?: string }).stdout ?? ""}${(r as { stderr?: string }).stderr ?? ""}`;
    // On a failure the whole output shows (k6's summary and the gate's verdict table).
    expect({ code: (r as { code?: number }).code ?? 0, out }).toEqual({ code: 0, out: expect.stringMatching(/gate svc-test: PASSED[\s\S]*data-api \| PASSED/) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120000);

test("a restart keeps the data and finds the schema up to date", async () => {
  await service.stop();
  expect(await canConnect("127.0.0.1", Number(new URL(base).port))).toBe(false);
  await restartService();
  expect(service.log()).toContain("schema up to date");
  expect((await call("GET", "/api/v1/datasets/ds-001", { token: tokens.viewer })).status).toBe(200);
});
