/**
 * Background chores run soon after start, not only after a whole interval: an instance restarted
 * more often than hourly (rollouts, autoscaling) never deleted analytics past their retention.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { freshPglite } from "./helpers/db.ts";
import { until } from "./helpers/wait.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12);

Deno.test("a restarted instance deletes analytics past their retention at its chores' first run, before an hour of uptime", async () => {
  const testDb = await freshPglite();
  try {
    // The first instance stores one event, then stops.
    const first = await buildTestApp({ testDb, clock: manualClock(START) });
    const session = await consentedUser(first);
    const sent = await postEvents(first, session, [
      { eventId: crypto.randomUUID(), eventName: "ui.page_view" },
    ]);
    assert.equal(sent.accepted, 1);
    await first.close();

    // 396 days later (retention 395): an instance with the hourly interval and a short first run.
    const second = await buildTestApp({
      testDb,
      clock: manualClock(START + 396 * DAY),
      choresFirstRunDelayMs: () => 50,
    });
    try {
      const events = async () =>
        (await second.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM analytics_events",
        ))[0]!.n;
      await until(async () => (await events()) === 0, "the retention chore's first run");
      const audits = await second.db.query(
        "SELECT 1 FROM audit_log WHERE action = 'analytics.retention_cleanup'",
      );
      assert.equal(audits.length, 1, "the run is audited like a scheduled one");
    } finally {
      await second.close();
    }
  } finally {
    await testDb.cleanup();
  }
});
