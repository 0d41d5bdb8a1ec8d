// Metadata for text-to-SQL: the databases, tables and columns the read-only text-to-SQL user may see,
// read from MySQL's information schema as that user (it shows only what the user has privileges on).
import type { RowDataPacket } from "mysql2/promise";
import type { Pool } from "./db";

export interface TableInfo {
  database: string;
  table: string;
  comment: string | null;
  columns: { name: string; type: string; nullable: boolean; key: string | null; comment: string | null }[];
}

const SYSTEM = ["information_schema", "mysql", "performance_schema", "sys"];

export async function visibleTables(pool: Pool, database?: string): Promise<TableInfo[]> {
  const args: string[] = [...SYSTEM];
  let filter = "";
  if (database) {
    filter = " AND c.TABLE_SCHEMA = ?";
    args.push(database);
  }
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT c.TABLE_SCHEMA AS db, c.TABLE_NAME AS tbl, t.TABLE_COMMENT AS tcomment, c.COLUMN_NAME AS col, c.COLUMN_TYPE AS type,
       c.IS_NULLABLE AS nullable, c.COLUMN_KEY AS ckey, c.COLUMN_COMMENT AS ccomment
     FROM information_schema.COLUMNS c
     JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
     WHERE c.TABLE_SCHEMA NOT IN (${SYSTEM.map(() => "?").join(", ")})${filter}
     ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    args,
  );
  const tables = new Map<string, TableInfo>();
  for (const r of rows) {
    const k = `${String(r.db)}.${String(r.tbl)}`;
    let t = tables.get(k);
    if (!t) {
      t = { database: String(r.db), table: String(r.tbl), comment: r.tcomment ? String(r.tcomment) : null, columns: [] };
      tables.set(k, t);
    }
    t.columns.push({ name: String(r.col), type: String(r.type), nullable: r.nullable === "YES", key: r.ckey ? String(r.ckey) : null, comment: r.ccomment ? String(r.ccomment) : null });
  }
  return [...tables.values()];
}
