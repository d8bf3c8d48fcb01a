/**
 * The mode fails closed: an instance that cannot read the stored mode — corrupt row, failing
 * or hanging read — serves STANDBY until a read succeeds; a corrupt row is a start-up error
 * unless ROS_MODE pins the mode.
 */
import assert from "node:assert/strict";
import { dbTargets, freshPostgres } from "../../tests/helpers/db.ts";
import { hasPostgres } from "../../tests/helpers/env.ts";
import { until } from "../../tests/helpers/wait.ts";
import { systemClock } from "../clock.ts";
import type { Db } from "../db/mod.ts";
import { memoryLogger } from "../log/mod.ts";
import { createMemoryBus } from "../realtime/mod.ts";
import { InvalidStoredModeError } from "./mode.ts";
import { createModeService } from "./service.ts";
import { writeStoredMode } from "./store.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const UNPINNED = { rosMode: undefined, governanceMode: undefined };

/** Writes a mode row the app must not accept (the check constraint dropped to allow it). */
async function corruptModeRow(db: Db, value: string): Promise<void> {
  await db.exec(
    "ALTER TABLE governance_config DROP CONSTRAINT IF EXISTS governance_config_mode_check",
  );
  await db.query(
    `INSERT INTO governance_config (key, value) VALUES ('mode', $1::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    [value],
  );
}

for (const target of dbTargets()) {
  Deno.test({
    name: `[${target.name}] the database refuses a mode row that names no mode`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      try {
        for (const value of ["{}", "null", '{"mode": null}', '{"mode": "PAUSED"}']) {
          await assert.rejects(
            () =>
              testDb.db.query(
                `INSERT INTO governance_config (key, value) VALUES ('mode', $1::jsonb)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
                [value],
              ),
            value,
          );
        }
        await writeStoredMode(testDb.db, "LIVE", null);
      } finally {
        await testDb.cleanup();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] a corrupt mode row: start-up error, unless ROS_MODE pins; a running instance fails closed and recovers`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
      const logger = memoryLogger();
      try {
        for (const value of ["null", "{}"]) {
          await corruptModeRow(testDb.db, value);
          await assert.rejects(
            () => createModeService({ config: UNPINNED, db: testDb.db }),
            InvalidStoredModeError,
            `${value} is no "unset": it is corrupt`,
          );
          const pinned = await createModeService({
            config: { rosMode: "STANDBY", governanceMode: undefined },
            db: testDb.db,
            logger,
          });
          assert.deepEqual(pinned.state(), { mode: "STANDBY", pinned: true, source: "ROS_MODE" });
          await pinned.close();
        }
        assert.ok(logger.lines.some((line) => line.includes("ROS_MODE pins the mode")));

        await writeStoredMode(testDb.db, "LIVE", null);
        const running = await createModeService({
          config: UNPINNED,
          db: testDb.db,
          bus,
          logger,
          syncIntervalMs: 20,
        });
        try {
          assert.equal(running.current(), "LIVE");
          await corruptModeRow(testDb.db, '{"mode": "PAUSED"}');
          await until(() => running.state().source === "fail-closed", "failing closed");
          assert.equal(running.current(), "STANDBY");
          await writeStoredMode(testDb.db, "LIVE", null);
          await until(() => running.state().source === "database", "recovering");
          assert.equal(running.current(), "LIVE");
        } finally {
          await running.close();
        }
      } finally {
        await bus.close();
        await testDb.cleanup();
      }
    },
  });
}

Deno.test({
  name:
    "[postgres] a mode re-read that hangs (table locked) fails closed to STANDBY, then recovers",
  ignore: !hasPostgres(),
  ...opts,
  async fn() {
    const testDb = await freshPostgres();
    const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
    try {
      await writeStoredMode(testDb.db, "LIVE", null);
      const service = await createModeService({
        config: UNPINNED,
        db: testDb.db,
        bus,
        syncIntervalMs: 20,
        staleAfterMs: 200,
      });
      try {
        assert.equal(service.current(), "LIVE");
        // Another connection holds the table: every read waits, none fails.
        await testDb.db.transaction!(async (tx) => {
          await tx.exec("LOCK TABLE governance_config IN ACCESS EXCLUSIVE MODE");
          await until(() => service.state().source === "fail-closed", "failing closed");
          assert.equal(service.current(), "STANDBY");
        });
        await until(() => service.state().source === "database", "recovering");
        assert.equal(service.current(), "LIVE");
      } finally {
        await service.close();
      }
    } finally {
      await bus.close();
      await testDb.cleanup();
    }
  },
});
