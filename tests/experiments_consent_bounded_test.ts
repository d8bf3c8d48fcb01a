/**
 * A new assignment (first draw or re-draw) on GET /api/experiments/{key}/variant answers without
 * waiting for the exposure's analytics: the consent check that decides whether to record
 * `experiment.assigned` waits at most STICKY_READ_TIMEOUT_MS, and without an answer in time the
 * exposure is not recorded (fail closed: no analytics without known consent), logged by type only.
 * The assignment itself is stored, so the next call answers the same variant (STICKY), and the
 * roll-ups still match the events. Once consent is confirmed, the event's write is not waited on
 * past the same bound either: it goes on and lands when the database lets it. Real Postgres (a
 * second session holds the lock).
 */
import assert from "node:assert/strict";
import { withTimeout } from "../lib/timeout.ts";
import type { Db } from "../lib/db/mod.ts";
import { json, type TestApp } from "./helpers/app.ts";
import { consentedUser } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents } from "./helpers/analytics_rollups.ts";
import type { Session } from "./helpers/auth.ts";
import { withLockingApp } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";
import { type VariantAnswer, variantOf } from "./helpers/experiments.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** Bounds a hung request so the test fails instead of waiting for ever (not a timing assertion). */
const ANSWER_BOUND_MS = 20_000;
const ACTOR = { actor: { type: "system" as const } };

/** Answered while the lock is still held: the test releases it only after this resolves. */
async function answeredWhileLocked(
  app: TestApp,
  session: Session,
  key: string,
  table: string,
  headers: Record<string, string> = {},
): Promise<VariantAnswer> {
  const response = await withTimeout(
    app.request(`/api/experiments/${key}/variant`, { headers: session.headers(headers) }),
    ANSWER_BOUND_MS,
    () => new Error(`the variant endpoint did not answer while ${table} was locked`),
  );
  assert.equal(response.status, 200);
  return await json<VariantAnswer>(response);
}

async function exposures(db: Db, userId: string, key: string) {
  const rows = await db.query<{ variant: string; moved: string | null }>(
    `SELECT properties->>'variant' AS variant, properties->>'reassigned_from' AS moved
       FROM analytics_events
      WHERE event_name = 'experiment.assigned' AND user_id = $1
        AND properties->>'experiment_key' = $2`,
    [userId, key],
  );
  return rows.map(({ variant, moved }) => ({ variant, moved }));
}

const notRecorded = (app: TestApp) =>
  app.logs.filter((line) =>
    line.includes("experiment exposure not recorded") && line.includes("TimeoutError")
  );

async function start(app: TestApp, key: string, weights = { a: 50, b: 50 }): Promise<void> {
  const current = app.services.experiments.get(key);
  await app.services.experiments.set({
    key,
    enabled: true,
    variants: Object.fromEntries(Object.entries(weights).map(([k, weight]) => [k, { weight }])),
    ...(current ? { version: current.version } : {}),
  }, ACTOR);
}

/**
 * Starts experiment `key` and waits until `user`'s exposure to it is recorded: consent reads work
 * again, and a late read of an earlier assignment had its chance to land (it would have by the
 * end of this round trip and write).
 */
async function secondExposureRecorded(
  app: TestApp,
  other: Db,
  user: Session,
  key: string,
): Promise<void> {
  await start(app, key);
  await variantOf(app, user, key);
  await until(
    async () => (await exposures(other, user.user.id, key)).length === 1,
    "the second experiment's exposure",
    ANSWER_BOUND_MS,
  );
}

