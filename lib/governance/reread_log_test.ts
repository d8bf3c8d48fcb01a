/**
 * A failing mode re-read (every second) is logged once per outage and kind of error, and its
 * recovery once (docs/operations/MODE_TOGGLE.md, "Fail closed"): not a warning per second for as
 * long as the database is down or the row is corrupt, also while ROS_MODE pins the mode.
 */
import assert from "node:assert/strict";
import { freshPglite } from "../../tests/helpers/db.ts";
import { until } from "../../tests/helpers/wait.ts";
import { systemClock } from "../clock.ts";
import type { Db } from "../db/mod.ts";
import { memoryLogger } from "../log/mod.ts";
import { createMemoryBus } from "../realtime/mod.ts";
import type { Mode } from "../config.ts";
import { createModeService } from "./service.ts";
import { writeStoredMode } from "./store.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const FAILED = "governance mode re-read failed";
const UNREADABLE = "governance mode unreadable: failing closed to STANDBY";
const RECOVERED = "governance mode readable again";

async function corruptModeRow(db: Db): Promise<void> {
  await db.exec(
    "ALTER TABLE governance_config DROP CONSTRAINT IF EXISTS governance_config_mode_check",
  );
  await db.query(
    `INSERT INTO governance_config (key, value) VALUES ('mode', '{"mode": "PAUSED"}'::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
  );
}

/** `db` with a count of the mode reads made through it. */
function countingReads(db: Db): { db: Db; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(db, {
    get(target, key, receiver) {
      if (key === "query") {
        return (sql: string, params?: unknown[]) => {
          if (/FROM governance_config WHERE key = 'mode'/.test(sql)) reads++;
          return target.query(sql, params);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: counted, reads: () => reads };
}

function count(lines: string[], msg: string): number {
  return lines.filter((line) => JSON.parse(line).msg === msg).length;
}

for (const rosMode of [undefined, "STANDBY"] as Array<Mode | undefined>) {
  Deno.test({
    name:
      `[pglite] a mode row that stays corrupt through many re-reads: one warning, one recovery line (ROS_MODE ${
        rosMode ?? "unset"
      })`,
    ...opts,
    async fn() {
      const testDb = await freshPglite();
      const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
      const logger = memoryLogger();
      try {
        await writeStoredMode(testDb.db, "LIVE", null);
        const { db, reads } = countingReads(testDb.db);
        const service = await createModeService({
          config: { rosMode, governanceMode: undefined },
          db,
          bus,
          logger,
          syncIntervalMs: 10,
          // Re-reads 10 ms apart would read as stale after 25 ms (the default 2.5 intervals) on a
          // loaded machine, failing closed and recovering once more than this test counts: the
          // staleness rule has its own tests (fail_closed_test.ts).
          staleAfterMs: 60_000,
        });
        try {
          await corruptModeRow(testDb.db);
          const from = reads();
          await until(() => reads() - from >= 8, "eight failed re-reads");
          assert.equal(count(logger.lines, FAILED), 1, logger.lines.join("\n"));
          assert.equal(count(logger.lines, UNREADABLE), rosMode ? 0 : 1);
          assert.equal(count(logger.lines, RECOVERED), 0);

          await writeStoredMode(testDb.db, "LIVE", null);
          await until(() => count(logger.lines, RECOVERED) > 0, "the recovery line");
          const after = reads();
          await until(() => reads() - after >= 3, "three good re-reads");
          assert.equal(count(logger.lines, RECOVERED), 1, logger.lines.join("\n"));

          // A new outage is told again.
          await corruptModeRow(testDb.db);
          await until(() => count(logger.lines, FAILED) === 2, "the second outage's warning");
        } finally {
          await service.close();
        }
      } finally {
        await bus.close();
        await testDb.cleanup();
      }
    },
  });
}
