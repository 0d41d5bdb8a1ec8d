// The HTTP API: routes with zod schemas (fastify's type provider), bearer-token access by realm role,
// errors as 4xx naming the field (never a stack trace), request ids, metrics and structured logs.
import { randomUUID } from "crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { allowed, AuthError, type Caller, type Verifier } from "./auth";
import { DATA_API, type AccessLevel } from "./contract";
import { ConflictError, datasetPrefix, Datasets, NotFoundError } from "./datasets";
import type { Pool } from "./db";
import { visibleTables } from "./metadata";
import type { HttpMetrics } from "./metrics";
import { DEFAULT_PRESIGN_SECONDS, KeyError, MAX_PREVIEW_BYTES, MAX_PRESIGN_SECONDS, Storage } from "./storage";

export interface AppDeps {
  pool: Pool;
  /** The text-to-SQL user's pool; without it the metadata endpoints answer 503. */
  metadataPool?: Pool;
  storage: Storage;
  verifier: Verifier;
  metrics: HttpMetrics;
  logLevel?: string;
}

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { error: "must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit" });
const tag = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { error: "must be 1-64 letters, digits, '.', '_', ':' or '-'" });
const format = z.string().regex(/^[a-z0-9][a-z0-9.+-]{0,31}$/, { error: "must be a lower-case format name such as csv, parquet or jsonl" });
const column = z.strictObject({ name: z.string().min(1).max(128), type: z.string().min(1).max(64), description: z.string().max(1024).optional() });
const datasetId = z.strictObject({ id: z.string().max(32) });
const path = z.string().max(1100);

const createBody = z
  .strictObject({
    name,
    path: path.optional(),
    s3_path: path.optional(),
    description: z.string().max(4096).optional(),
    format: format.optional(),
    columns: z.array(column).max(1000).optional(),
    tags: z.array(tag).max(50).optional(),
  })
  .refine((b) => b.path !== undefined || b.s3_path !== undefined, { error: "path (or s3_path) is required", path: ["path"] })
  .refine((b) => b.path === undefined || b.s3_path === undefined || b.path === b.s3_path, { error: "path and s3_path differ; give one", path: ["s3_path"] });

const updateBody = z.strictObject({
  name: name.optional(),
  description: z.string().max(4096).nullable().optional(),
  format: format.nullable().optional(),
  columns: z.array(column).max(1000).optional(),
  tags: z.array(tag).max(50).optional(),
});

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  name: z.string().max(128).optional(),
  tag: tag.optional(),
  format: format.optional(),
});

