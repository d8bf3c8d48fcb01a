/**
 * A re-drawn person whose first assignment was never recorded as an exposure (assigned before
 * granting analytics consent, or whose events were erased since) is counted as an exposure of
 * the variant they are re-drawn into, not only as a move: otherwise they would be in no
 * variant's exposures. A person whose first exposure is stored is still counted as a move
 * (tests/experiments_redraw_exposure_test.ts). On PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { consentedUser, grantAnalytics } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { assignedVariant } from "./helpers/experiments.ts";

const ACTOR = { actor: { type: "system" as const } };

const variant = assignedVariant;

interface Row {
  experimentKey: string;
  variant: string;
  exposures: number;
  movedIn?: number;
}

async function summary(app: TestApp, admin: Session, key: string): Promise<Row[]> {
  const response = await app.request("/api/analytics/summary", { headers: admin.headers() });
  assert.equal(response.status, 200);
  return (await json<{ exposures: Row[] }>(response)).exposures.filter((x) =>
    x.experimentKey === key
  );
}

async function switchOffB(app: TestApp, key: string): Promise<void> {
  await app.services.experiments.set({
    key,
    enabled: true,
    variants: { a: { weight: 50 }, b: { weight: 0 } },
    version: app.services.experiments.get(key)!.version,
  }, ACTOR);
}

async function startExperiment(app: TestApp, key: string): Promise<void> {
  await app.services.experiments.set({
    key,
    enabled: true,
    variants: { a: { weight: 50 }, b: { weight: 50 } },
  }, ACTOR);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a re-drawn person never exposed before counts as an exposure of the new variant`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const admin = await signInAs(app, "ADMIN");

      // Assigned before granting consent (opt-in: no exposure recorded), then consenting.
      const KEY = "exp.unexposed";
      await startExperiment(app, KEY);
      const inB: Session[] = [];
      for (let i = 0; i < 12; i++) {
        const session = await signInAs(app, "RESEARCHER");
        if (await variant(app, session, KEY) === "b") inB.push(session);
      }
      assert.ok(inB.length > 0, "someone is in b");
      for (const session of inB) await grantAnalytics(app, session);
      assert.deepEqual(await summary(app, admin, KEY), [], "nothing recorded without consent");
      await switchOffB(app, KEY);
      for (const session of inB) assert.equal(await variant(app, session, KEY), "a");
      assert.deepEqual(await summary(app, admin, KEY), [
        { experimentKey: KEY, variant: "a", exposures: inB.length, movedIn: 0 },
      ]);
      const marked = await app.db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM analytics_events
          WHERE event_name = 'experiment.assigned' AND properties ? 'reassigned_from'`,
      );
      assert.equal(Number(marked[0]!.n), 0, "no event is marked as a move");

      // Exposed in b, events erased, then re-drawn: counted again as one exposure, in a.
      const ERASED = "exp.erased";
      await startExperiment(app, ERASED);
      let person: Session | undefined;
      for (let i = 0; i < 40 && !person; i++) {
        const session = await consentedUser(app);
        if (await variant(app, session, ERASED) === "b") person = session;
      }
      assert.ok(person, "someone is in b");
      const erased = await app.request(`/api/analytics/users/${person.user.id}/events`, {
        method: "DELETE",
        headers: admin.headers(),
      });
      assert.equal(erased.status, 200);
      await erased.body?.cancel();
      const before = await summary(app, admin, ERASED);
      await switchOffB(app, ERASED);
      assert.equal(await variant(app, person, ERASED), "a");
      const after = await summary(app, admin, ERASED);
      const exposuresIn = (rows: Row[], v: string) =>
        rows.find((r) => r.variant === v) ?? { exposures: 0, movedIn: 0 };
      assert.equal(exposuresIn(after, "a").exposures, exposuresIn(before, "a").exposures + 1);
      assert.equal(exposuresIn(after, "a").movedIn, 0);
      assert.equal(exposuresIn(after, "b").exposures, exposuresIn(before, "b").exposures);
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
