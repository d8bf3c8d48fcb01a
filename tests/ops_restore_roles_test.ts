/**
 * The restore runbook (docs/operations/BACKUPS_AND_RESTORE.md, Restore steps 2 and 3) keeps the
 * database roles of SECURITY.md: run as written (its shell blocks, with this test's role and
 * database names) on a dump of a database set up with deploy/postgres/app_role.sql, the app's
 * login owns nothing in the restored copy, so it cannot switch off the append-only triggers of
 * the audit log and the consent records, and it can still do its everyday work on rows.
 */
import assert from "node:assert/strict";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const RUNBOOK = new URL("../docs/operations/BACKUPS_AND_RESTORE.md", import.meta.url);
const ROLE_SQL = new URL("../deploy/postgres/app_role.sql", import.meta.url);
const DUMP = "governance-2026-11-22.dump";

/** The ```sh block of the Restore section that contains `marker`. */
function restoreBlock(markdown: string, marker: string): string {
  const section = markdown.slice(markdown.indexOf("### Restore"));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes(marker));
  if (!block) throw new Error(`no sh block with ${marker} in the Restore section`);
  return block;
}

async function sh(script: string, cwd: string, env: Record<string, string>): Promise<void> {
  const result = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script],
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  assert.equal(result.code, 0, `${script}\n---\n${text}`);
}

/** deploy/postgres/app_role.sql with the group role renamed, written into `dir`. */
async function writeRoleSql(dir: string, group: string): Promise<string> {
  const file = `${dir}/rows_only_role.sql`;
  await Deno.writeTextFile(
    file,
    (await Deno.readTextFile(ROLE_SQL)).replaceAll("researchflow_app", group),
  );
  return file;
}

