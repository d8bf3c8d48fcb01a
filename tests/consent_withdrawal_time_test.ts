/**
 * The stored withdrawal time bounds the analytics collected under the consent it ended: every
 * event of the user stored while the consent was in force has `created_at <= revoked_at`, and no
 * batch is stored once the withdrawal has committed (PGlite and Postgres).
 *
 * - deterministic (manual clock), the withdrawal held up where the old code had already
 *   stamped its time: before its transaction, and inside it before the history row is written,
 *   while a batch is sent with the clock moved on;
 * - Postgres, real clock: many concurrent batches and a withdrawal partway, several rounds.
 */
import assert from "node:assert/strict";
import { createAnalyticsService, createAnalyticsStore } from "../lib/analytics/mod.ts";
import { manualClock } from "../lib/clock.ts";
import { type ConsentStore, createConsentService, createConsentStore } from "../lib/consent/mod.ts";
import type { Queryable } from "../lib/db/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import type { Session } from "./helpers/auth.ts";
import { dbTargets, freshPostgres } from "./helpers/db.ts";
import { hasPostgres } from "./helpers/env.ts";

const START = Date.UTC(2026, 2, 10, 12);

const pageView = () => ({
  eventId: crypto.randomUUID(),
  eventName: "ui.page_view",
  properties: { page: "home" },
});

/** The user's newest analytics consent row and the newest created_at of the user's events. */
async function times(db: Queryable, userId: string) {
  const consent = (await db.query<{ state: string; revoked_at: Date | null }>(
    `SELECT state, revoked_at FROM user_consents
      WHERE user_id = $1 AND consent_type = 'analytics' ORDER BY seq DESC LIMIT 1`,
    [userId],
  ))[0]!;
  const events = (await db.query<{ n: number; newest: Date | null; late: number }>(
    `SELECT count(*)::int8 AS n, max(created_at) AS newest,
            count(*) FILTER (WHERE created_at > $2::timestamptz)::int8 AS late
       FROM analytics_events WHERE user_id = $1`,
    [userId, consent.revoked_at],
  ))[0]!;
  return { consent, events };
}

/** A batch posted with the consent header: 200 (its answer) or 403 CONSENT_REQUIRED. */
async function send(app: TestApp, session: Session, events: unknown[]) {
  const response = await app.request("/api/analytics/events", {
    method: "POST",
    headers: session.headers({ "content-type": "application/json", "x-analytics-consent": "true" }),
    body: JSON.stringify({ events }),
  });
  const body = await response.json() as { accepted?: number; code?: string };
  if (response.status === 403) {
    assert.equal(body.code, "CONSENT_REQUIRED");
    return 0;
  }
  assert.equal(response.status, 200);
  return body.accepted ?? 0;
}

/** A gate a test opens once; `reached` resolves when something waits at it. */
function gate() {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  const reached = new Promise<void>((resolve) => reach = resolve);
  return {
    open,
    reached,
    async pass() {
      reach();
      await opened;
    },
  };
}

/** A consent store whose analytics withdrawal waits at `at` until the gate opens. */
function heldStore(store: ConsentStore, at: "begin" | "append", held: ReturnType<typeof gate>) {
  return {
    ...store,
    async transaction(fn) {
      if (at === "begin") await held.pass();
      return await store.transaction((t) =>
        fn({
          ...t,
          tx: t.tx,
          async append(userId, row) {
            if (at === "append") await held.pass();
            await t.append(userId, row);
          },
        })
      );
    },
  } satisfies ConsentStore;
}

