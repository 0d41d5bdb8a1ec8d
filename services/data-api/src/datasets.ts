// Datasets: where they live (a key prefix in the datasets bucket), their metadata and versions, stored
// in the service's MySQL database. Every statement is prepared; names and paths are checked here.
import type { PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Pool } from "./db";

/** `ds-001`: the public id of row 1 (at least three digits). */
export function formatId(n: number): string {
  return `ds-${String(n).padStart(3, "0")}`;
}

/** The row id of a public id, or undefined when it is not one. */
export function parseId(id: string): number | undefined {
  const m = /^ds-(\d{1,15})$/.exec(id);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/**
 * The key prefix of an `s3://<bucket>/<prefix>` path inside the datasets bucket, with a trailing slash;
 * or why it is refused: another bucket, an empty prefix, `.` or `..` segments, empty segments, control
 * characters or backslashes (keys that would escape the dataset's prefix or confuse a reader).
 */
export function datasetPrefix(path: string, bucket: string): { prefix: string } | { error: string } {
  const m = /^s3:\/\/([^/]+)\/([\s\S]*)$/.exec(path);
  if (!m) return { error: "must be s3://<bucket>/<prefix>/" };
  if (m[1] !== bucket) return { error: `must be in the datasets bucket (s3://${bucket}/...)` };
  const key = m[2].endsWith("/") ? m[2] : `${m[2]}/`;
  const check = keyProblem(key.slice(0, -1));
  if (check) return { error: check };
  if (key.length > 1000) return { error: "must be at most 1000 characters long" };
  return { prefix: key };
}

/** Why an object key (relative or a prefix without its trailing slash) is refused, if it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "must name a prefix below the bucket, such as s3://<bucket>/data/";
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return "must not contain control characters or backslashes";
  const segments = key.split("/");
  if (segments.some((s) => s === "." || s === "..")) return "must not contain . or .. segments";
  if (segments.some((s) => s === "")) return "must not contain empty segments (// or a leading /)";
  return undefined;
}

export interface Column {
  name: string;
  type: string;
  description?: string;
}

export interface DatasetInput {
  name: string;
  prefix: string;
  description?: string;
  format?: string;
  columns?: Column[];
  tags?: string[];
}

export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  /** `s3://<bucket>/<prefix>/` */
  path: string;
  prefix: string;
  format: string | null;
  columns: Column[];
  tags: string[];
  version: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface DatasetVersion {
  version: number;
  path: string;
  note: string | null;
  created_by: string | null;
  created_at: string;
}

export class NotFoundError extends Error {}
export class ConflictError extends Error {}

interface DatasetRow extends RowDataPacket {
  id: number;
  name: string;
  description: string | null;
  s3_prefix: string;
  format: string | null;
  columns_json: unknown;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  version: number | null;
  tags: string | null;
}

const SELECT = `SELECT d.id, d.name, d.description, d.s3_prefix, d.format, d.columns_json, d.created_by, d.created_at, d.updated_at,
  (SELECT MAX(v.version) FROM dataset_versions v WHERE v.dataset_id = d.id) AS version,
  (SELECT GROUP_CONCAT(t.tag ORDER BY t.tag SEPARATOR '\\n') FROM dataset_tags t WHERE t.dataset_id = d.id) AS tags
  FROM datasets d`;

export class Datasets {
  constructor(
    private readonly pool: Pool,
    private readonly bucket: string,
  ) {}

  private toDataset(r: DatasetRow): Dataset {
    const columns = typeof r.columns_json === "string" ? (JSON.parse(r.columns_json) as Column[]) : ((r.columns_json as Column[] | null) ?? []);
    return {
      id: formatId(Number(r.id)),
      name: r.name,
      description: r.description,
      path: `s3://${this.bucket}/${r.s3_prefix}`,
      prefix: r.s3_prefix,
      format: r.format,
      columns,
      tags: r.tags ? r.tags.split("\n") : [],
      version: Number(r.version ?? 1),
      created_by: r.created_by,
      created_at: r.created_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    };
  }

  /**
   * Runs `work` in a transaction; InnoDB may pick it as a deadlock victim under concurrent writes (the
   * benchmark found it on tags), and then it runs again, up to three times in all.
   */
  private async inTransaction<T>(work: (c: PoolConnection) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.getConnection();
      try {
        await c.beginTransaction();
        const out = await work(c);
        await c.commit();
        return out;
      } catch (e) {
        await c.rollback();
        const code = (e as { code?: string }).code;
        if (attempt >= 3 || (code !== "ER_LOCK_DEADLOCK" && code !== "ER_LOCK_WAIT_TIMEOUT")) throw e;
      } finally {
        c.release();
      }
    }
  }

  async create(input: DatasetInput, user: string | undefined): Promise<Dataset> {
    const id = await this.inTransaction(async (c) => {
      let res: ResultSetHeader;
      try {
        [res] = await c.execute<ResultSetHeader>("INSERT INTO datasets (name, description, s3_prefix, format, columns_json, created_by) VALUES (?, ?, ?, ?, ?, ?)", [
          input.name,
          input.description ?? null,
          input.prefix,
          input.format ?? null,
          JSON.stringify(input.columns ?? []),
          user ?? null,
        ]);
      } catch (e) {
        if ((e as { code?: string }).code === "ER_DUP_ENTRY") throw new ConflictError(`a dataset named ${JSON.stringify(input.name)} exists`);
        throw e;
      }
      // A new dataset has no tags to clear: only inserts (a DELETE's gap locks deadlocked concurrent registrations).
      await this.insertTags(c, res.insertId, input.tags ?? []);
      await c.execute("INSERT INTO dataset_versions (dataset_id, version, s3_prefix, note, created_by) VALUES (?, 1, ?, ?, ?)", [res.insertId, input.prefix, "registered", user ?? null]);
      return res.insertId;
    });
    return this.getByRow(id);
  }

  private async insertTags(c: PoolConnection, id: number, tags: string[]): Promise<void> {
    for (const tag of [...new Set(tags)]) await c.execute("INSERT INTO dataset_tags (dataset_id, tag) VALUES (?, ?)", [id, tag]);
  }

  private async writeTags(c: PoolConnection, id: number, tags: string[]): Promise<void> {
    await c.execute("DELETE FROM dataset_tags WHERE dataset_id = ?", [id]);
    await this.insertTags(c, id, tags);
  }

  private async getByRow(row: number): Promise<Dataset> {
    const [rows] = await this.pool.execute<DatasetRow[]>(`${SELECT} WHERE d.id = ?`, [row]);
    if (rows.length === 0) throw new NotFoundError("no such dataset");
    return this.toDataset(rows[0]);
  }

  async get(id: string): Promise<Dataset> {
    const row = parseId(id);
    if (row === undefined) throw new NotFoundError("no such dataset");
    return this.getByRow(row);
  }

  async list(q: { limit: number; offset: number; name?: string; tag?: string; format?: string }): Promise<{ items: Dataset[]; total: number }> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.name) {
      where.push("d.name LIKE ?");
      args.push(`${q.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (q.format) {
      where.push("d.format = ?");
      args.push(q.format);
    }
    if (q.tag) {
      where.push("EXISTS (SELECT 1 FROM dataset_tags t WHERE t.dataset_id = d.id AND t.tag = ?)");
      args.push(q.tag);
    }
    const clause = where.length ? ` WHERE ${where.join(" AND ")}` : "";
    // LIMIT and OFFSET are validated integers; mysql2's prepared statements take them as strings.
    const [rows] = await this.pool.execute<DatasetRow[]>(`${SELECT}${clause} ORDER BY d.id DESC LIMIT ? OFFSET ?`, [...args, String(q.limit), String(q.offset)]);
    const [[count]] = await this.pool.execute<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM datasets d${clause}`, args);
    return { items: rows.map((r) => this.toDataset(r)), total: Number(count.n) };
  }

  async update(id: string, patch: { name?: string; description?: string | null; format?: string | null; columns?: Column[]; tags?: string[] }): Promise<Dataset> {
    const row = parseId(id);
    if (row === undefined) throw new NotFoundError("no such dataset");
    await this.inTransaction(async (c) => {
      const [found] = await c.execute<RowDataPacket[]>("SELECT id FROM datasets WHERE id = ? FOR UPDATE", [row]);
      if (found.length === 0) throw new NotFoundError("no such dataset");
      const fields: [string, string | null | undefined][] = [
        ["name", patch.name],
        ["description", patch.description],
        ["format", patch.format],
        ["columns_json", patch.columns === undefined ? undefined : JSON.stringify(patch.columns)],
      ];
      const given = fields.filter(([, v]) => v !== undefined) as [string, string | null][];
      const sets = given.map(([column]) => `${column} = ?`);
      const args = given.map(([, v]) => v);
      if (sets.length > 0) {
        try {
          await c.execute(`UPDATE datasets SET ${sets.join(", ")} WHERE id = ?`, [...args, String(row)]);
        } catch (e) {
          if ((e as { code?: string }).code === "ER_DUP_ENTRY") throw new ConflictError(`a dataset named ${JSON.stringify(patch.name)} exists`);
          throw e;
        }
      }
      if (patch.tags !== undefined) await this.writeTags(c, row, patch.tags);
    });
    return this.getByRow(row);
  }

  async remove(id: string): Promise<void> {
    const row = parseId(id);
    if (row === undefined) throw new NotFoundError("no such dataset");
    const [res] = await this.pool.execute<ResultSetHeader>("DELETE FROM datasets WHERE id = ?", [row]);
    if (res.affectedRows === 0) throw new NotFoundError("no such dataset");
  }

  /** A new version: the dataset's prefix moves to `prefix` (default: unchanged), the old stays listed. */
  async addVersion(id: string, v: { prefix?: string; note?: string }, user: string | undefined): Promise<DatasetVersion> {
    const row = parseId(id);
    if (row === undefined) throw new NotFoundError("no such dataset");
    return this.inTransaction(async (c) => {
      const [found] = await c.execute<RowDataPacket[]>("SELECT s3_prefix FROM datasets WHERE id = ? FOR UPDATE", [row]);
      if (found.length === 0) throw new NotFoundError("no such dataset");
      const prefix = v.prefix ?? String(found[0].s3_prefix);
      const [[max]] = await c.execute<RowDataPacket[]>("SELECT COALESCE(MAX(version), 0) AS v FROM dataset_versions WHERE dataset_id = ?", [row]);
      const version = Number(max.v) + 1;
      await c.execute("INSERT INTO dataset_versions (dataset_id, version, s3_prefix, note, created_by) VALUES (?, ?, ?, ?, ?)", [row, version, prefix, v.note ?? null, user ?? null]);
      await c.execute("UPDATE datasets SET s3_prefix = ? WHERE id = ?", [prefix, row]);
      const [[created]] = await c.execute<RowDataPacket[]>("SELECT created_at FROM dataset_versions WHERE dataset_id = ? AND version = ?", [row, version]);
      return { version, path: `s3://${this.bucket}/${prefix}`, note: v.note ?? null, created_by: user ?? null, created_at: (created.created_at as Date).toISOString() };
    });
  }

  async versions(id: string): Promise<DatasetVersion[]> {
    const row = parseId(id);
    if (row === undefined) throw new NotFoundError("no such dataset");
    await this.getByRow(row);
    const [rows] = await this.pool.execute<RowDataPacket[]>("SELECT version, s3_prefix, note, created_by, created_at FROM dataset_versions WHERE dataset_id = ? ORDER BY version", [row]);
    return rows.map((r) => ({ version: Number(r.version), path: `s3://${this.bucket}/${String(r.s3_prefix)}`, note: r.note as string | null, created_by: r.created_by as string | null, created_at: (r.created_at as Date).toISOString() }));
  }
}
