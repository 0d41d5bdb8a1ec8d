// A throwaway S3-compatible server (versitygw over a temp folder) on 127.0.0.1 for the services' integration tests.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { launch, repoRoot, secret, tempDir } from "./index";

export interface S3Backend {
  /** http://127.0.0.1:PORT; buckets are addressed path-style (forcePathStyle: true). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server and removes every bucket and object. */
  stop(): Promise<void>;
}

/** The versitygw that tools/setup.sh builds. */
export function versitygwPath(): string {
  return path.join(repoRoot(), ".tools", "bin", "versitygw");
}

/**
 * Starts versitygw's POSIX backend (a bucket is a folder of the temp folder) on a free 127.0.0.1 port,
 * in single-account mode: the generated root keys are the only credentials.
 */
export async function startS3(opts: { region?: string; timeoutMs?: number } = {}): Promise<S3Backend> {
  const bin = versitygwPath();
  if (!fs.existsSync(bin)) throw new Error(`s3: ${bin} is missing; run tools/setup.sh (npm run setup) to build versitygw`);
  const region = opts.region ?? "us-east-1";
  const accessKeyId = `AK${randomBytes(9).toString("hex").toUpperCase()}`;
  const secretAccessKey = secret(30);
  const dir = tempDir("s3");
  const dataDir = path.join(dir, "data");
  fs.mkdirSync(dataDir);
  // The keys go through the environment, not the command line (`ps` shows it); the gateway's other
  // settings inherited from this process's environment are dropped so that only these flags count.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VGW_|ROOT_(ACCESS|SECRET)_|LOGFILE$|WEBHOOK$)/.test(k)));
  env.ROOT_ACCESS_KEY_ID = accessKeyId;
  env.ROOT_SECRET_ACCESS_KEY = secretAccessKey;
  const server = await launch({
    name: "s3 (versitygw)",
    dir,
    command: bin,
    args: (port) => ["--port", `127.0.0.1:${port}`, "--region", region, "--quiet", "posix", dataDir],
    env,
    log: path.join(dir, "versitygw.log"),
    secrets: [secretAccessKey],
    timeoutMs: opts.timeoutMs ?? 30000,
    ready: async (port) => {
      // Any S3 answer will do (an anonymous request is refused): this one proves the port is versitygw's.
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (!/versitygw/i.test(res.headers.get("server") ?? "")) throw new Error(`127.0.0.1:${port} answered, but not as versitygw (Server: ${res.headers.get("server")})`);
    },
  });
  return { endpoint: `http://127.0.0.1:${server.port}`, region, accessKeyId, secretAccessKey, stop: server.stop };
}
