/**
 * Erasing one user's events takes out of the exposure roll-up only the exposures the insert
 * counted (experiment key and variant both JSON strings): another user's non-string variant
 * `2` never decrements the exposures of variant "2" (PGlite and Postgres).
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents, leftOfUser } from "./helpers/analytics_rollups.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const START = Date.UTC(2026, 2, 10, 12);

/**
 * Records an exposure as the server does (clients may not send `experiment.assigned`); a number
 * variant is what an older release or a bug could have stored, which the roll-ups skip.
 */
async function exposure(app: TestApp, session: Session, variant: unknown): Promise<number> {
  const outcome = await app.services.analytics.recordServerEvent({
    userId: session.user.id,
    eventName: "experiment.assigned",
    properties: { experiment_key: "pricing.page", variant },
  });
  return outcome === "accepted" ? 1 : 0;
}

async function exposures(app: TestApp, session: Session) {
  const response = await app.request("/api/analytics/summary?from=2026-03-10&to=2026-03-10", {
    headers: session.headers(),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return (await json<{ exposures: unknown[] }>(response)).exposures;
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] erasing a user whose variant was the number 2 leaves another user's exposure to variant "2"`, async () => {
    const app = await buildTestApp({ testDb: await target.open(), clock: manualClock(START) });
    try {
      const alice = await consentedUser(app);
      const bob = await consentedUser(app);
      const admin = await signInAs(app, "ADMIN");
      assert.equal(await exposure(app, alice, "2"), 1);
      assert.equal(await exposure(app, bob, 2), 1); // stored, but not an exposure
      const before = [{ experimentKey: "pricing.page", variant: "2", exposures: 1, movedIn: 0 }];
      assert.deepEqual(await exposures(app, admin), before);

      const response = await app.request(`/api/analytics/users/${bob.user.id}/events`, {
        method: "DELETE",
        headers: admin.headers(),
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      assert.deepEqual(await json(response), { deletedEvents: 1 });

      assert.deepEqual(await leftOfUser(app.db, bob.user.id), { events: 0, dayUsers: 0 });
      assert.deepEqual(await exposures(app, admin), before);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
