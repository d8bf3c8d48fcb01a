/**
 * An erasure sticks (PGlite and Postgres, through the real routes): events recorded before a
 * user's analytics were erased do not come back when they are sent again, whether by the
 * browser client's retry queue after the user granted consent again, or by a replayed batch
 * after an ADMIN erasure. New events (occurred after the erasure plus the allowed clock skew)
 * are stored; answers are 200 with a stable per-event reason, idempotent, never a 500.
 */
import assert from "node:assert/strict";
import type { IngestResult } from "../lib/analytics/analytics.ts";
import { CLOCK_SKEW_MS } from "../lib/analytics/erasure.ts";
import { createAnalyticsService, createAnalyticsStore } from "../lib/analytics/mod.ts";
import { manualClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { type ClientPlatform, createAnalyticsClient } from "../lib/web/client/analytics.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser, grantAnalytics, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents, leftOfUser } from "./helpers/analytics_rollups.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const START = Date.UTC(2026, 2, 10, 12);

async function revokeAndErase(app: TestApp, session: Session): Promise<number | null> {
  const response = await app.request("/api/consent/revoke", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ consentType: "analytics", eraseEvents: true, method: "settings" }),
  });
  assert.equal(response.status, 200);
  return (await response.json() as { erasedEvents: number | null }).erasedEvents;
}

async function adminErase(app: TestApp, admin: Session, userId: string): Promise<number> {
  const response = await app.request(`/api/analytics/users/${userId}/events`, {
    method: "DELETE",
    headers: admin.headers(),
  });
  assert.equal(response.status, 200);
  return (await response.json() as { deletedEvents: number }).deletedEvents;
}

