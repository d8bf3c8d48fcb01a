import assert from "node:assert/strict";
import { dbTargets } from "../../tests/helpers/db.ts";
import { TEST_DATABASE_URL } from "../../tests/helpers/env.ts";
import { isUniqueViolation } from "./db.ts";
import {
  bundledMigrationsDir,
  migrate,
  MigrationChecksumError,
  type MigrationFile,
  readMigrations,
  sha256Hex,
} from "./migrate.ts";
import { openPostgres } from "./postgres.ts";

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] migrate() applies every migration once and records its sha256`, async () => {
    const { db, cleanup } = await target.open({ migrated: false });
    try {
      const files = await readMigrations(bundledMigrationsDir());
      const first = await migrate(db, files);
      assert.deepEqual(first.applied, files.map((f) => f.name));
      const second = await migrate(db, files);
      assert.deepEqual(second.applied, []);
      assert.deepEqual(second.alreadyApplied, files.map((f) => f.name));
      const rows = await db.query<{ name: string; sha256: string }>(
        "SELECT name, sha256 FROM schema_migrations",
      );
      assert.equal(rows.length, files.length);
      assert.equal(rows[0]!.sha256.trim(), await sha256Hex(files[0]!.sql));
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] migrate() stops with a clear error when an applied file changed`, async () => {
    const { db, cleanup } = await target.open({ migrated: false });
    try {
      const file: MigrationFile = {
        name: "0001_x.sql",
        sql: "CREATE TABLE x (a int);",
        sha256: "",
      };
      file.sha256 = await sha256Hex(file.sql);
      await migrate(db, [file]);
      const edited = {
        ...file,
        sql: file.sql + " -- edited",
        sha256: await sha256Hex(file.sql + " -- edited"),
      };
      await assert.rejects(() => migrate(db, [edited]), (error: unknown) => {
        assert.ok(error instanceof MigrationChecksumError);
        assert.match(error.message, /0001_x\.sql was changed after it was applied/);
        return true;
      });
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] a failing migration rolls back entirely and is not recorded`, async () => {
    const { db, cleanup } = await target.open({ migrated: false });
    try {
      const sql = "CREATE TABLE half (a int); SELECT no_such_function();";
      await assert.rejects(() =>
        migrate(db, [{ name: "0001_bad.sql", sql, sha256: "0".repeat(64) }])
      );
      const tables = await db.query(
        "SELECT 1 FROM information_schema.tables WHERE table_name = 'half'",
      );
      assert.equal(tables.length, 0);
      assert.equal((await db.query("SELECT 1 FROM schema_migrations")).length, 0);
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] audit_log refuses UPDATE and DELETE`, async () => {
    const { db, cleanup } = await target.open();
    try {
      await db.query("INSERT INTO audit_log (action, actor_type) VALUES ('test.action', 'system')");
      await assert.rejects(
        () => db.query("UPDATE audit_log SET action = 'changed'"),
        /append-only/,
      );
      await assert.rejects(() => db.query("DELETE FROM audit_log"), /append-only/);
      await assert.rejects(() => db.exec("TRUNCATE audit_log"), /append-only/);
      const rows = await db.query<{ action: string }>("SELECT action FROM audit_log");
      assert.deepEqual(rows.map((r) => r.action), ["test.action"]);
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] CHECK constraints refuse bad modes, roles, consent types and rollouts`, async () => {
    const { db, cleanup } = await target.open();
    try {
      await assert.rejects(() =>
        db.query("INSERT INTO users (email, role) VALUES ('a@example.org', 'ROOT')")
      );
      await assert.rejects(() =>
        db.query(`INSERT INTO governance_config (key, value) VALUES ('mode', $1::jsonb)`, [{
          mode: "PANIC",
        }])
      );
      await assert.rejects(() =>
        db.query("INSERT INTO feature_flags (key, rollout_percent) VALUES ('a', 101)")
      );
      await assert.rejects(() =>
        db.query(`INSERT INTO feature_flags (key, required_modes) VALUES ('b', $1::jsonb)`, [[
          "PANIC",
        ]])
      );
      const [user] = await db.query<{ id: string }>(
        "INSERT INTO users (email) VALUES ('r@example.org') RETURNING id",
      );
      await assert.rejects(() =>
        db.query(
          `INSERT INTO user_consents (user_id, consent_type, state, purpose, legal_basis, policy_version, method, granted_at)
           VALUES ($1, 'newsletter', 'granted', 'p', 'consent', 'v1', 'api', now())`,
          [user!.id],
        )
      );
      await assert.rejects(() =>
        db.query(
          "INSERT INTO analytics_events (event_id, event_name, mode) VALUES (gen_random_uuid(), 'x', 'STANDBY')",
        )
      );
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] experiment assignments are unique per subject even with a NULL part`, async () => {
    const { db, cleanup } = await target.open();
    try {
      await db.query("INSERT INTO experiments (key) VALUES ('exp')");
      const insert = () =>
        db.query(
          "INSERT INTO experiment_assignments (experiment_key, session_id, variant) VALUES ('exp', 's1', 'A')",
        );
      await insert();
      await assert.rejects(insert, (error: unknown) => isUniqueViolation(error));
    } finally {
      await cleanup();
    }
  });

  Deno.test(`[${target.name}] driver values come back in the same shapes`, async () => {
    const { db, cleanup } = await target.open({ migrated: false });
    try {
      const [row] = await db.query<Record<string, unknown>>(
        "SELECT $1::jsonb AS j, $2::text[] AS arr, count(*) AS c, 5::int8 AS big, now() AS ts",
        [{ a: [1, "x"] }, ["p", "q"]],
      );
      assert.deepEqual(row!.j, { a: [1, "x"] });
      assert.deepEqual(row!.arr, ["p", "q"]);
      assert.equal(row!.c, 1);
      assert.equal(row!.big, 5);
      assert.ok(row!.ts instanceof Date);
    } finally {
      await cleanup();
    }
  });
}

const postgresUrl = TEST_DATABASE_URL;
if (postgresUrl) {
  Deno.test("[postgres] concurrent migrate() calls on one empty schema apply each migration once", async () => {
    const admin = openPostgres(postgresUrl, { max: 1 });
    const schema = `t_concurrent_${crypto.randomUUID().slice(0, 8)}`;
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const pools = [1, 2, 3].map(() => openPostgres(postgresUrl, { schema, max: 2 }));
    try {
      const files = await readMigrations(bundledMigrationsDir());
      const results = await Promise.all(pools.map((db) => migrate(db, files)));
      const appliedCounts = files.map((f) =>
        results.filter((r) => r.applied.includes(f.name)).length
      );
      assert.deepEqual(appliedCounts, files.map(() => 1));
      const rows = await pools[0]!.query("SELECT name FROM schema_migrations");
      assert.equal(rows.length, files.length);
    } finally {
      for (const db of pools) await db.close();
      await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    }
  });
}
