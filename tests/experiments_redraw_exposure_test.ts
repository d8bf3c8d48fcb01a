/**
 * A subject re-drawn after its variant was switched off (weight 0) is not counted twice in the
 * exposure roll-up: the re-draw's `experiment.assigned` event carries `reassigned_from` (the old
 * variant key), the summary counts it under `movedIn` of the new variant and not as a second
 * exposure, so the exposures of all variants add up to the number of people exposed. Erasing a
 * moved user takes both counts out again. On PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { assignedVariant } from "./helpers/experiments.ts";

const ACTOR = { actor: { type: "system" as const } };
const KEY = "exp.redraw";

const variant = (app: TestApp, session: Session) => assignedVariant(app, session, KEY);

interface Row {
  experimentKey: string;
  variant: string;
  exposures: number;
  movedIn?: number;
}

async function summary(app: TestApp, admin: Session): Promise<Row[]> {
  const response = await app.request("/api/analytics/summary", { headers: admin.headers() });
  assert.equal(response.status, 200);
  return (await json<{ exposures: Row[] }>(response)).exposures.filter((x) =>
    x.experimentKey === KEY
  );
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a re-drawn subject is counted once in the exposures, its move apart`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      await app.services.experiments.set({
        key: KEY,
        enabled: true,
        variants: { a: { weight: 50 }, b: { weight: 50 } },
      }, ACTOR);
      const people: Session[] = [];
      const first = new Map<string, string>();
      for (let i = 0; i < 12; i++) {
        const session = await consentedUser(app);
        people.push(session);
        first.set(session.user.id, await variant(app, session));
      }
      const inB = people.filter((p) => first.get(p.user.id) === "b");
      assert.ok(inB.length > 0 && inB.length < people.length, "both arms have subjects");

      // Switch b off: its subjects are re-drawn into a on their next request.
      await app.services.experiments.set({
        key: KEY,
        enabled: true,
        variants: { a: { weight: 50 }, b: { weight: 0 } },
        version: app.services.experiments.get(KEY)!.version,
      }, ACTOR);
      for (const session of people) assert.equal(await variant(app, session), "a");

      // The re-draw's event says where the person came from.
      const moves = await app.db.query<{ variant: string; from: string | null }>(
        `SELECT properties ->> 'variant' AS variant, properties ->> 'reassigned_from' AS "from"
           FROM analytics_events
          WHERE event_name = 'experiment.assigned' AND properties ->> 'experiment_key' = $1
            AND user_id = $2`,
        [KEY, inB[0]!.user.id],
      );
      assert.deepEqual(
        moves.map((m) => ({ ...m })).sort((x, y) => x.variant.localeCompare(y.variant)),
        [{ variant: "a", from: "b" }, { variant: "b", from: null }],
      );

      const admin = await signInAs(app, "ADMIN");
      const rows = await summary(app, admin);
      const total = rows.reduce((sum, row) => sum + row.exposures, 0);
      assert.equal(total, people.length, "each person counted once in the exposures");
      assert.deepEqual(rows, [
        {
          experimentKey: KEY,
          variant: "a",
          exposures: people.length - inB.length,
          movedIn: inB.length,
        },
        { experimentKey: KEY, variant: "b", exposures: inB.length, movedIn: 0 },
      ]);
      await assertRollupsMatchEvents(app.db);
      // The page says so in words, with the moves in their own column.
      const page = await app.request("/analytics", { headers: admin.headers() });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Each person is counted once, in the variant they were first shown/);
      assert.match(html, /<th scope="col">Moved in<\/th>/);

      // Erasing a moved person takes out both their exposure and their move.
      const erased = await app.request(`/api/analytics/users/${inB[0]!.user.id}/events`, {
        method: "DELETE",
        headers: admin.headers(),
      });
      assert.equal(erased.status, 200);
      await erased.body?.cancel();
      assert.deepEqual(await summary(app, admin), [
        {
          experimentKey: KEY,
          variant: "a",
          exposures: people.length - inB.length,
          movedIn: inB.length - 1,
        },
        ...(inB.length > 1
          ? [{ experimentKey: KEY, variant: "b", exposures: inB.length - 1, movedIn: 0 }]
          : []),
      ]);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
