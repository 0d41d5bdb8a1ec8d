// MySQL accounts follow least privilege: no remote superusers, each app user on its own database.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { schemaWithDefaults } from "./lib/config";
import { validateTypes } from "./lib/rule";
import { isRecord, isUnknown, str, strings } from "./lib/values";

const GRANT = "mysql:index/grant:Grant";
const USER = "mysql:index/user:User";

function hasAllPrivileges(privileges: string[]): boolean {
  return privileges.some((p) => /^ALL( PRIVILEGES)?$/i.test(p.trim()));
}

export const noWildcardSuperuser: ResourceValidationPolicy = {
  name: "mysql-no-remote-superuser",
  description: "No MySQL account reachable from any host ('%') may hold ALL privileges, and root must not be created for host '%'.",
  enforcementLevel: "mandatory",
  remediationSteps: "Grant only the privileges the application uses (SELECT, INSERT, UPDATE, DELETE, plus DDL for its migrations) on its own database; keep administrative accounts on localhost or behind the operator.",
  validateResource: validateTypes([GRANT, USER], {}, (props, _cfg, args, report) => {
    // The provider's default host is localhost.
    const host = props["host"] === undefined ? "localhost" : str(props["host"]);
    const user = str(props["user"]);
    if (host !== "%") return;
    if (args.type === USER) {
      if (user === "root") report(`User root is created for host '%'.`);
      return;
    }
    const privileges = strings(props["privileges"]);
    if (hasAllPrivileges(privileges.values)) {
      report(`Grant ${args.name} gives ALL privileges on ${str(props["database"]) ?? "?"} to ${user ?? "?"}@'%'.`);
    }
  }),
};

const ownDefaults = {
  /** Explicit user -> database mapping; wins over the naming convention. */
  userDatabases: {} as Record<string, string>,
  /** Accounts allowed to hold grants on other databases (migrations, backups), by user name. */
  adminUsers: [] as string[],
};

/** The naming convention: user "<db>" or "<db>_app" / "<db>-app" works on database "<db>". */
export function conventionalDatabase(user: string): string[] {
  const base = user.replace(/[_-]app$/, "");
  return base === user ? [user] : [user, base];
}

export const grantOwnDatabase: ResourceValidationPolicy = {
  name: "mysql-grant-own-database",
  description: "Each application user is granted privileges on its own database only: never on \"*\", and on the database mapped to it in userDatabases or, by convention, named like the user (user \"milvus\" or \"milvus_app\" -> database \"milvus\").",
  enforcementLevel: "mandatory",
  remediationSteps: "Grant on the application's own database (database: \"<db>\"), name the user <db> or <db>_app, or map it in userDatabases in policies/config/base.json (or the stack's file); list operational accounts in adminUsers.",
  configSchema: schemaWithDefaults(ownDefaults, {
    userDatabases: { type: "object", additionalProperties: { type: "string" }, description: "user -> database it may use." },
    adminUsers: { type: "array", items: { type: "string" }, description: "Users allowed grants beyond one database." },
  }),
  validateResource: validateTypes([GRANT], ownDefaults, (props, cfg, args, report) => {
    const user = props["user"];
    const database = props["database"];
    if (isUnknown(user) || isUnknown(database)) return;
    const u = str(user);
    const db = str(database);
    // Role grants (roles without privileges) are not tied to a database.
    if (u === undefined || db === undefined || strings(props["privileges"]).values.length === 0) return;
    if (cfg.adminUsers.includes(u)) return;
    const name = db.replace(/`/g, "");
    if (name === "*" || name.includes("%") || name.includes("*")) {
      report(`Grant ${args.name} gives ${u} privileges on every database (${db}).`);
      return;
    }
    const mapped = isRecord(cfg.userDatabases) ? cfg.userDatabases[u] : undefined;
    const allowed = mapped !== undefined ? [mapped] : conventionalDatabase(u);
    if (!allowed.includes(name)) {
      report(`Grant ${args.name} gives ${u} privileges on database ${name}, which is not its own (${allowed.join(" or ")}).`);
    }
  }),
};