/** `psql <url> -f <file>` as an operator types it (no -v ON_ERROR_STOP=1). */
async function psql(url: string, file: string): Promise<{ code: number; text: string }> {
  const result = await new Deno.Command("psql", {
    args: [url, "-f", file],
    env: { PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  return { code: result.code, text };
}

Deno.test({
  name:
    "[postgres] app_role.sql run by a plain owner before the group role exists stops with what to do; after a superuser creates the group it succeeds",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_ops_db");
    const owner = uniqueName("rf_ops_owner");
    const group = uniqueName("rf_ops_group");
    const dir = await Deno.makeTempDir();
    const url = new URL(TEST_DATABASE_URL!);
    url.username = owner;
    url.password = "";
    url.pathname = `/${database}`;
    const privileges = async (privilege: string) => {
      const probe = openPostgres(url.href, { max: 1 });
      try {
        const [row] = await probe.query<{ granted: boolean }>(
          "SELECT has_table_privilege($1, 'audit_log', $2) AS granted",
          [group, privilege],
        );
        return row!.granted;
      } finally {
        await probe.close();
      }
    };
    try {
      // An owner as SECURITY.md describes it: owns the database and its tables, nothing more.
      await server.exec(`CREATE ROLE ${owner} LOGIN NOSUPERUSER NOCREATEROLE`);
      await server.exec(`CREATE DATABASE ${database} OWNER ${owner}`);
      const ownerDb = openPostgres(url.href, { max: 1 });
      try {
        await migrate(ownerDb, await readMigrations(bundledMigrationsDir()));
      } finally {
        await ownerDb.close();
      }
      const roleFile = await writeRoleSql(dir, group);

      const refused = await psql(url.href, roleFile);
      assert.notEqual(refused.code, 0, refused.text);
      assert.match(
        refused.text,
        new RegExp(`CREATE ROLE ${group} NOLOGIN as a superuser or a role with CREATEROLE first`),
      );
      // It stopped there: no GRANT ran against a role that does not exist.
      assert.equal(refused.text.match(/ERROR:/g)?.length, 1, refused.text);

      // Once per server, by a superuser (or a role with CREATEROLE); then the grants, as the owner.
      await server.exec(`CREATE ROLE ${group} NOLOGIN`);
      // Not by the superuser as well: its default privileges would cover its own tables, not
      // the owner's tables of the next migration.
      const superuserUrl = new URL(url.href);
      superuserUrl.username = new URL(TEST_DATABASE_URL!).username;
      superuserUrl.password = new URL(TEST_DATABASE_URL!).password;
      const bySuperuser = await psql(superuserUrl.href, roleFile);
      assert.notEqual(bySuperuser.code, 0, bySuperuser.text);
      assert.match(
        bySuperuser.text,
        new RegExp(`run it as the role that owns the tables \\(${owner}\\)`),
      );
      assert.equal(await privileges("INSERT"), false, "nothing granted by the refused run");
      const granted = await psql(url.href, roleFile);
      assert.equal(granted.code, 0, granted.text);
      assert.equal(await privileges("INSERT"), true);
      assert.equal(await privileges("UPDATE"), false, "the audit log stays append-only");
      // Again after a release: idempotent.
      const again = await psql(url.href, roleFile);
      assert.equal(again.code, 0, again.text);
    } finally {
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.exec(`DROP ROLE IF EXISTS ${group}`);
      await server.exec(`DROP ROLE IF EXISTS ${owner}`);
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "[postgres] a restore done as the runbook says leaves the app's login unable to alter the audit log",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const source = uniqueName("rf_ops_src");
    const restored = uniqueName("rf_ops_restored");
    const owner = uniqueName("rf_ops_owner");
    const group = uniqueName("rf_ops_group");
    const login = uniqueName("rf_ops_login");
    const dir = await Deno.makeTempDir();
    const urlFor = (role: string, database: string) => {
      const url = new URL(TEST_DATABASE_URL!);
      url.username = role;
      url.password = "";
      url.pathname = `/${database}`;
      return url.href;
    };
    const adminUrl = new URL(TEST_DATABASE_URL!);
    adminUrl.pathname = "/postgres";
    let app: ReturnType<typeof openPostgres> | undefined;
    try {
      await server.exec(`CREATE ROLE ${owner} LOGIN`);
      // The group exists already (app_role.sql creates it only when the owner may create roles).
      await server.exec(`CREATE ROLE ${group} NOLOGIN`);
      await server.exec(`CREATE DATABASE ${source} OWNER ${owner}`);
      // The deployment as SECURITY.md sets it up: migrated by the owner, app_role.sql (with psql,
      // as the owner), a login.
      const ownerDb = openPostgres(urlFor(owner, source), { max: 1 });
      try {
        await migrate(ownerDb, await readMigrations(bundledMigrationsDir()));
      } finally {
        await ownerDb.close();
      }
      const roleFile = await writeRoleSql(dir, group);
      await psql(urlFor(owner, source), roleFile).then((run) =>
        assert.equal(run.code, 0, run.text)
      );
      await server.exec(`CREATE ROLE ${login} LOGIN IN ROLE ${group}`);

      // The nightly dump (custom format, as the backup script makes it) and its checksum.
      await sh(
        `pg_dump --format=custom --file=${DUMP} --dbname="$DATABASE_URL"
sha256sum ${DUMP} >${DUMP}.sha256`,
        dir,
        { PATH: Deno.env.get("PATH") ?? "", DATABASE_URL: urlFor(owner, source) },
      );

      const runbook = await Deno.readTextFile(RUNBOOK);
      const names = (text: string) =>
        text
          // A connection named in the runbook (`postgres://<role>:…@db.internal:5432/<db>`).
          .replace(
            /postgres:\/\/(\w+):…@db\.internal:5432\/governance_restored/g,
            (_, role: string) =>
              urlFor(role === "owner_role" ? owner : role === "app_role" ? login : role, restored),
          )
          .replaceAll("deploy/postgres/app_role.sql", roleFile)
          .replaceAll("governance_restored", restored)
          .replaceAll("owner_role", owner)
          .replaceAll("app_role", login);
      // Step 2: restore into an empty database.
      await sh(names(restoreBlock(runbook, "pg_restore")), dir, {
        PATH: Deno.env.get("PATH") ?? "",
        ADMIN_URL: adminUrl.href,
      });
      // Step 3: prepare it (no REDIS_URL: there is no event stream to delete here).
      await sh(
        names(restoreBlock(runbook, "restore-prepare")),
        ROOT,
        { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp" },
      );

      app = openPostgres(urlFor(login, restored), { max: 1 });
      // Checked in the restored database, where the tables are.
      const restoredAdmin = openPostgres(urlFor(new URL(TEST_DATABASE_URL!).username, restored), {
        max: 1,
      });
      try {
        const [ownedThere] = await restoredAdmin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
            WHERE r.rolname = $1`,
          [login],
        );
        assert.equal(ownedThere!.n, 0, "the app's login owns nothing");
      } finally {
        await restoredAdmin.close();
      }
      const refusals = [
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE user_consents DISABLE TRIGGER ALL",
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM user_consents",
        "CREATE TABLE rf_ops_probe (id int)",
      ];
      for (const statement of refusals) {
        await assert.rejects(app.exec(statement), /permission denied|must be owner/, statement);
      }
      // Its everyday rights came back with app_role.sql (the restore leaves the dump's grants out).
      const [marked] = await app.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'system.restore_prepared'",
      );
      assert.equal(marked!.n, 1, "restore-prepare ran and the app can read the audit log");
      await app.exec("DELETE FROM sessions");
    } finally {
      await app?.close();
      await server.exec(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
      await server.exec(`DROP DATABASE IF EXISTS ${source} WITH (FORCE)`);
      await server.exec(`DROP ROLE IF EXISTS ${login}`);
      await server.exec(`DROP ROLE IF EXISTS ${group}`);
      await server.exec(`DROP ROLE IF EXISTS ${owner}`);
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
