/**
 * The retention job's audit entry keeps what docs/analytics.md promises: the number of
 * events deleted and the cutoff (as `cutoffAt`, an instant under a technical key, which the
 * audit log's PHI scrubbing keeps), with the retention period (PGlite and Postgres).
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { dbTargets } from "./helpers/db.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12);

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] the retention audit records the deleted count and the cutoff instant`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const session = await consentedUser(app);
      const sent = await postEvents(app, session, [
        { eventId: crypto.randomUUID(), eventName: "ui.page_view" },
      ]);
      assert.equal(sent.accepted, 1);

      clock.advance(396 * DAY); // 2027-04-10 12:00 UTC; 395 days earlier is 2026-03-11
      const result = await app.services.analytics.cleanup();
      assert.deepEqual(result, { deleted: 1, cutoff: "2026-03-11" });

      const audits = await app.db.query<{ after: Record<string, unknown> }>(
        "SELECT after FROM audit_log WHERE action = 'analytics.retention_cleanup'",
      );
      assert.deepEqual(audits.map((a) => a.after), [
        { deletedEvents: 1, cutoffAt: "2026-03-11T00:00:00.000Z", retentionDays: 395 },
      ]);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
