/**
 * Events only the server records (`experiment.assigned`, the experiment exposure) are refused
 * from clients, per event with reason `EVENT_SERVER_ONLY`: a consenting researcher cannot forge
 * exposures, of a real experiment or of one that does not exist, so the exposure roll-up holds
 * only what the server recorded. The server's own recording (the experiments hook) still works.
 * PGlite and Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a client cannot send experiment.assigned; the server's exposure is still recorded`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      await app.services.experiments.set({
        key: "pricing.page",
        enabled: true,
        variants: { A: { weight: 1 } },
      }, { actor: { type: "system" } });
      const user = await consentedUser(app);
      const forged = [
        { experiment_key: "pricing.page", variant: "B" },
        { experiment_key: "no_such_experiment", variant: "anything" },
      ].map((properties) => ({
        eventId: crypto.randomUUID(),
        eventName: "experiment.assigned",
        properties,
      }));
      const page = { eventId: crypto.randomUUID(), eventName: "ui.page_view" };
      const answer = await postEvents(app, user, [...forged, page]);
      assert.equal(answer.accepted, 1);
      assert.equal(answer.rejected, 2);
      assert.deepEqual(
        answer.rejections.map((r) => [r.index, r.eventId, r.reason]),
        forged.map((event, index) => [index, event.eventId, "EVENT_SERVER_ONLY"]),
      );
      for (const rejection of answer.rejections) {
        assert.match(rejection.message, /only the server records/i);
        assert.doesNotMatch(rejection.message, /no_such_experiment|pricing/);
      }
      const stored = await app.db.query(
        "SELECT 1 FROM analytics_events WHERE event_name = 'experiment.assigned'",
      );
      assert.equal(stored.length, 0);

      // The server records the same user's real exposure through the experiments hook.
      const assigned = await app.services.experiments.variantFor("pricing.page", {
        userId: user.user.id,
      });
      assert.equal(assigned.variant, "A");
      const steward = await signInAs(app, "STEWARD");
      const response = await app.request("/api/analytics/summary", {
        headers: steward.headers(),
      });
      assert.equal(response.status, 200);
      const summary = await json<{ exposures: unknown[] }>(response);
      assert.deepEqual(summary.exposures, [
        { experimentKey: "pricing.page", variant: "A", exposures: 1, movedIn: 0 },
      ]);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
