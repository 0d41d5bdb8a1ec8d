// The service's database: a mysql2 pool (prepared statements only) and the migrations that run before
// the service takes traffic. Replicas starting together take turns through a named lock.
import * as mysql from "mysql2/promise";

export type Pool = mysql.Pool;

export function createPool(db: { host: string; port: number; database?: string; user: string; password: string }, connectionLimit = 10): Pool {
  return mysql.createPool({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    connectionLimit,
    waitForConnections: true,
    // Timestamps are stored and returned in UTC.
    timezone: "Z",
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectTimeout: 5000,
  });
}

/** The schema, one step per entry, applied in order and recorded in schema_migrations. Never edit a step: add one. */
export const MIGRATIONS: readonly { id: number; name: string; sql: string[] }[] = [
  {
    id: 1,
    name: "datasets",
    sql: [
      `CREATE TABLE datasets (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(128) NOT NULL,
        description TEXT NULL,
        s3_prefix VARCHAR(1024) NOT NULL,
        format VARCHAR(32) NULL,
        columns_json JSON NULL,
        created_by VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        UNIQUE KEY datasets_name (name),
        KEY datasets_format (format)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE dataset_tags (
        dataset_id BIGINT UNSIGNED NOT NULL,
        tag VARCHAR(64) NOT NULL,
        PRIMARY KEY (dataset_id, tag),
        KEY dataset_tags_tag (tag),
        CONSTRAINT dataset_tags_dataset FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      `CREATE TABLE dataset_versions (
        dataset_id BIGINT UNSIGNED NOT NULL,
        version INT UNSIGNED NOT NULL,
        s3_prefix VARCHAR(1024) NOT NULL,
        note VARCHAR(1024) NULL,
        created_by VARCHAR(255) NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (dataset_id, version),
        CONSTRAINT dataset_versions_dataset FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE CASCADE
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ],
  },
];

const LOCK = "ods_data_api_migrations";

/** Applies the migrations not yet recorded; returns the ids applied. Safe to run from several replicas at once. */
export async function migrate(pool: Pool, migrations = MIGRATIONS, lockTimeoutSeconds = 60): Promise<number[]> {
  const conn = await pool.getConnection();
  try {
    const [[lock]] = await conn.query<mysql.RowDataPacket[]>("SELECT GET_LOCK(?, ?) AS got", [LOCK, lockTimeoutSeconds]);
    if (lock.got !== 1) throw new Error(`migrations: another replica held the lock ${LOCK} for ${lockTimeoutSeconds} s`);
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        id INT UNSIGNED NOT NULL PRIMARY KEY,
        name VARCHAR(128) NOT NULL,
        applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
      ) ENGINE=InnoDB`);
      const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT id FROM schema_migrations");
      const done = new Set(rows.map((r) => Number(r.id)));
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
        if (done.has(m.id)) continue;
        // MySQL commits DDL implicitly: a step is recorded only after all its statements ran.
        for (const statement of m.sql) await conn.query(statement);
        await conn.execute("INSERT INTO schema_migrations (id, name) VALUES (?, ?)", [m.id, m.name]);
        applied.push(m.id);
      }
      return applied;
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [LOCK]);
    }
  } finally {
    conn.release();
  }
}
