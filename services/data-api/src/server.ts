// The data API's entry point: settings from the environment, migrations (waiting for the database),
// then HTTP on the contract's port; SIGTERM drains in-flight requests and closes the pools.
import { buildApp } from "./app";
import { oidcVerifier } from "./auth";
import { createPool, migrate, type Pool } from "./db";
import { httpMetrics } from "./metrics";
import { readSettings, SettingsError } from "./settings";
import { Storage } from "./storage";

/** Runs migrations, retrying while the database is not reachable yet (it may start after the pod). */
async function migrateWhenReachable(pool: Pool, log: (msg: string) => void, deadlineMs = 10 * 60 * 1000): Promise<number[]> {
  const until = Date.now() + deadlineMs;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 15000)) {
    try {
      return await migrate(pool);
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      const transient = ["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "PROTOCOL_CONNECTION_LOST", "ER_CON_COUNT_ERROR"].includes(code);
      if (!transient || Date.now() + delay > until) throw e;
      log(`database not reachable yet (${code}); retrying in ${delay / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function main(env: Record<string, string | undefined> = process.env): Promise<() => Promise<void>> {
  const settings = readSettings(env);
  const pool = createPool(settings.db);
  const metadataPool = settings.metadataDb ? createPool(settings.metadataDb, 4) : undefined;
  const app = buildApp({
    pool,
    metadataPool,
    storage: new Storage(settings.s3, settings.s3.datasetsBucket),
    verifier: oidcVerifier(settings.oidc),
    metrics: httpMetrics(),
    logLevel: settings.logLevel,
  });
  const applied = await migrateWhenReachable(pool, (m) => app.log.warn(m));
  app.log.info({ applied }, applied.length ? "migrations applied" : "schema up to date");
  await app.listen({ host: "0.0.0.0", port: settings.port });
  return async () => {
    await app.close();
    await pool.end();
    await metadataPool?.end();
  };
}

if (require.main === module) {
  main().then(
    (stop) => {
      for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.once(signal, () => {
          stop().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        });
      }
    },
    (e: unknown) => {
      // Settings errors name the variable; anything else is reported without the environment.
      console.error(e instanceof SettingsError ? e.message : `data-api: failed to start: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