for (const target of dbTargets()) {
  for (const at of ["begin", "append"] as const) {
    Deno.test(`[${target.name}] a withdrawal held up at ${at} is stamped after every event stored under the consent`, async () => {
      const clock = manualClock(START);
      const app = await buildTestApp({ testDb: await target.open(), clock });
      try {
        const user = await consentedUser(app);
        const userId = user.user.id;
        assert.equal((await postEvents(app, user, [pageView()])).accepted, 1);

        const held = gate();
        const consent = createConsentService({
          store: heldStore(createConsentStore(app.db), at, held),
          audit: app.services.audit,
          clock,
          mode: () => "DEMO",
          logger: memoryLogger(),
        });
        const withdrawal = consent.revoke(userId, { consentType: "analytics" }, {
          actor: { type: "user", id: userId },
          gpc: false,
        });
        await held.reached;
        // A batch arrives while the withdrawal is under way, later on the clock.
        clock.advance(5_000);
        const batch = send(app, user, [pageView(), pageView()]);
        // It may finish (nothing held yet) or wait for the withdrawal; either way the
        // withdrawal goes on after a while.
        await Promise.race([batch, new Promise((resolve) => setTimeout(resolve, 300))]);
        held.open();
        const outcome = await withdrawal;
        await batch;
        assert.equal(outcome.consent.state, "revoked");

        const { consent: row, events } = await times(app.db, userId);
        assert.equal(row.state, "revoked");
        assert.ok(events.newest !== null);
        assert.equal(events.late, 0, "no stored event is later than the withdrawal");
        assert.ok(events.newest.getTime() <= row.revoked_at!.getTime());
        assert.equal(outcome.consent.revokedAt, row.revoked_at!.toISOString());

        // Nothing is stored once the withdrawal has committed.
        clock.advance(1_000);
        assert.equal(await send(app, user, [pageView()]), 0);
        assert.equal((await times(app.db, userId)).events.n, events.n);
      } finally {
        await app.dispose();
      }
    });
  }
}

Deno.test({
  name:
    "[postgres] concurrent batches and a withdrawal partway: no stored event is later than the withdrawal (real clock)",
  ignore: !hasPostgres(),
  async fn() {
    const app = await buildTestApp({
      testDb: await freshPostgres(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const ROUNDS = 6;
      const BATCHES = 40;
      let late = 0;
      let afterAnswer = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const user = await consentedUser(app);
        const userId = user.user.id;
        let revokedAnswered = false;
        const sends: Promise<void>[] = [];
        let revoke: Promise<Response> | undefined;
        for (let i = 0; i < BATCHES; i++) {
          if (i === BATCHES / 4) {
            revoke = app.request("/api/consent/revoke", {
              method: "POST",
              headers: user.headers({ "content-type": "application/json" }),
              body: JSON.stringify({ consentType: "analytics" }),
            }).then((response) => {
              revokedAnswered = true;
              return response;
            });
          }
          const sentAfterAnswer = revokedAnswered;
          sends.push(
            send(app, user, [pageView(), pageView()]).then((accepted) => {
              if (sentAfterAnswer && accepted > 0) afterAnswer++;
            }),
          );
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        const response = await revoke!;
        assert.equal(response.status, 200);
        await response.body?.cancel();
        await Promise.all(sends);
        const { consent, events } = await times(app.db, userId);
        assert.equal(consent.state, "revoked");
        late += events.late;
      }
      assert.equal(afterAnswer, 0, "no batch sent after the withdrawal answered was stored");
      assert.equal(late, 0, "stored events later than the withdrawal");
    } finally {
      await app.dispose();
    }
  },
});

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a batch checked under a grant, written after its withdrawal and a new grant, stores nothing`, async () => {
    const clock = manualClock(START);
    const app = await buildTestApp({ testDb: await target.open(), clock });
    try {
      const user = await consentedUser(app);
      const userId = user.user.id;
      const meta = { actor: { type: "user" as const, id: userId }, gpc: false };
      // The real consent service; right after it has answered the batch's check (under the
      // first grant), the user withdraws and grants again, before the batch's rows are written.
      const service = createAnalyticsService({
        store: createAnalyticsStore(app.db),
        consent: {
          async analytics(id, options) {
            const answer = await app.services.consent.analytics(id, options);
            clock.advance(1_000);
            await app.services.consent.revoke(id, { consentType: "analytics" }, meta);
            clock.advance(1_000);
            await app.services.consent.grant(id, { consentType: "analytics" }, meta);
            return answer;
          },
          hasAnalyticsConsent: (id) => app.services.consent.hasAnalyticsConsent(id),
        },
        audit: app.services.audit,
        clock,
        mode: () => "DEMO",
        metrics: app.services.metrics,
        logger: memoryLogger(),
        config: { ipSalt: "salt", emit: true, retentionDays: 90 },
      });
      const result = await service.ingest({
        userId,
        sessionId: null,
        events: [pageView(), pageView()],
        ip: "unknown",
        userAgent: undefined,
        gpc: false,
        consentHeader: true,
      });
      assert.equal(result.accepted, 0);
      assert.deepEqual(result.rejections.map((r) => r.reason), [
        "CONSENT_REQUIRED",
        "CONSENT_REQUIRED",
      ]);
      assert.equal((await times(app.db, userId)).events.n, 0);
      // The new grant is in force for batches checked under it.
      assert.equal(await send(app, user, [pageView()]), 1);
    } finally {
      await app.dispose();
    }
  });
}
