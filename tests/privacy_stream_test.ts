/**
 * A user's experiment assignment is not announced on the event stream: every signed-in user may
 * subscribe to topic `all`, and the moment of an `experiment.assigned` identifies the user on a
 * small deployment, while no island or page reads it. The bus refuses the type, so no code path
 * publishes it and an old entry read back from Redis is dropped; the exposure is still recorded
 * in analytics for a consenting user. PGlite.
 */
import assert from "node:assert/strict";
import { EventRefusedError } from "../lib/realtime/mod.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { entryToEvent } from "../lib/realtime/redis_bus.ts";
import { buildTestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";

Deno.test("a consenting user's assignment reaches no stream subscriber, and is still recorded", async () => {
  const app = await buildTestApp();
  const seen: AppEvent[] = [];
  const unsubscribe = app.services.bus.subscribe("all", (event) => seen.push(event));
  try {
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 1 } },
    }, { actor: { type: "system" } });
    const user = await consentedUser(app);
    const assigned = await app.services.experiments.variantFor("pricing.page", {
      userId: user.user.id,
    });
    assert.equal(assigned.variant, "A");

    assert.deepEqual(seen.filter((e) => e.type.startsWith("experiment.assigned")), []);
    const rows = await app.db.query<{ properties: Record<string, unknown> }>(
      "SELECT properties FROM analytics_events WHERE event_name = 'experiment.assigned'",
    );
    assert.deepEqual(rows.map((row) => row.properties), [
      { experiment_key: "pricing.page", variant: "A" },
    ]);
    assert.deepEqual(app.logs.filter((line) => /exposure not recorded/.test(line)), []);

    // Nothing else can publish it either, and an entry of an older release is not replayed.
    await assert.rejects(
      app.services.bus.publish({
        // deno-lint-ignore no-explicit-any
        type: "experiment.assigned" as any,
        topic: "all",
        payload: { experimentKey: "pricing.page", variant: "A" },
      }),
      EventRefusedError,
    );
    assert.equal(
      entryToEvent("1-0", {
        t: "experiment.assigned",
        p: "all",
        d: JSON.stringify({ experimentKey: "pricing.page", variant: "A" }),
      }),
      undefined,
    );
  } finally {
    unsubscribe();
    await app.dispose();
  }
});
