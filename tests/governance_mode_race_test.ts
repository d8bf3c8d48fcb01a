/**
 * Concurrent mode changes from two or three instances on one real Postgres: each change reads
 * the mode it replaces under a lock, so the audit rows, the governance log and the events form
 * one before/after chain, and identical concurrent requests change (and record) the mode once.
 * On PGlite (one connection) the same calls run one after the other and give the same rows.
 */
import assert from "node:assert/strict";
import type { Mode } from "../lib/config.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { dbTargets } from "./helpers/db.ts";

const system = { type: "system" as const };

interface ModeRow {
  before: { mode: Mode };
  after: { mode: Mode };
}

async function withInstances(
  target: ReturnType<typeof dbTargets>[number],
  count: number,
  fn: (apps: TestApp[]) => Promise<void>,
): Promise<void> {
  const testDb = await target.open();
  const apps: TestApp[] = [];
  try {
    // Modes start from the default (DEMO): no stored row yet, the hardest case to lock.
    apps.push(await buildTestApp({ testDb, env: { RATE_LIMIT_PER_MIN: "0" } }));
    for (let i = 1; i < count; i++) {
      apps.push(
        await buildTestApp({
          testDb: { db: testDb.db, cleanup: () => Promise.resolve() },
          env: { RATE_LIMIT_PER_MIN: "0" },
        }),
      );
    }
    await fn(apps);
  } finally {
    for (const app of apps.slice(1)) await app.dispose();
    await apps[0]?.dispose();
  }
}

async function auditChain(app: TestApp): Promise<ModeRow[]> {
  return await app.db.query<ModeRow>(
    "SELECT before, after FROM audit_log WHERE action = 'governance.mode_change' ORDER BY id",
  );
}

for (const target of dbTargets()) {
  Deno.test(`${target.name}: concurrent mode changes from two instances chain before/after`, async () => {
    await withInstances(target, 2, async ([a, b]) => {
      assert.equal(a!.services.mode.current(), "DEMO");
      const [left, right] = await Promise.all([
        a!.services.mode.setMode("LIVE", system),
        b!.services.mode.setMode("STANDBY", system),
      ]);
      assert.ok(left.changed && right.changed);
      const rows = await auditChain(a!);
      assert.equal(rows.length, 2);
      assert.equal(rows[0]!.before.mode, "DEMO");
      assert.equal(
        rows[1]!.before.mode,
        rows[0]!.after.mode,
        "the second change replaced the first",
      );
      const log = await a!.db.query<{ details: { from: Mode; to: Mode } }>(
        "SELECT details FROM governance_log WHERE event_type = 'mode_change' ORDER BY id",
      );
      assert.deepEqual(
        log.map((row) => [row.details.from, row.details.to]),
        rows.map((row) => [row.before.mode, row.after.mode]),
      );
      // The outcomes say the same as the rows: one of them replaced the other.
      const previous = [left.previous, right.previous].sort();
      assert.deepEqual(previous, ["DEMO", rows[0]!.after.mode].sort());
    });
  });

  Deno.test(`${target.name}: three identical concurrent mode changes change it once`, async () => {
    await withInstances(target, 3, async (apps) => {
      const outcomes = await Promise.all([
        ...apps.map((app) => app.services.mode.setMode("LIVE", system)),
      ]);
      assert.equal(outcomes.filter((o) => o.changed).length, 1, "exactly one change");
      const rows = await auditChain(apps[0]!);
      assert.deepEqual([...rows], [{ before: { mode: "DEMO" }, after: { mode: "LIVE" } }]);
      const log = await apps[0]!.db.query(
        "SELECT id FROM governance_log WHERE event_type = 'mode_change'",
      );
      assert.equal(log.length, 1);
    });
  });

  Deno.test(`${target.name}: concurrent three-way rounds keep one audit chain`, async () => {
    await withInstances(target, 3, async (apps) => {
      const modes: Mode[] = ["LIVE", "STANDBY", "DEMO"];
      for (let round = 0; round < 8; round++) {
        await Promise.all(
          apps.map((app, i) => app.services.mode.setMode(modes[(i + round) % 3]!, system)),
        );
      }
      const rows = await auditChain(apps[0]!);
      assert.ok(rows.length > 0);
      assert.equal(rows[0]!.before.mode, "DEMO");
      for (let i = 1; i < rows.length; i++) {
        assert.equal(
          rows[i]!.before.mode,
          rows[i - 1]!.after.mode,
          `row ${i} follows row ${i - 1}`,
        );
        assert.notEqual(rows[i]!.before.mode, rows[i]!.after.mode, `row ${i} is a change`);
      }
    });
  });
}
