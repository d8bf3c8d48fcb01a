/**
 * The variant endpoint honours Global Privacy Control: a user who granted analytics consent and
 * asks for a variant with `Sec-GPC: 1` is assigned (the variant is persisted) but no exposure is
 * recorded, and the signal is stored, so it applies from then on (docs/analytics.md, "Global
 * Privacy Control"). Without the header the same user's first assignment is recorded. On PGlite
 * and, when configured, the real Postgres.
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

async function exposuresOf(app: TestApp, userId: string): Promise<number> {
  const rows = await app.db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM analytics_events WHERE user_id = $1 AND event_name = 'experiment.assigned'",
    [userId],
  );
  return Number(rows[0]!.n);
}

async function gpcSignals(app: TestApp, userId: string): Promise<number> {
  const rows = await app.db.query<{ n: number | string }>(
    "SELECT count(*) AS n FROM privacy_signals WHERE user_id = $1 AND signal = 'gpc'",
    [userId],
  );
  return Number(rows[0]!.n);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] GET /api/experiments/{key}/variant with Sec-GPC: 1 records the signal and no exposure`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      for (const key of ["exp.gpc", "exp.plain"]) {
        await app.services.experiments.set({
          key,
          enabled: true,
          variants: { a: { weight: 50 }, b: { weight: 50 } },
        }, ACTOR);
      }
      const opted = await consentedUser(app);
      const answer = await variant(app, opted, "exp.gpc", true);
      assert.equal(answer.reason, "SPLIT");
      assert.ok(answer.variant === "a" || answer.variant === "b");
      assert.equal(await exposuresOf(app, opted.user.id), 0);
      assert.equal(await gpcSignals(app, opted.user.id), 1);
      // The stored signal applies to later requests without the header too (granted before it).
      await variant(app, opted, "exp.plain", false);
      assert.equal(await exposuresOf(app, opted.user.id), 0);

      // The same path without GPC records the exposure (the test would pass vacuously otherwise).
      const consenting = await consentedUser(app);
      await variant(app, consenting, "exp.gpc", false);
      assert.equal(await exposuresOf(app, consenting.user.id), 1);
      assert.equal(await gpcSignals(app, consenting.user.id), 0);
    } finally {
      await app.dispose();
    }
  });
}