const reasons = (result: IngestResult) => result.rejections.map((r) => r.reason);

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] the client's retry queue re-posting a stored batch after withdrawal with erasure and a new grant stores nothing`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const user = await consentedUser(app);
      const userId = user.user.id;
      // The browser client (lib/web/client/analytics.ts) on the real routes. Its first delivery
      // is stored by the server, but the answer is lost (a network error after the commit), so
      // the batch stays queued for a retry with the same event ids.
      const timers: (() => void)[] = [];
      let loseAnswer = true;
      const statuses: number[] = [];
      const platform: Partial<ClientPlatform> = {
        async send(body, headers) {
          const response = await app.request("/api/analytics/events", {
            method: "POST",
            headers: { ...headers, cookie: user.cookie },
            body,
          });
          statuses.push(response.status);
          await response.body?.cancel();
          if (loseAnswer) {
            loseAnswer = false;
            throw new TypeError("network error after the server stored the batch");
          }
          return { status: response.status };
        },
        setTimer: (fn) => timers.push(fn),
        clearTimer: () => {},
        now: () => clock.now(),
        random: () => 0.5,
      };
      const client = createAnalyticsClient({ csrfToken: user.csrfToken, platform, flushAt: 100 });
      client.track("ui.page_view", { page: "home" });
      client.track("ui.button_click", { button: "save", duration_ms: 120 });
      await client.flush();
      assert.deepEqual(statuses, [200]);
      assert.equal(client.queued, 2, "the batch waits for a retry");
      assert.equal((await leftOfUser(app.db, userId)).events, 2, "the server stored it");

      clock.advance(60_000);
      assert.equal(await revokeAndErase(app, user), 2);
      clock.advance(60_000);
      await grantAnalytics(app, user);
      clock.advance(60_000);

      // The retry: the same two events, recorded before the erasure.
      await client.flush();
      assert.deepEqual(statuses, [200, 200]);
      assert.equal(client.queued, 0, "a 200 ends the retries");
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] after an erasure, replayed events are refused BEFORE_ERASURE (idempotently); events occurred after it are stored`, async (t) => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const admin = await signInAs(app, "ADMIN");
      const user = await consentedUser(app);
      const userId = user.user.id;
      const other = await consentedUser(app);
      const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      const before = [
        { eventId: crypto.randomUUID(), eventName: "ui.page_view", ts: at(clock.now()) },
        {
          eventId: crypto.randomUUID(),
          eventName: "ui.button_click",
          ts: at(clock.now()),
          properties: { button: "save", duration_ms: 40 },
        },
        // No ts: nothing shows when it happened.
        { eventId: crypto.randomUUID(), eventName: "ui.page_view", properties: { page: "x" } },
        // A client clock running ahead, within the tolerated skew.
        {
          eventId: crypto.randomUUID(),
          eventName: "ui.page_view",
          ts: at(clock.now() + CLOCK_SKEW_MS - 1000),
        },
      ];
      assert.equal((await postEvents(app, user, before)).accepted, 4);
      const otherEvent = { eventId: crypto.randomUUID(), eventName: "ui.page_view" };
      assert.equal((await postEvents(app, other, [otherEvent])).accepted, 1);

      clock.advance(1000);
      const erasedAt = clock.now();
      assert.equal(await adminErase(app, admin, userId), 4);
      const [entry] = await app.db.query<{ after: Record<string, unknown> }>(
        "SELECT after FROM audit_log WHERE action = 'analytics.erase_user' AND target_id = $1",
        [userId],
      );
      assert.deepEqual(entry?.after, {
        deletedEvents: 4,
        erasedAt: new Date(erasedAt).toISOString(),
      });

      await t.step("the replayed batch is refused, per event, with a stable reason", async () => {
        clock.advance(30_000);
        for (let round = 0; round < 2; round++) {
          const result = await postEvents(app, user, before);
          assert.deepEqual(
            { accepted: result.accepted, rejected: result.rejected, dup: result.duplicates },
            { accepted: 0, rejected: 4, dup: 0 },
          );
          assert.deepEqual(reasons(result), Array(4).fill("BEFORE_ERASURE"));
          assert.deepEqual(result.rejections.map((r) => r.index), [0, 1, 2, 3]);
          assert.ok(result.rejections.every((r) => r.message.length > 0));
        }
        assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      });

      await t.step("a new event within the skew after the erasure is refused too", async () => {
        const fresh = {
          eventId: crypto.randomUUID(),
          eventName: "ui.page_view",
          ts: at(erasedAt + CLOCK_SKEW_MS - 1000),
        };
        const result = await postEvents(app, user, [fresh]);
        assert.deepEqual(reasons(result), ["BEFORE_ERASURE"]);
      });

      await t.step("events that occurred after the erasure are stored, once", async () => {
        clock.set(erasedAt + CLOCK_SKEW_MS + 1000);
        const later = [
          { eventId: crypto.randomUUID(), eventName: "ui.page_view", ts: at(clock.now()) },
          before[0]!, // still refused in a mixed batch
        ];
        const result = await postEvents(app, user, later);
        assert.deepEqual(
          { accepted: result.accepted, rejected: result.rejected, reasons: reasons(result) },
          { accepted: 1, rejected: 1, reasons: ["BEFORE_ERASURE"] },
        );
        assert.equal(result.rejections[0]!.index, 1);
        const again = await postEvents(app, user, later);
        assert.deepEqual(
          { accepted: again.accepted, duplicates: again.duplicates, rejected: again.rejected },
          { accepted: 0, duplicates: 1, rejected: 1 },
        );
        assert.equal((await leftOfUser(app.db, userId)).events, 1);
      });

      await t.step("another user's events are untouched by this user's erasure", async () => {
        const result = await postEvents(app, other, [{
          eventId: crypto.randomUUID(),
          eventName: "ui.page_view",
        }]);
        assert.equal(result.accepted, 1);
        assert.equal((await postEvents(app, other, [otherEvent])).duplicates, 1);
      });

      await t.step("a ts further ahead than the skew is refused TS_IN_FUTURE", async () => {
        const result = await postEvents(app, other, [{
          eventId: crypto.randomUUID(),
          eventName: "ui.page_view",
          ts: at(clock.now() + CLOCK_SKEW_MS + 60_000),
        }]);
        assert.deepEqual(
          { accepted: result.accepted, reasons: reasons(result) },
          { accepted: 0, reasons: ["TS_IN_FUTURE"] },
        );
      });

      await t.step("server-originated events after the erasure are still recorded", async () => {
        const outcome = await app.services.analytics.recordServerEvent({
          userId,
          eventName: "governance.console_view",
          properties: { page: "governance" },
        });
        assert.equal(outcome, "accepted");
      });
      await assertRollupsMatchEvents(app.db);
      assert.deepEqual(app.logs.filter((line) => line.includes("unhandled error")), []);
    } finally {
      await app.dispose();
    }
  });
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a batch checked before an ADMIN erasure and written after it stores nothing: BEFORE_ERASURE per event`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const admin = await signInAs(app, "ADMIN");
      const user = await consentedUser(app);
      const userId = user.user.id;
      assert.equal(
        (await postEvents(app, user, [{
          eventId: crypto.randomUUID(),
          eventName: "ui.page_view",
        }])).accepted,
        1,
      );
      // The real services; an ADMIN erases the user's events (consent stays granted) right
      // after the batch's consent check has been answered, before its rows are written.
      let erased: number | undefined;
      const erase = async () => {
        clock.advance(1000);
        erased = await app.services.analytics.eraseUser(userId, {
          type: "user",
          id: admin.user.id,
        });
      };
      const service = createAnalyticsService({
        store: createAnalyticsStore(app.db),
        consent: {
          async analytics(id, options) {
            const answer = await app.services.consent.analytics(id, options);
            await erase();
            return answer;
          },
          hasAnalyticsConsent: (id) => app.services.consent.hasAnalyticsConsent(id),
        },
        audit: app.services.audit,
        clock,
        mode: () => "DEMO",
        metrics: app.services.metrics,
        logger: memoryLogger(),
        config: { ipSalt: undefined, emit: true, retentionDays: 395 },
      });
      const ts = new Date(clock.now()).toISOString();
      const events = [
        { eventId: crypto.randomUUID(), eventName: "ui.page_view", ts },
        { eventId: crypto.randomUUID(), eventName: "ui.page_view" },
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
      assert.equal(erased, 1);
      assert.deepEqual(
        { accepted: result.accepted, rejected: result.rejected, reasons: reasons(result) },
        { accepted: 0, rejected: 2, reasons: ["BEFORE_ERASURE", "BEFORE_ERASURE"] },
      );
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      await assertRollupsMatchEvents(app.db);
    } finally {
      await app.dispose();
    }
  });
}
