// The service's settings, read once from the environment and validated; an error names the variable,
// never a secret's value.
import { z } from "zod";
import { DATA_API, DATA_API_ENV as E } from "./contract";

const port = z.coerce.number().int().min(1).max(65535);
const text = z.string().min(1);

const schema = z
  .object({
    [E.port]: port.default(DATA_API.port),
    [E.logLevel]: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    [E.dbHost]: text,
    [E.dbPort]: port.default(3306),
    [E.dbName]: text,
    [E.dbUser]: text,
    [E.dbPassword]: text,
    [E.metadataDbHost]: text.optional(),
    [E.metadataDbPort]: port.optional(),
    [E.metadataDbUser]: text.optional(),
    [E.metadataDbPassword]: text.optional(),
    [E.s3Endpoint]: z.url().optional(),
    [E.s3Region]: text.default("us-east-1"),
    [E.s3PathStyle]: z.enum(["true", "false"]).default("false"),
    [E.s3BucketDatasets]: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" }),
    [E.s3BucketModels]: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name" }).optional(),
    [E.oidcIssuer]: z.url(),
    [E.oidcJwksUrl]: z.url().optional(),
    [E.oidcAudience]: text.optional(),
  })
  .superRefine((env, ctx) => {
    const meta = [E.metadataDbHost, E.metadataDbUser, E.metadataDbPassword] as const;
    const given = meta.filter((k) => env[k] !== undefined);
    if (given.length > 0 && given.length < meta.length) {
      for (const k of meta.filter((m) => env[m] === undefined)) ctx.addIssue({ code: "custom", path: [k], message: `is required with ${given.join(", ")}` });
    }
  });

export interface Settings {
  port: number;
  logLevel: string;
  db: { host: string; port: number; database: string; user: string; password: string };
  /** The text-to-SQL user, when given: metadata shows what it may see. */
  metadataDb?: { host: string; port: number; user: string; password: string };
  s3: { endpoint?: string; region: string; pathStyle: boolean; datasetsBucket: string; modelsBucket?: string };
  oidc: { issuer: string; jwksUrl?: string; audience?: string };
}

const SECRET_VARIABLES: readonly string[] = [E.dbPassword, E.metadataDbPassword, E.secretAccessKey];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** Reads the settings; throws SettingsError naming every bad variable (a secret's value is never shown). */
export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new SettingsError(
      r.error.issues.map((i) => {
        const key = String(i.path[0]);
        const value = env[key];
        const shown = value === undefined ? "(not set)" : SECRET_VARIABLES.includes(key) ? "(secret, not shown)" : JSON.stringify(value.slice(0, 80));
        return `${key} = ${shown}: ${i.message}`;
      }),
    );
  }
  const e = r.data;
  const [mHost, mUser, mPassword] = [e[E.metadataDbHost], e[E.metadataDbUser], e[E.metadataDbPassword]];
  return {
    port: e[E.port],
    logLevel: e[E.logLevel],
    db: { host: e[E.dbHost], port: e[E.dbPort], database: e[E.dbName], user: e[E.dbUser], password: e[E.dbPassword] },
    metadataDb: mHost && mUser && mPassword ? { host: mHost, port: e[E.metadataDbPort] ?? 3306, user: mUser, password: mPassword } : undefined,
    s3: { endpoint: e[E.s3Endpoint], region: e[E.s3Region], pathStyle: e[E.s3PathStyle] === "true", datasetsBucket: e[E.s3BucketDatasets], modelsBucket: e[E.s3BucketModels] },
    oidc: { issuer: e[E.oidcIssuer], jwksUrl: e[E.oidcJwksUrl], audience: e[E.oidcAudience] },
  };
}
