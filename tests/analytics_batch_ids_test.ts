/**
 * Event ids within one batch (PGlite and Postgres): an id counts as used only once its event
 * is kept, so when the first event with an id is rejected a later valid event with that id
 * is stored and accepted, not reported as a duplicate of something never stored.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { dbTargets } from "./helpers/db.ts";

async function stored(app: TestApp, eventId: string): Promise<number> {
  const [row] = await app.db.query<{ n: number }>(
    "SELECT count(*)::int8 AS n FROM analytics_events WHERE event_id = $1::uuid",
    [eventId],
  );
  return row!.n;
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a rejected event does not use up its id: a later valid event with it in the batch is stored`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      const session = await consentedUser(app);

      const id = crypto.randomUUID();
      const first = await postEvents(app, session, [
        { eventId: id, eventName: "ui.not_in_allowlist" },
        { eventId: id, eventName: "ui.page_view", properties: { page: "home" } },
      ]);
      assert.deepEqual(
        { accepted: first.accepted, rejected: first.rejected, duplicates: first.duplicates },
        { accepted: 1, rejected: 1, duplicates: 0 },
      );
      assert.deepEqual(first.rejections.map((r) => [r.index, r.reason]), [[
        0,
        "EVENT_NOT_ALLOWED",
      ]]);
      assert.equal(await stored(app, id), 1);

      // Once stored, the id is a duplicate: later in a batch, and in a retry.
      const other = crypto.randomUUID();
      const second = await postEvents(app, session, [
        { eventId: other, eventName: "ui.page_view" },
        { eventId: other, eventName: "ui.not_in_allowlist" },
        { eventId: id, eventName: "ui.page_view" },
      ]);
      assert.deepEqual(
        { accepted: second.accepted, rejected: second.rejected, duplicates: second.duplicates },
        { accepted: 1, rejected: 0, duplicates: 2 },
      );
      assert.equal(await stored(app, id), 1);
      assert.equal(await stored(app, other), 1);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
