/**
 * No collection after withdrawal, and erasure takes every event of the user, also when a
 * batch is in flight while the user withdraws with `eraseEvents` (PGlite and Postgres):
 *
 * - a batch whose consent check passed just before the withdrawal and erasure completed
 *   stores nothing: its events come back rejected with reason CONSENT_REQUIRED (the
 *   interleaving is placed deterministically: the real consent service withdraws right
 *   after answering the batch's check);
 * - on Postgres, a batch already writing (held up on a roll-up row another transaction
 *   holds) makes the erasure wait for it, so its events are erased with the others.
 */
import assert from "node:assert/strict";
import { createAnalyticsService, createAnalyticsStore } from "../lib/analytics/mod.ts";
import { manualClock } from "../lib/clock.ts";
import type { RevokeOutcome } from "../lib/consent/mod.ts";
import type { Queryable } from "../lib/db/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { consentedUser, grantAnalytics, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents, leftOfUser } from "./helpers/analytics_rollups.ts";
import type { Session } from "./helpers/auth.ts";
import { dbTargets, freshPostgres } from "./helpers/db.ts";
import { hasPostgres } from "./helpers/env.ts";

const START = Date.UTC(2026, 2, 10, 12);

const pageView = (page: string) => ({
  eventId: crypto.randomUUID(),
  eventName: "ui.page_view",
  properties: { page },
});
const click = (durationMs: number) => ({
  eventId: crypto.randomUUID(),
  eventName: "ui.button_click",
  properties: { button: "save", duration_ms: durationMs },
});

async function withdrawAndErase(app: TestApp, session: Session) {
  const response = await app.request("/api/consent/revoke", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ consentType: "analytics", eraseEvents: true, method: "settings" }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return await json<{ erasedEvents: number | null }>(response);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a batch checked before a withdrawal with erasure, written after it, stores nothing: CONSENT_REQUIRED per event`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const user = await consentedUser(app);
      const userId = user.user.id;
      assert.equal((await postEvents(app, user, [pageView("home"), click(120)])).accepted, 2);

      // The real consent service; the user withdraws with erasure right after it has answered
      // the batch's consent check, i.e. before the batch's rows are written.
      let withdrawal: RevokeOutcome | undefined;
      const withdraw = async () => {
        withdrawal = await app.services.consent.revoke(
          userId,
          { consentType: "analytics", eraseEvents: true, method: "settings" },
          { actor: { type: "user", id: userId }, gpc: false },
        );
      };
      const service = createAnalyticsService({
        store: createAnalyticsStore(app.db),
        consent: {
          async analytics(id, options) {
            const answer = await app.services.consent.analytics(id, options);
            await withdraw();
            return answer;
          },
          async hasAnalyticsConsent(id) {
            const answer = await app.services.consent.hasAnalyticsConsent(id);
            await withdraw();
            return answer;
          },
        },
        audit: app.services.audit,
        clock,
        mode: () => "DEMO",
        metrics: app.services.metrics,
        logger: memoryLogger(),
        config: { ipSalt: undefined, emit: true, retentionDays: 395 },
      });

      const events = [
        pageView("settings_privacy"),
        { ...click(5), eventName: "ui.nope" },
        click(7),
      ];
      const result = await service.ingest({
        userId,
        sessionId: null,
        events,
        ip: "unknown",
        userAgent: undefined,
        gpc: false,
        consentHeader: true,
      });
      assert.equal(withdrawal?.consent.state, "revoked");
      assert.equal(withdrawal?.erasedEvents, 2);
      assert.deepEqual(
        { accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected },
        { accepted: 0, duplicates: 0, rejected: 3 },
      );
      assert.deepEqual(
        result.rejections.map((r) => [r.index, r.eventId, r.reason]),
        [
          [0, events[0]!.eventId, "CONSENT_REQUIRED"],
          [1, events[1]!.eventId, "EVENT_NOT_ALLOWED"],
          [2, events[2]!.eventId, "CONSENT_REQUIRED"],
        ],
      );
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      await assertRollupsMatchEvents(app.db);

      // A server-originated event (experiment.assigned) checked before the same kind of
      // withdrawal is not recorded either.
      clock.advance(1000);
      await grantAnalytics(app, user);
      const outcome = await service.recordServerEvent({
        userId,
        eventName: "experiment.assigned",
        properties: { experiment_key: "pricing.page", variant: "A" },
      });
      assert.equal(withdrawal?.consent.state, "revoked");
      assert.equal(outcome, "no_consent");
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}

/** Backends waiting for a lock that `pid` holds (other tests' sessions never match). */
async function blockedBy(db: Queryable, pid: number): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid)) ORDER BY pid",
    [pid],
  );
  return rows.map((row) => row.pid);
}

/** Polls an async condition; the deadline only bounds a hung test, it asserts no timing. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test({
  name:
    "[postgres] a withdrawal with erasure while a batch of the user is being written waits for it and erases its events too",
  ignore: !hasPostgres(),
  async fn() {
    const app = await buildTestApp({ testDb: await freshPostgres(), clock: manualClock(START) });
    let release = () => {};
    try {
      const other = await consentedUser(app);
      const user = await consentedUser(app);
      // The other user's click creates the timing roll-up row that is held below.
      assert.equal((await postEvents(app, other, [click(777)])).accepted, 1);
      assert.equal(
        (await postEvents(app, user, [pageView("home"), pageView("audit")])).accepted,
        2,
      );

      // Another transaction holds the timing roll-up rows, as a concurrent batch would.
      const released = new Promise<void>((resolve) => release = resolve);
      let holderPid = 0;
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => locked = resolve);
      const holder = app.db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        holderPid = row!.pid;
        await tx.query("SELECT 1 FROM analytics_daily_timing FOR UPDATE");
        locked();
        await released;
      });
      await isLocked;

      const inflight = postEvents(app, user, [click(777), pageView("settings_privacy")]);
      let batchPid = 0;
      await eventually(async () => {
        batchPid = (await blockedBy(app.db, holderPid))[0] ?? 0;
        return batchPid !== 0;
      }, "the batch to wait for the held roll-up row");

      let withdrawn = false;
      const withdrawal = withdrawAndErase(app, user).finally(() => withdrawn = true);
      // Either the withdrawal completes now, or its erasure waits for the batch.
      await eventually(
        async () => withdrawn || (await blockedBy(app.db, batchPid)).length > 0,
        "the withdrawal to finish or to wait for the batch",
      );
      release();
      await holder;
      const batch = await inflight;
      const erased = await withdrawal;

      assert.deepEqual(await leftOfUser(app.db, user.user.id), { events: 0, dayUsers: 0 });
      // Whatever the batch was told was stored is among what the withdrawal erased.
      assert.equal(erased.erasedEvents, 2 + batch.accepted);
      assert.equal(batch.accepted + batch.rejected, 2);
      await assertRollupsMatchEvents(app.db);
      assert.deepEqual(await leftOfUser(app.db, other.user.id), { events: 1, dayUsers: 1 });
    } finally {
      release();
      await app.dispose();
    }
  },
});
