/**
 * `Sec-GPC: 1` on the variant endpoint is recorded as the user's privacy signal on every call, as
 * on the app's pages, not only when a new assignment is made: a consenting user whose variant is
 * already stored (STICKY), or who asks about a switched-off experiment, has the signal recorded,
 * and it then applies to their next new assignment without the header (no exposure recorded).
 * On PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";
import type { Session } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { variantOf } from "./helpers/experiments.ts";

const ACTOR = { actor: { type: "system" as const } };

const variant = (app: TestApp, session: Session, key: string, gpc: boolean) =>
  variantOf(app, session, key, { gpc });

async function count(app: TestApp, sql: string, userId: string): Promise<number> {
  const rows = await app.db.query<{ n: number | string }>(sql, [userId]);
  return Number(rows[0]!.n);
}

const exposuresOf = (app: TestApp, userId: string) =>
  count(
    app,
    "SELECT count(*) AS n FROM analytics_events WHERE user_id = $1 AND event_name = 'experiment.assigned'",
    userId,
  );
const gpcSignals = (app: TestApp, userId: string) =>
  count(
    app,
    "SELECT count(*) AS n FROM privacy_signals WHERE user_id = $1 AND signal = 'gpc'",
    userId,
  );

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] Sec-GPC: 1 on the variant endpoint is recorded also when the variant is already stored`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      for (const key of ["exp.sticky", "exp.later"]) {
        await app.services.experiments.set({
          key,
          enabled: true,
          variants: { a: { weight: 50 }, b: { weight: 50 } },
        }, ACTOR);
      }
      await app.services.experiments.set({
        key: "exp.off",
        enabled: false,
        variants: { a: { weight: 50 }, b: { weight: 50 } },
      }, ACTOR);

      // Assigned and exposed without GPC; the next call carries GPC and finds the stored variant.
      const user = await consentedUser(app);
      const first = await variant(app, user, "exp.sticky", false);
      assert.equal(await exposuresOf(app, user.user.id), 1);
      const again = await variant(app, user, "exp.sticky", true);
      assert.deepEqual(again, { ...first, reason: "STICKY" });
      assert.equal(await gpcSignals(app, user.user.id), 1, "the signal is recorded");
      // It applies from then on: a new assignment without the header records no exposure.
      await variant(app, user, "exp.later", false);
      assert.equal(await exposuresOf(app, user.user.id), 1);

      // An experiment switched off answers no variant; the signal is recorded all the same.
      const other = await consentedUser(app);
      assert.equal((await variant(app, other, "exp.off", true)).variant, null);
      assert.equal(await gpcSignals(app, other.user.id), 1);

      // Without the header nothing is recorded (the test would pass vacuously otherwise).
      const plain = await consentedUser(app);
      await variant(app, plain, "exp.sticky", false);
      await variant(app, plain, "exp.sticky", false);
      assert.equal(await gpcSignals(app, plain.user.id), 0);
    } finally {
      await app.dispose();
    }
  });
}
