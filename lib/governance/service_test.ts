import assert from "node:assert/strict";
import { dbTargets } from "../../tests/helpers/db.ts";
import { createAuditLog } from "../audit/audit.ts";
import { manualClock, systemClock } from "../clock.ts";
import type { Mode } from "../config.ts";
import { ModePinnedError } from "../errors/mod.ts";
import { createMemoryBus } from "../realtime/mod.ts";
import type { AppEvent } from "../realtime/types.ts";
import { createModeService, PINNED_REASON } from "./service.ts";
import { writeStoredMode } from "./store.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface Case {
  name: string;
  rosMode?: Mode;
  stored?: Mode;
  governanceMode?: Mode;
  expected: { mode: Mode; pinned: boolean; source: string };
}

const CASES: Case[] = [
  { name: "nothing set → DEMO", expected: { mode: "DEMO", pinned: false, source: "default" } },
  {
    name: "GOVERNANCE_MODE alone",
    governanceMode: "LIVE",
    expected: { mode: "LIVE", pinned: false, source: "GOVERNANCE_MODE" },
  },
  {
    name: "database beats GOVERNANCE_MODE",
    stored: "STANDBY",
    governanceMode: "LIVE",
    expected: { mode: "STANDBY", pinned: false, source: "database" },
  },
  {
    name: "ROS_MODE beats the database and pins",
    rosMode: "STANDBY",
    stored: "LIVE",
    governanceMode: "DEMO",
    expected: { mode: "STANDBY", pinned: true, source: "ROS_MODE" },
  },
  {
    name: "ROS_MODE alone pins",
    rosMode: "LIVE",
    expected: { mode: "LIVE", pinned: true, source: "ROS_MODE" },
  },
];

for (const target of dbTargets()) {
  for (const c of CASES) {
    Deno.test({
      name: `[${target.name}] mode precedence: ${c.name}`,
      ...opts,
      async fn() {
        const testDb = await target.open();
        try {
          if (c.stored) await writeStoredMode(testDb.db, c.stored, null);
          const service = await createModeService({
            config: { rosMode: c.rosMode, governanceMode: c.governanceMode },
            db: testDb.db,
          });
          assert.deepEqual(service.state(), c.expected);
          assert.equal(service.current(), c.expected.mode);
          await service.close();
        } finally {
          await testDb.cleanup();
        }
      },
    });
  }

  Deno.test({
    name: `[${target.name}] setMode() persists, audits, logs and publishes governance.mode_changed`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const bus = createMemoryBus({ clock: manualClock(), historySize: 10 });
      const events: AppEvent[] = [];
      bus.subscribe("governance", (e) => events.push(e));
      const service = await createModeService({
        config: { rosMode: undefined, governanceMode: undefined },
        db: testDb.db,
        audit: createAuditLog({ db: testDb.db }),
        bus,
        syncIntervalMs: 0,
      });
      try {
        const change = await service.setMode("LIVE", { type: "system" }, {
          requestId: "req-12345678",
        });
        assert.deepEqual(change, {
          previous: "DEMO",
          changed: true,
          state: { mode: "LIVE", pinned: false, source: "database" },
        });
        assert.equal(service.current(), "LIVE");
        const stored = await testDb.db.query<{ value: unknown }>(
          "SELECT value FROM governance_config WHERE key = 'mode'",
        );
        assert.deepEqual(stored[0]?.value, { mode: "LIVE" });
        const audit = await testDb.db.query<{ action: string; before: unknown; after: unknown }>(
          "SELECT action, before, after, request_id FROM audit_log",
        );
        assert.deepEqual([...audit], [{
          action: "governance.mode_change",
          before: { mode: "DEMO" },
          after: { mode: "LIVE" },
          request_id: "req-12345678",
        }]);
        const log = await service.recentLog();
        assert.equal(log.length, 1);
        assert.equal(log[0]!.eventType, "mode_change");
        assert.deepEqual(log[0]!.details, { from: "DEMO", to: "LIVE", actorType: "system" });
        assert.equal(log[0]!.actor, "system");
        assert.equal(events.length, 1);
        assert.equal(events[0]!.type, "governance.mode_changed");
        assert.deepEqual(events[0]!.payload, { mode: "LIVE", previous: "DEMO", pinned: false });

        const again = await service.setMode("LIVE", { type: "system" });
        assert.equal(again.changed, false, "setting the same mode writes nothing");
        assert.equal(events.length, 1);
        assert.equal((await service.recentLog()).length, 1);
      } finally {
        await service.close();
        await bus.close();
        await testDb.cleanup();
      }
    },
  });

  Deno.test({
    name: `[${target.name}] setMode() refuses while ROS_MODE pins the mode and writes nothing`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const service = await createModeService({
        config: { rosMode: "STANDBY", governanceMode: undefined },
        db: testDb.db,
        audit: createAuditLog({ db: testDb.db }),
      });
      try {
        await assert.rejects(
          () => service.setMode("LIVE", { type: "system" }),
          (error: unknown) => {
            assert.ok(error instanceof ModePinnedError);
            assert.equal(error.code, "MODE_PINNED");
            assert.match(error.message, /ROS_MODE/);
            return true;
          },
        );
        assert.equal(service.current(), "STANDBY");
        const rows = await testDb.db.query("SELECT 1 FROM governance_config WHERE key = 'mode'");
        assert.equal(rows.length, 0);
        assert.match(PINNED_REASON, /ROS_MODE/);
      } finally {
        await service.close();
        await testDb.cleanup();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] a mode_changed event from another instance makes this one re-read the database`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
      const config = { rosMode: undefined, governanceMode: undefined };
      const a = await createModeService({ config, db: testDb.db, bus, syncIntervalMs: 0 });
      const b = await createModeService({ config, db: testDb.db, bus, syncIntervalMs: 0 });
      try {
        const seen = new Promise<Mode>((resolve) => b.onChange((state) => resolve(state.mode)));
        await a.setMode("STANDBY", { type: "system" });
        assert.equal(await seen, "STANDBY");
        assert.equal(b.current(), "STANDBY");
      } finally {
        await a.close();
        await b.close();
        await bus.close();
        await testDb.cleanup();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] without any event, the periodic re-read picks up a change made elsewhere`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const bus = createMemoryBus({ clock: systemClock, historySize: 10 });
      const b = await createModeService({
        config: { rosMode: undefined, governanceMode: undefined },
        db: testDb.db,
        bus,
        syncIntervalMs: 50,
        // Not this test's subject: with the default (2.5 intervals, 125 ms) a read slowed by a
        // loaded machine failed closed first, and the change seen was STANDBY.
        staleAfterMs: 60_000,
      });
      try {
        const seen = new Promise<Mode>((resolve) => b.onChange((state) => resolve(state.mode)));
        await writeStoredMode(testDb.db, "LIVE", null); // a change that published nothing
        assert.equal(await seen, "LIVE");
      } finally {
        await b.close();
        await bus.close();
        await testDb.cleanup();
      }
    },
  });
}
