// A throwaway MariaDB server on 127.0.0.1 (fresh datadir in a temp folder) for the services' integration tests.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as mysql from "mysql2/promise";
import { launch, logTail, secret, tempDir } from "./index";

export interface MariadbBackend {
  host: string;
  port: number;
  rootUser: string;
  rootPassword: string;
  /** Shuts the server down and removes its datadir. */
  stop(): Promise<void>;
}

export interface DatabaseUser {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

const IS_ROOT = process.getuid?.() === 0;

/** mariadbd lives in /usr/sbin, which a non-root PATH often lacks. */
function mariadbdPath(): string {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    const candidate = path.join(dir, "mariadbd");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return "mariadbd";
}

function installDb(dir: string, dataDir: string, log: string): Promise<void> {
  // mariadb-install-db's "normal" root method: root@localhost and root@127.0.0.1 are password accounts
  // (empty until the init file sets one before the server takes connections). As root it needs --user.
  const args = ["--no-defaults", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve", ...(IS_ROOT ? ["--user=root"] : [])];
  return new Promise((resolve, reject) => {
    execFile("mariadb-install-db", args, { cwd: dir, timeout: 60000 }, (err, stdout, stderr) => {
      fs.appendFileSync(log, `$ mariadb-install-db ${args.join(" ")}\n${stdout}${stderr}`);
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "it is not installed; run tools/setup.sh (npm run setup)" : err.killed ? "it ran past 60 s" : err.message.split("\n")[0];
      reject(new Error(`mariadb: mariadb-install-db failed (${why}); last lines of ${log}:\n${logTail(log)}`));
    });
  });
}

/** Starts MariaDB on a free 127.0.0.1 port with a fresh datadir; root has a generated password. */
export async function startMariadb(opts: { timeoutMs?: number } = {}): Promise<MariadbBackend> {
  const dir = tempDir("mariadb");
  const dataDir = path.join(dir, "data");
  const log = path.join(dir, "mariadb.log");
  const initFile = path.join(dir, "init.sql");
  const rootPassword = secret();
  try {
    await installDb(dir, dataDir, log);
    // Runs before the server takes connections: the root accounts get the password and only the
    // loopback ones are kept (the one named after this machine's hostname is dropped).
    fs.writeFileSync(
      initFile,
      [
        "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost', '127.0.0.1');",
        "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1');",
        "FLUSH PRIVILEGES;",
        "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';",
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
        `ALTER USER 'root'@'localhost' IDENTIFIED BY '${rootPassword}';`,
        `ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '${rootPassword}';`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const server = await launch({
    name: "mariadb",
    dir,
    command: mariadbdPath(),
    args: (port) => [
      "--no-defaults",
      `--datadir=${dataDir}`,
      `--socket=${path.join(dir, "mariadb.sock")}`,
      `--pid-file=${path.join(dir, "mariadb.pid")}`,
      `--log-error=${log}`,
      `--tmpdir=${dir}`,
      `--init-file=${initFile}`,
      "--bind-address=127.0.0.1",
      `--port=${port}`,
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      "--default-time-zone=+00:00",
      "--innodb-buffer-pool-size=32M",
      ...(IS_ROOT ? ["--user=root"] : []),
    ],
    log,
    secrets: [rootPassword],
    timeoutMs: opts.timeoutMs ?? 60000,
    ready: async (port) => {
      const conn = await mysql.createConnection({ host: "127.0.0.1", port, user: "root", password: rootPassword, connectTimeout: 2000 });
      try {
        await conn.query("SELECT 1");
      } finally {
        await conn.end();
      }
    },
  });
  fs.rmSync(initFile, { force: true });
  return { host: "127.0.0.1", port: server.port, rootUser: "root", rootPassword, stop: server.stop };
}

const IDENTIFIER = /^[A-Za-z0-9_]{1,64}$/;
const PRIVILEGE = /^[A-Z]+( [A-Z]+)*$/;

/**
 * Creates a database (utf8mb4) and a user (any host, password generated unless given) holding `grants`
 * on it, or on one table of it: e.g. { database: "data", user: "reader", grants: ["SELECT"] }.
 */
export async function createDatabaseUser(
  server: Pick<MariadbBackend, "host" | "port" | "rootUser" | "rootPassword">,
  o: { database: string; user: string; password?: string; grants?: readonly string[]; table?: string },
): Promise<DatabaseUser> {
  const grants = o.grants ?? ["ALL PRIVILEGES"];
  for (const [what, value] of [["database", o.database], ["user", o.user], ["table", o.table ?? "t"]]) {
    if (!IDENTIFIER.test(value)) throw new Error(`createDatabaseUser: ${what} ${JSON.stringify(value)} must match ${IDENTIFIER}`);
  }
  const bad = grants.filter((g) => !PRIVILEGE.test(g));
  if (grants.length === 0 || bad.length > 0) throw new Error(`createDatabaseUser: grants must be privilege names such as SELECT or ALL PRIVILEGES, got ${JSON.stringify(bad)}`);
  const password = o.password ?? secret();
  const conn = await mysql.createConnection({ host: server.host, port: server.port, user: server.rootUser, password: server.rootPassword, connectTimeout: 5000 });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${o.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await conn.query("CREATE USER ?@'%' IDENTIFIED BY ?", [o.user, password]);
    await conn.query(`GRANT ${grants.join(", ")} ON \`${o.database}\`.${o.table ? `\`${o.table}\`` : "*"} TO ?@'%'`, [o.user]);
  } finally {
    await conn.end();
  }
  return { host: server.host, port: server.port, database: o.database, user: o.user, password };
}