/** An error body: what went wrong, the field when one is to blame, the request id to quote. */
function problem(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  return reply.status(status).send({ error: { code, message, ...(field ? { field } : {}), request_id: reply.request.id } });
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: { level: deps.logLevel ?? "info", redact: { paths: ["req.headers.authorization", "req.headers.cookie"], remove: true } },
    requestIdHeader: "x-request-id",
    // An incoming id is kept only when it is a plain token (it lands in every log line).
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // `curl -d '{...}'` sends JSON as a form: take it as JSON when it is one.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    try {
      const parsed = JSON.parse(body as string) as unknown;
      if (parsed === null || typeof parsed !== "object") throw new Error("not an object");
      done(null, parsed);
    } catch {
      const err = new Error("the body must be JSON (Content-Type: application/json)") as Error & { statusCode: number };
      err.statusCode = 415;
      done(err, undefined);
    }
  });

  const datasets = new Datasets(deps.pool, deps.storage.bucket);

  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    deps.metrics.observe(req.routeOptions.url ?? "unmatched", req.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const where = err.validationContext === "body" ? "" : `${err.validationContext}.`;
      const field = `${where}${first.instancePath.replace(/^\//, "").replace(/\//g, ".")}` || undefined;
      return problem(reply, 400, "invalid_request", `${field ?? "request"}: ${first.message}`, field);
    }
    if (err instanceof AuthError) {
      if (err.status === 401) reply.header("www-authenticate", 'Bearer realm="data-api"');
      return problem(reply, err.status, err.status === 403 ? "forbidden" : err.status === 401 ? "unauthorized" : "unavailable", err.message);
    }
    if (err instanceof NotFoundError) return problem(reply, 404, "not_found", err.message);
    if (err instanceof ConflictError) return problem(reply, 409, "conflict", err.message, "name");
    if (err instanceof KeyError) return problem(reply, 400, "invalid_request", `key: ${err.message}`, "key");
    const named = (err as { name?: string }).name;
    if (named === "NoSuchKey" || named === "NotFound") return problem(reply, 404, "not_found", "no such object");
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return problem(reply, status, "invalid_request", (err as Error).message);
    req.log.error({ err }, "request failed");
    return problem(reply, 500, "internal", "internal error; quote the request id");
  });
  app.setNotFoundHandler((req, reply) => problem(reply, 404, "not_found", `no route ${req.method} ${req.url.split("?")[0]}`));

  const access = (level: AccessLevel) => async (req: FastifyRequest) => {
    const caller = await deps.verifier.verify(req.headers.authorization);
    if (!allowed(caller, level)) throw new AuthError(403, `${level} access needs one of the realm roles for it; the token has ${caller.roles.length ? caller.roles.join(", ") : "none"}`);
    (req as FastifyRequest & { caller?: Caller }).caller = caller;
  };
  const callerOf = (req: FastifyRequest) => (req as FastifyRequest & { caller?: Caller }).caller?.name;
  const prefixOf = (p: string) => {
    const r = datasetPrefix(p, deps.storage.bucket);
    if ("error" in r) throw Object.assign(new Error(`path: ${r.error}`), { statusCode: 400 });
    return r.prefix;
  };
  const view = <T extends { path: string; prefix?: string }>(d: T) => {
    const { prefix: _prefix, ...rest } = d;
    return { ...rest, s3_path: d.path };
  };

  app.get(DATA_API.healthPath, async (_req, reply) => {
    try {
      await deps.pool.query({ sql: "SELECT 1", timeout: 2000 });
      return { status: "ok" };
    } catch {
      return reply.status(503).send({ status: "unavailable", reason: "the database does not answer" });
    }
  });
  app.get(DATA_API.metricsPath, async (_req, reply) => {
    reply.header("content-type", deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  app.post("/api/v1/datasets", { schema: { body: createBody }, preHandler: access("write") }, async (req, reply) => {
    const b = req.body;
    const d = await datasets.create({ name: b.name, prefix: prefixOf((b.path ?? b.s3_path) as string), description: b.description, format: b.format, columns: b.columns, tags: b.tags }, callerOf(req));
    return reply.status(201).send(view(d));
  });
  app.get("/api/v1/datasets", { schema: { querystring: listQuery }, preHandler: access("read") }, async (req) => {
    const q = req.query;
    const { items, total } = await datasets.list(q);
    return { items: items.map(view), total, limit: q.limit, offset: q.offset };
  });
  app.get("/api/v1/datasets/:id", { schema: { params: datasetId }, preHandler: access("read") }, async (req) => view(await datasets.get(req.params.id)));
  app.patch("/api/v1/datasets/:id", { schema: { params: datasetId, body: updateBody }, preHandler: access("write") }, async (req) => view(await datasets.update(req.params.id, req.body)));
  app.delete("/api/v1/datasets/:id", { schema: { params: datasetId }, preHandler: access("admin") }, async (req, reply) => {
    await datasets.remove(req.params.id);
    return reply.status(204).send();
  });

  app.get("/api/v1/datasets/:id/versions", { schema: { params: datasetId }, preHandler: access("read") }, async (req) => ({ items: await datasets.versions(req.params.id) }));
  app.post(
    "/api/v1/datasets/:id/versions",
    { schema: { params: datasetId, body: z.strictObject({ path: path.optional(), s3_path: path.optional(), note: z.string().max(1024).optional() }) }, preHandler: access("write") },
    async (req, reply) => {
      const p = req.body.path ?? req.body.s3_path;
      return reply.status(201).send(await datasets.addVersion(req.params.id, { prefix: p === undefined ? undefined : prefixOf(p), note: req.body.note }, callerOf(req)));
    },
  );

  app.get(
    "/api/v1/datasets/:id/objects",
    { schema: { params: datasetId, querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().max(1024).optional() }) }, preHandler: access("read") },
    async (req) => {
      const d = await datasets.get(req.params.id);
      return deps.storage.list(d.prefix, req.query.limit, req.query.after);
    },
  );
  app.get(
    "/api/v1/datasets/:id/preview",
    { schema: { params: datasetId, querystring: z.strictObject({ key: z.string().min(1).max(1024), bytes: z.coerce.number().int().min(1).max(MAX_PREVIEW_BYTES).default(4096) }) }, preHandler: access("read") },
    async (req) => {
      const d = await datasets.get(req.params.id);
      return deps.storage.preview(d.prefix, req.query.key, req.query.bytes);
    },
  );
  app.post(
    "/api/v1/datasets/:id/presign",
    {
      schema: {
        params: datasetId,
        body: z.strictObject({ key: z.string().min(1).max(1024), method: z.enum(["GET", "PUT"]).default("GET"), expires_in: z.number().int().min(1).max(MAX_PRESIGN_SECONDS).default(DEFAULT_PRESIGN_SECONDS) }),
      },
      preHandler: access("read"),
    },
    async (req) => {
      const caller = (req as FastifyRequest & { caller?: Caller }).caller as Caller;
      if (req.body.method === "PUT" && !allowed(caller, "write")) throw new AuthError(403, "an upload URL needs write access");
      const d = await datasets.get(req.params.id);
      return { key: req.body.key, method: req.body.method, ...(await deps.storage.presign(d.prefix, req.body.key, req.body.method, req.body.expires_in)) };
    },
  );

  app.get("/api/v1/metadata/tables", { schema: { querystring: z.strictObject({ database: z.string().max(64).optional() }) }, preHandler: access("read") }, async (req, reply) => {
    if (!deps.metadataPool) return problem(reply, 503, "unavailable", "no text-to-SQL user is configured (METADATA_DB_*)");
    return { items: await visibleTables(deps.metadataPool, req.query.database) };
  });

  return app;
}
