// The data API on real backends, for the integration suite and the benchmark: MariaDB (its own
// database and a read-only text-to-SQL user), versitygw with a datasets bucket, an OpenID provider,
// and the service built as its image builds it (`npm run build`, `node dist/server.js`).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as mysql from "mysql2/promise";
import { createDatabaseUser, freePort, type MariadbBackend, type OidcBackend, repoRoot, type S3Backend, startMariadb, startOidc, startS3 } from "../../../test/backends";

export const ROOT = repoRoot();
export const SERVICE = path.join(ROOT, "services", "data-api");
const NODE = fs.existsSync(path.join(ROOT, "node_modules", ".bin", "node")) ? path.join(ROOT, "node_modules", ".bin", "node") : process.execPath;

/** `npm run build --workspace services/data-api`: the Dockerfile's build step. */
export function buildService(): void {
  execFileSync("npm", ["run", "--silent", "build", "--workspace", "services/data-api"], { cwd: ROOT, stdio: "inherit" });
}

export interface Backends {
  db: MariadbBackend;
  s3: S3Backend;
  oidc: OidcBackend;
  bucket: string;
  /** The service's environment, as the kit sets it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the backends with what the kit would have created: the service's database and user, the
 * text-to-SQL user with SELECT on a `sales` database (one table), the datasets bucket with objects
 * under `data/` (two CSV parts) and `other/` (not a dataset's).
 */
export async function startBackends(bucket = "bucket"): Promise<Backends> {
  const [db, s3, oidc] = await Promise.all([startMariadb(), startS3(), startOidc()]);
  const stop = async () => void (await Promise.all([db.stop(), s3.stop(), oidc.stop()]));
  try {
    const own = await createDatabaseUser(db, { database: "data_api", user: "data_api" });
    const reader = await createDatabaseUser(db, { database: "sales", user: "text2sql", grants: ["SELECT"] });
    const root = await mysql.createConnection({ host: db.host, port: db.port, user: db.rootUser, password: db.rootPassword });
    await root.query("CREATE TABLE sales.orders (id INT PRIMARY KEY COMMENT 'order number', customer VARCHAR(64) NOT NULL, total DECIMAL(10,2) NULL) COMMENT 'one row per order'");
    await root.end();
    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "data/part-0.csv", Body: "id,text\n1,hello\n" }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "data/part-1.csv", Body: "2,world\n" }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "other/secret.txt", Body: "not a dataset of anyone's" }));
    client.destroy();
    const env = {
      DB_HOST: own.host,
      DB_PORT: String(own.port),
      DB_NAME: own.database,
      DB_USER: own.user,
      DB_PASSWORD: own.password,
      METADATA_DB_HOST: reader.host,
      METADATA_DB_PORT: String(reader.port),
      METADATA_DB_USER: reader.user,
      METADATA_DB_PASSWORD: reader.password,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_PATH_STYLE: "true",
      S3_BUCKET_DATASETS: bucket,
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      OIDC_ISSUER_URL: oidc.issuer,
    };
    return { db, s3, oidc, bucket, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Service {
  base: string;
  /** Everything it printed so far (JSON log lines). */
  log(): string;
  clearLog(): void;
  stop(): Promise<void>;
}

/** Runs `node dist/server.js` on a free port and waits until its health path answers 200. */
export async function startService(env: Record<string, string>, extra: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(NODE, ["dist/server.js"], { cwd: SERVICE, env: { PATH: process.env.PATH ?? "", ...env, ...extra, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (b: Buffer) => (log += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  };
  const until = Date.now() + 30000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`data-api exited with ${child.exitCode}:\n${log}`);
    if (await fetch(`${base}/api/v1/health`).then((r) => r.ok, () => false)) return { base, log: () => log, clearLog: () => void (log = ""), stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`data-api did not become healthy in 30 s:\n${log}`);
}
