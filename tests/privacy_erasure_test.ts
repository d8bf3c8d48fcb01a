/**
 * Erasure and retention reach the governance-log rows of redacted events
 * (`analytics.phi_redacted`), which name the user (`actor_id`) and the event id: a withdrawal
 * with erasure and an administrator's erasure delete that user's rows with the events, and the
 * retention cleanup deletes rows older than the events' retention. Another user's rows, and
 * governance-log rows of other kinds, stay. PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import type { Queryable } from "../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12);

/** Posts one event whose property holds an e-mail address (built at run time): it is redacted. */
async function redactedEvent(app: TestApp, session: Session): Promise<string> {
  const eventId = crypto.randomUUID();
  const answer = await postEvents(app, session, [{
    eventId,
    eventName: "ui.button_click",
    properties: { button: ["someone", "example.org"].join("@") },
  }]);
  assert.equal(answer.redacted, 1);
  return eventId;
}

/** The `analytics.phi_redacted` rows that name this user or one of these event ids. */
async function redactionRows(db: Queryable, userId: string, eventIds: string[]) {
  return await db.query<{ id: number }>(
    `SELECT id FROM governance_log
      WHERE event_type = 'analytics.phi_redacted'
        AND (actor_id = $1 OR details ->> 'eventId' = ANY($2::text[]))`,
    [userId, eventIds],
  );
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a withdrawal with erasure deletes the user's redaction records, not another user's`, async () => {
    const app = await buildTestApp({ testDb: await target.open(), clock: manualClock(START) });
    try {
      const alice = await consentedUser(app);
      const bob = await consentedUser(app);
      const aliceEvents = [await redactedEvent(app, alice), await redactedEvent(app, alice)];
      const bobEvents = [await redactedEvent(app, bob)];
      assert.equal((await redactionRows(app.db, alice.user.id, aliceEvents)).length, 2);

      const response = await app.request("/api/consent/revoke", {
        method: "POST",
        headers: alice.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ consentType: "analytics", eraseEvents: true }),
      });
      assert.equal(response.status, 200);
      assert.equal((await response.json()).erasedEvents, 2);

      assert.equal((await redactionRows(app.db, alice.user.id, aliceEvents)).length, 0);
      assert.equal((await redactionRows(app.db, bob.user.id, bobEvents)).length, 1);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] an administrator's erasure deletes the user's redaction records only`, async () => {
    const app = await buildTestApp({ testDb: await target.open(), clock: manualClock(START) });
    try {
      const alice = await consentedUser(app);
      const bob = await consentedUser(app);
      const aliceEvents = [await redactedEvent(app, alice)];
      const bobEvents = [await redactedEvent(app, bob)];
      // A governance-log row of another kind with alice as actor stays.
      await app.db.query(
        `INSERT INTO governance_log (event_type, actor_id, details)
         VALUES ('governance.mode_changed', $1, '{"mode": "LIVE"}'::jsonb)`,
        [alice.user.id],
      );
      const admin = await signInAs(app, "ADMIN");

      const response = await app.request(`/api/analytics/users/${alice.user.id}/events`, {
        method: "DELETE",
        headers: admin.headers(),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();

      assert.equal((await redactionRows(app.db, alice.user.id, aliceEvents)).length, 0);
      assert.equal((await redactionRows(app.db, bob.user.id, bobEvents)).length, 1);
      const kept = await app.db.query<{ event_type: string }>(
        "SELECT event_type FROM governance_log WHERE actor_id = $1",
        [alice.user.id],
      );
      assert.deepEqual([...kept].map((row) => row.event_type), ["governance.mode_changed"]);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] retention deletes redaction records older than the events' retention, audited`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const alice = await consentedUser(app);
      const old = [await redactedEvent(app, alice)];
      clock.advance(2 * DAY);
      // Sessions expire on the injected clock: a new user after it moved.
      const bob = await consentedUser(app);
      const recent = [await redactedEvent(app, bob)];

      // 396 days after the first event: its day is past the 395-day retention, bob's is not.
      clock.advance(394 * DAY);
      const result = await app.services.analytics.cleanup();
      assert.equal(result.deleted, 1);

      assert.equal((await redactionRows(app.db, alice.user.id, old)).length, 0);
      assert.equal((await redactionRows(app.db, bob.user.id, recent)).length, 1);
      const audits = await app.db.query<{ after: Record<string, unknown> }>(
        "SELECT after FROM audit_log WHERE action = 'analytics.retention_cleanup'",
      );
      assert.equal(audits.length, 1);
      assert.equal(audits[0]!.after.deletedEvents, 1);
      assert.equal(audits[0]!.after.deletedRedactionRecords, 1);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
