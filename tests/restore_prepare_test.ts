/**
 * Readying a restored database (lib/restore.ts, `deno task restore-prepare`): every session
 * ends, the stored mode becomes STANDBY, the audit log marks where the backup's history ends,
 * and the old event stream is deleted, so no instance starts serving the backup's moment as if
 * it were now. The library on PGlite and Postgres; the command as a subprocess on Postgres and
 * Redis, followed by an instance started on the prepared database.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/mod.ts";
import {
  bundledMigrationsDir,
  migrate,
  openPostgres,
  type Queryable,
  readMigrations,
} from "../lib/db/mod.ts";
import { readStoredMode } from "../lib/governance/store.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { prepareRestoredDatabase } from "../lib/restore.ts";
import { buildTestApp } from "./helpers/app.ts";
import { sessionStatus, signInAs } from "./helpers/auth.ts";
import { dbTargets, uniqueName } from "./helpers/db.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { freshCliDatabase, migrateForCli, runScript } from "./helpers/user_cli.ts";

const SCRIPT = new URL("../scripts/restore_prepare.ts", import.meta.url).pathname;
const SYSTEM = { type: "system" as const };
const count = async (app: { db: Queryable }, sql: string) =>
  Number((await app.db.query<{ n: string | number }>(sql))[0]!.n);

for (const target of dbTargets()) {
  Deno.test(
    `[${target.name}] a restored database: sessions end, the mode is stored STANDBY, one audit entry marks the restore; a second run changes nothing more`,
    async () => {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const steward = await signInAs(app, "STEWARD");
        await app.services.mode.setMode("LIVE", SYSTEM);
        const sessions = await count(app, "SELECT count(*) AS n FROM sessions");
        const newestBefore = await count(app, "SELECT max(id) AS n FROM audit_log");
        const modeLogBefore = await count(app, "SELECT count(*) AS n FROM governance_log");
        assert.ok(sessions >= 1);
        assert.equal(await sessionStatus(app, steward.cookie), 200);
        const audit = createAuditLog({ db: app.db });

        const prepared = await prepareRestoredDatabase(app.db, audit, {
          backupLabel: "governance-2026-11-22.dump",
        });
        assert.deepEqual(prepared, {
          lastAuditIdInBackup: newestBefore,
          sessionsEnded: sessions,
          previousMode: "LIVE",
          preparedBefore: null,
        });
        assert.equal(await count(app, "SELECT count(*) AS n FROM sessions"), 0);
        assert.equal(await sessionStatus(app, steward.cookie), 401, "the session is over");
        assert.equal(await readStoredMode(app.db), "STANDBY");
        const [modeLog] = await app.db.query<{ details: Record<string, unknown> }>(
          "SELECT details FROM governance_log ORDER BY id DESC LIMIT 1",
        );
        assert.deepEqual(modeLog!.details, {
          from: "LIVE",
          to: "STANDBY",
          actorType: "system",
          reason: "restore",
        });
        const [marker] = await app.db.query<{ id: number; action: string; after: unknown }>(
          "SELECT id, action, after FROM audit_log ORDER BY id DESC LIMIT 1",
        );
        assert.equal(marker!.action, "system.restore_prepared");
        assert.ok(Number(marker!.id) > newestBefore);
        assert.deepEqual(marker!.after, {
          lastAuditIdInBackup: newestBefore,
          sessionsEnded: sessions,
          previousMode: "LIVE",
          mode: "STANDBY",
          backupId: "governance-2026-11-22.dump",
        });

        // Again (a first run whose Redis step failed, say): nothing left to end or switch, and
        // the backup's boundary stays the first run's, not the first marker's id, so an export
        // of the old database's `id > N` keeps every change made after the backup.
        const again = await prepareRestoredDatabase(app.db, audit);
        assert.equal(again.sessionsEnded, 0);
        assert.equal(again.previousMode, "STANDBY");
        assert.equal(again.lastAuditIdInBackup, newestBefore);
        assert.equal(again.preparedBefore, Number(marker!.id));
        const [second] = await app.db.query<{ after: Record<string, unknown> }>(
          "SELECT after FROM audit_log ORDER BY id DESC LIMIT 1",
        );
        assert.equal(second!.after.lastAuditIdInBackup, newestBefore);
        assert.equal(second!.after.preparedBefore, Number(marker!.id));
        // A third run still points at the first marker.
        const third = await prepareRestoredDatabase(app.db, audit);
        assert.equal(third.lastAuditIdInBackup, newestBefore);
        assert.equal(third.preparedBefore, Number(marker!.id));
        assert.equal(
          await count(app, "SELECT count(*) AS n FROM governance_log"),
          modeLogBefore + 1,
        );

        // A label that is not a file name or timestamp is refused before anything is written.
        const entries = await count(app, "SELECT count(*) AS n FROM audit_log");
        await assert.rejects(
          prepareRestoredDatabase(app.db, audit, { backupLabel: "jane doe's dump" }),
          RangeError,
        );
        assert.equal(await count(app, "SELECT count(*) AS n FROM audit_log"), entries);
      } finally {
        await app.dispose();
      }
    },
  );
}

Deno.test({
  name:
    "[postgres+redis] deno task restore-prepare readies a restored database and deletes the old event stream; an instance started on it serves STANDBY to no old session",
  ignore: !hasPostgres() || !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await freshCliDatabase();
    const streamKey = uniqueName("events");
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL!,
      EVENT_STREAM_KEY: streamKey,
    };
    const raw = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const openApp = async () => {
      const db = openPostgres(database.url, { max: 3 });
      await migrate(db, await readMigrations(bundledMigrationsDir()));
      const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
      const app = await buildTestApp({
        env: { EVENT_STREAM_KEY: streamKey },
        redis,
        testDb: { db, cleanup: () => db.close() },
      });
      return {
        app,
        async close() {
          await app.dispose();
          await redis.close();
        },
      };
    };
    try {
      // The state the backup holds: a signed-in user, mode LIVE, its change in the event stream.
      const before = await openApp();
      const steward = await signInAs(before.app, "STEWARD");
      await before.app.services.mode.setMode("LIVE", SYSTEM);
      await before.close();
      assert.equal(await raw.client.sendCommand<number>(["EXISTS", streamKey]), 1);

      // An empty database (a mistyped DATABASE_URL) is refused, and left empty.
      const empty = await freshCliDatabase();
      try {
        const wrong = await runScript(SCRIPT, { ...env, DATABASE_URL: empty.url }, []);
        assert.equal(wrong.code, 1);
        assert.match(wrong.stderr, /holds no ResearchFlow data: .* Nothing was changed\./);
        const probe = openPostgres(empty.url, { max: 1 });
        try {
          const [tables] = await probe.query<{ n: string | number }>(
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'",
          );
          assert.equal(Number(tables!.n), 0);
        } finally {
          await probe.close();
        }
      } finally {
        await empty.drop();
      }

      const refused = await runScript(SCRIPT, env, ["--backup", "not a label"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /--backup must be/);

      const done = await runScript(SCRIPT, env, ["--backup", "governance-2026-11-22.dump"]);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /sessions ended: [1-9]/);
      assert.match(done.stdout, /governance mode: STANDBY \(before this run: LIVE\)/);
      assert.match(done.stdout, new RegExp(`event stream ${streamKey}: deleted`));
      assert.equal(await raw.client.sendCommand<number>(["EXISTS", streamKey]), 0);
      // The dump's name keeps its date in the audit entry (the app's PHI scrub applies to it).
      const markerDb = openPostgres(database.url, { max: 1 });
      try {
        const [marker] = await markerDb.query<{ after: { backupId?: string } }>(
          "SELECT after FROM audit_log WHERE action = 'system.restore_prepared'",
        );
        assert.equal(marker!.after.backupId, "governance-2026-11-22.dump");
      } finally {
        await markerDb.close();
      }

      const after = await openApp();
      try {
        assert.equal(after.app.services.mode.current(), "STANDBY");
        assert.equal(await sessionStatus(after.app, steward.cookie), 401);
      } finally {
        await after.close();
      }

      // Redis out of reach: the database is ready all the same, and the operator is told.
      const unreachable = await runScript(SCRIPT, { ...env, REDIS_URL: "redis://127.0.0.1:1" }, []);
      assert.equal(unreachable.code, 3, unreachable.stderr);
      assert.match(unreachable.stdout, /sessions ended: /);
      assert.match(unreachable.stderr, /was not deleted .* before the first start/);
    } finally {
      await raw.client.sendCommand(["DEL", streamKey]).catch(() => {});
      await raw.close();
      await database.drop();
    }
  },
});

Deno.test({
  name:
    "[postgres+redis] deno task restore-prepare run again after its Redis step failed keeps the first run's backup boundary",
  ignore: !hasPostgres() || !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const database = await freshCliDatabase();
    const streamKey = uniqueName("events");
    const env = { DATABASE_URL: database.url, EVENT_STREAM_KEY: streamKey };
    const db = openPostgres(database.url, { max: 1 });
    try {
      // The backup's history: a migrated database with a few audit entries.
      await migrate(db, await readMigrations(bundledMigrationsDir()));
      const audit = createAuditLog({ db });
      for (const action of ["user.create", "flag.create", "token.revoke"]) {
        await audit.record({ actor: SYSTEM, action, target: { type: "database" } });
      }
      const newest = await count({ db }, "SELECT max(id) AS n FROM audit_log");

      const first = await runScript(SCRIPT, { ...env, REDIS_URL: "redis://127.0.0.1:1" }, []);
      assert.equal(first.code, 3, first.stderr);
      assert.match(first.stdout, new RegExp(`entries up to id ${newest} come from the backup`));

      const again = await runScript(SCRIPT, { ...env, REDIS_URL: TEST_REDIS_URL! }, []);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`entries up to id ${newest} come from the backup`));
      assert.match(again.stdout, /already prepared/);
      assert.match(again.stdout, new RegExp(`event stream ${streamKey}: `));

      const markers = await db.query<{ id: string | number; after: Record<string, unknown> }>(
        "SELECT id, after FROM audit_log WHERE action = 'system.restore_prepared' ORDER BY id",
      );
      assert.equal(markers.length, 2);
      assert.deepEqual(markers.map((m) => m.after.lastAuditIdInBackup), [newest, newest]);
      assert.equal(markers[1]!.after.preparedBefore, Number(markers[0]!.id));
    } finally {
      await db.close();
      await database.drop();
    }
  },
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const exists = async (path: string) => {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
};

Deno.test({
  name:
    "[pglite] deno task restore-prepare refuses a DATA_DIR without an embedded database before opening it: nothing is created there",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "restore_prepare_" });
    try {
      // A mistyped DATA_DIR, or one the backup was not extracted into yet: an empty directory,
      // and a path that does not exist at all.
      for (const dataDir of [tmp, `${tmp}/missing`]) {
        const result = await runScript(SCRIPT, { DATA_DIR: dataDir }, []);
        assert.equal(result.code, 1, result.stderr);
        assert.match(
          result.stderr,
          new RegExp(
            `No embedded database in ${escape(dataDir)}: ${escape(dataDir)}/pglite/PG_VERSION ` +
              "does not exist\\. .*Nothing was created or changed\\.",
          ),
        );
        assert.equal(result.stdout, "");
        assert.equal(await exists(`${tmp}/pglite`), false, "a cluster was created");
        assert.equal(await exists(`${tmp}/.lock`), false, "a lock file was left");
      }
      assert.equal(await exists(`${tmp}/missing`), false);

      // A pglite that is a symbolic link to an empty directory (a mounted volume): the same.
      const linked = `${tmp}/linked`;
      await Deno.mkdir(`${tmp}/volume`);
      await Deno.mkdir(linked);
      await Deno.symlink(`${tmp}/volume`, `${linked}/pglite`);
      const viaLink = await runScript(SCRIPT, { DATA_DIR: linked }, []);
      assert.equal(viaLink.code, 1, viaLink.stderr);
      assert.match(viaLink.stderr, /^No embedded database in .*Nothing was created or changed\./);
      assert.equal(await exists(`${linked}/.lock`), false, "a lock file was left");
      assert.deepEqual([...Deno.readDirSync(`${tmp}/volume`)], [], "nothing written through it");

      // The restored copy (a migrated embedded database) is prepared as before.
      const restored = `${tmp}/restored`;
      await migrateForCli({ DATA_DIR: restored });
      const done = await runScript(SCRIPT, { DATA_DIR: restored }, ["--backup", "pglite.tgz"]);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /governance mode: STANDBY/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