if (hasPostgres()) {
  Deno.test({
    name:
      "[postgres] a consent check that fails after its bound is logged once, not again when it fails",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        const KEY = "exp.consent-bound-fails";
        await start(app, KEY);
        const user = await consentedUser(app);
        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        await answeredWhileLocked(app, user, KEY, "user_consents");
        assert.equal(notRecorded(app).length, 1, "the unanswered consent check is logged");
        // The consent read still waiting on the lock fails (its connection ended) instead of
        // answering: it was logged a second time, as if another exposure had been lost.
        const ended = await other.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND wait_event_type = 'Lock' AND query ILIKE '%user_consents%'`,
        );
        assert.ok(ended.some((row) => row.ended), "the waiting consent read was ended");
        await unlock();
        // The failed read fails at once: it has landed by the time a second exposure is stored.
        await secondExposureRecorded(app, other, user, "exp.consent-bound-fails-2");
        const lines = app.logs.filter((line) => line.includes("experiment exposure not recorded"));
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.deepEqual(await exposures(other, user.user.id, KEY), [], "fail closed");
      }),
  });

  Deno.test({
    name:
      "[postgres] a new assignment answers while user_consents is locked; its exposure is not recorded, the variant stays",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        const KEY = "exp.consent-bound";
        await start(app, KEY);
        const user = await consentedUser(app);

        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        const first = await answeredWhileLocked(app, user, KEY, "user_consents");
        assert.equal(first.reason, "SPLIT");
        assert.ok(first.variant === "a" || first.variant === "b");
        const logged = notRecorded(app);
        assert.equal(logged.length, 1, "the unanswered consent check is logged");
        assert.ok(!logged[0]!.includes(user.user.id), "the log names no user");
        // Sticky while the lock is still held: the assignment was stored.
        assert.deepEqual(await answeredWhileLocked(app, user, KEY, "user_consents"), {
          ...first,
          reason: "STICKY",
        });
        await unlock();

        // The consent read left waiting answers now (granted): still nothing is recorded for the
        // assignment it came too late for.
        await secondExposureRecorded(app, other, user, "exp.consent-bound-2");
        assert.deepEqual(await exposures(other, user.user.id, KEY), [], "fail closed");
        assert.deepEqual(await variantOf(app, user, KEY), { ...first, reason: "STICKY" });
        assert.deepEqual(await exposures(other, user.user.id, KEY), []);
        assert.equal(notRecorded(app).length, 1);
        await assertRollupsMatchEvents(app.db);
      }),
  });

  Deno.test({
    name:
      "[postgres] a re-draw answers while user_consents is locked; no move is recorded and the new variant stays",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        const KEY = "exp.consent-bound-redraw";
        await start(app, KEY);
        let person: Session | undefined;
        for (let i = 0; i < 40 && !person; i++) {
          const session = await consentedUser(app);
          if ((await variantOf(app, session, KEY)).variant === "b") person = session;
        }
        assert.ok(person, "someone is in b");
        await until(
          async () => (await exposures(other, person!.user.id, KEY)).length === 1,
          "the first exposure",
          ANSWER_BOUND_MS,
        );
        await start(app, KEY, { a: 50, b: 0 });

        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        assert.deepEqual(await answeredWhileLocked(app, person, KEY, "user_consents"), {
          variant: "a",
          config: {},
          reason: "SPLIT",
        });
        assert.equal(notRecorded(app).length, 1);
        await unlock();

        assert.deepEqual(await variantOf(app, person, KEY), {
          variant: "a",
          reason: "STICKY",
          config: {},
        });
        // Give the consent read left waiting time to land: nothing may follow it.
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(await exposures(other, person.user.id, KEY), [
          { variant: "b", moved: null },
        ]);
        await assertRollupsMatchEvents(app.db);
      }),
  });

  Deno.test({
    name:
      "[postgres] a new assignment answers while analytics_events takes no writes; the exposure lands once it does",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        const KEY = "exp.exposure-write-bound";
        await start(app, KEY);
        const user = await consentedUser(app);

        // EXCLUSIVE: reads go on (consent, the exposure check), the event's insert waits.
        const unlock = await lock("analytics_events", "EXCLUSIVE");
        const first = await answeredWhileLocked(app, user, KEY, "analytics_events");
        assert.equal(first.reason, "SPLIT");
        assert.deepEqual(await exposures(other, user.user.id, KEY), []);
        await unlock();

        // Consent was confirmed in time: the write went on and is recorded once, as an exposure.
        await until(
          async () => (await exposures(other, user.user.id, KEY)).length === 1,
          "the exposure, after the lock was released",
          ANSWER_BOUND_MS,
        );
        assert.deepEqual(await exposures(other, user.user.id, KEY), [
          { variant: first.variant, moved: null },
        ]);
        assert.deepEqual(await variantOf(app, user, KEY), { ...first, reason: "STICKY" });
        assert.equal(notRecorded(app).length, 0, "consent answered: nothing failed closed");
        await assertRollupsMatchEvents(app.db);
      }),
  });

  Deno.test({
    name:
      "[postgres] with Sec-GPC: 1 a new assignment answers while user_consents is locked; the signal lands after, the exposure does not",
    ...opts,
    fn: () =>
      withLockingApp(async ({ app, other, lock }) => {
        const KEY = "exp.consent-bound-gpc";
        await start(app, KEY);
        const user = await consentedUser(app);

        const unlock = await lock("user_consents", "ACCESS EXCLUSIVE");
        const first = await answeredWhileLocked(app, user, KEY, "user_consents", {
          "sec-gpc": "1",
        });
        assert.equal(first.reason, "SPLIT");
        assert.equal(notRecorded(app).length, 1);
        assert.equal(
          app.logs.filter((line) => line.includes("consent state unavailable")).length,
          1,
        );
        await unlock();

        assert.deepEqual(await variantOf(app, user, KEY), { ...first, reason: "STICKY" });
        await until(
          async () =>
            (await other.query(
              "SELECT 1 FROM privacy_signals WHERE user_id = $1 AND signal = 'gpc'",
              [user.user.id],
            )).length === 1,
          "the GPC signal, after the lock was released",
          ANSWER_BOUND_MS,
        );
        assert.deepEqual(await exposures(other, user.user.id, KEY), []);
      }),
  });
}
