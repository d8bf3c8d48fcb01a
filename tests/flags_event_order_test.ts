/**
 * The flag snapshot and events delivered out of order (lib/flags/mod.ts): the snapshot is only
 * ever replaced by a full re-read of the database, and an event no newer than the flag it holds
 * (an update, or an archive since undone) asks for no re-read and marks nothing as unapplied, so
 * the stream's hello keeps claiming its id.
 */
import assert from "node:assert/strict";
import { createAuditLog } from "../lib/audit/mod.ts";
import { manualClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { createFeatureControl } from "../lib/flags/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { createMemoryBus } from "../lib/realtime/mod.ts";
import { freshPglite } from "./helpers/db.ts";

const SYSTEM = { actor: { type: "system" as const } };

/** `db` with a count of snapshot loads (the read of live flags). */
function counting(db: Db): { db: Db; loads: () => number } {
  let loads = 0;
  const counted = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== "query" || typeof value !== "function") return value;
      return (sql: string, params?: unknown[]) => {
        if (/FROM feature_flags WHERE archived_at IS NULL ORDER BY key/.test(sql)) loads++;
        return value.call(target, sql, params);
      };
    },
  });
  return { db: counted, loads: () => loads };
}

Deno.test("flag snapshot: an out-of-order event no newer than the flag held causes no re-read", async () => {
  const testDb = await freshPglite();
  const { db, loads } = counting(testDb.db);
  const clock = manualClock();
  const bus = createMemoryBus({ clock, historySize: 100 });
  const control = await createFeatureControl({
    config: { appEnv: "production", featureOverrides: {} },
    db,
    clock,
    logger: memoryLogger(),
    audit: createAuditLog({ db }),
    bus,
    mode: () => "LIVE",
    refreshIntervalMs: 0,
    outageRefreshIntervalMs: 0,
  });
  try {
    await control.flags.set("pilot", { enabled: true }, SYSTEM); // v1
    await control.flags.archive("pilot", 1, SYSTEM); // v2
    await control.flags.set("pilot", { enabled: false }, SYSTEM); // v3, restored
    assert.equal(control.flags.get("pilot")?.version, 3);
    const before = loads();

    const late = (version: number, archived: boolean, enabled: boolean) =>
      bus.publish({
        type: "governance.flag_changed",
        topic: "governance",
        payload: { flagKey: "pilot", enabled, rolloutPercent: 100, version, archived },
      });
    await late(2, true, false); // the archive, delivered after the restore
    assert.equal(control.snapshots.state().unappliedEvent, null);
    await late(1, false, true);
    await late(3, false, false); // the snapshot's own version
    assert.equal(control.snapshots.state().unappliedEvent, null);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(loads(), before, "no re-read for news the snapshot already holds");
    assert.equal(control.flags.get("pilot")?.version, 3);
    assert.equal(control.flags.get("pilot")?.enabled, false);

    // A newer one is re-read (and the snapshot moves forward only through the database).
    await late(4, false, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(loads(), before + 1);
    assert.equal(control.flags.get("pilot")?.version, 3, "the database still holds v3");
  } finally {
    await control.close();
    await bus.close();
    await testDb.cleanup();
  }
});
