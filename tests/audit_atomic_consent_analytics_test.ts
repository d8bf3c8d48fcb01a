/**
 * Every consent change and every audited analytics deletion is written with its audit entry in
 * one transaction, on PGlite and the real Postgres: when the audit insert fails (here a test
 * trigger on audit_log raises for one action, standing in for a timeout, a dropped connection or
 * a constraint), the call rejects and its change is not in the database either (the consent is
 * as it was, the events are still there). Once the trigger is gone the same call succeeds with
 * exactly one entry.
 */
import assert from "node:assert/strict";
import { auditRefusal, REFUSED, rejectsWithRefusal } from "./helpers/audit_refusal.ts";
import { createAnalyticsService, createAnalyticsStore } from "../lib/analytics/mod.ts";
import { manualClock } from "../lib/clock.ts";
import type { Db } from "../lib/db/mod.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { assertRollupsMatchEvents, leftOfUser } from "./helpers/analytics_rollups.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets, type TestDb } from "./helpers/db.ts";

const START = Date.UTC(2026, 2, 10, 12);
const DAY = 86_400_000;

interface Ctx {
  app: TestApp;
  clock: ReturnType<typeof manualClock>;
  /** Makes every audit insert of `action` fail until the returned function is called. */
  refuse(action: string): Promise<() => Promise<void>>;
}

async function withApp(
  target: { open(): Promise<TestDb> },
  fn: (ctx: Ctx) => Promise<void>,
): Promise<void> {
  const clock = manualClock(START);
  const app = await buildTestApp({ testDb: await target.open(), clock });
  const db = app.db;
  const refusal = auditRefusal(db);
  const refuse = refusal.refuse;
  try {
    await fn({ app, clock, refuse });
  } finally {
    try {
      await refusal.dropAny();
    } finally {
      await app.dispose();
    }
  }
}

async function auditCount(db: Db, action: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = $1",
    [action],
  );
  return row!.n;
}

async function consentRows(db: Db, userId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM user_consents WHERE user_id = $1",
    [userId],
  );
  return row!.n;
}

async function eventCount(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics_events");
  return row!.n;
}

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

for (const target of dbTargets()) {
  const t = `[${target.name}]`;

  Deno.test(`${t} consent grant whose audit entry fails records no grant`, async () => {
    await withApp(target, async ({ app, refuse }) => {
      const consent = app.services.consent;
      const { user } = await signInAs(app, "RESEARCHER");
      const meta = { actor: { type: "user" as const, id: user.id }, gpc: false };
      const drop = await refuse("consent.grant");
      await rejectsWithRefusal(consent.grant(user.id, { consentType: "analytics" }, meta));
      assert.equal(await consentRows(app.db, user.id), 0);
      assert.deepEqual(await consent.history(user.id), []);
      assert.equal(await consent.hasAnalyticsConsent(user.id), false);
      await drop();
      const view = await consent.grant(user.id, { consentType: "analytics" }, meta);
      assert.equal(view.state, "granted");
      assert.equal(await consent.hasAnalyticsConsent(user.id), true);
      assert.equal(await consentRows(app.db, user.id), 1);
      assert.equal(await auditCount(app.db, "consent.grant"), 1);
    });
  });

  Deno.test(`${t} consent revoke and decline whose audit entry fails leave the consent as it was and erase nothing`, async () => {
    await withApp(target, async ({ app, refuse }) => {
      const consent = app.services.consent;
      const session = await consentedUser(app);
      const userId = session.user.id;
      assert.equal((await postEvents(app, session, [pageView("home"), click(40)])).accepted, 2);
      const meta = { actor: { type: "user" as const, id: userId }, gpc: false };
      const rowsBefore = await consentRows(app.db, userId);

      const drop = await refuse("consent.revoke");
      await rejectsWithRefusal(
        consent.revoke(userId, { consentType: "analytics", eraseEvents: true }, meta),
      );
      assert.equal(await consentRows(app.db, userId), rowsBefore);
      assert.equal(await consent.hasAnalyticsConsent(userId), true);
      assert.equal((await leftOfUser(app.db, userId)).events, 2);
      assert.equal(await auditCount(app.db, "analytics.erase_user"), 0);
      await drop();
      const outcome = await consent.revoke(
        userId,
        { consentType: "analytics", eraseEvents: true },
        meta,
      );
      assert.equal(outcome.consent.state, "revoked");
      assert.equal(outcome.erasedEvents, 2);
      assert.equal(await consent.hasAnalyticsConsent(userId), false);
      assert.equal(await consentRows(app.db, userId), rowsBefore + 1);
      assert.equal(await auditCount(app.db, "consent.revoke"), 1);

      // A decline (nothing had been given): the same.
      const other = await signInAs(app, "RESEARCHER");
      const otherMeta = { actor: { type: "user" as const, id: other.user.id }, gpc: false };
      const dropDecline = await refuse("consent.decline");
      await rejectsWithRefusal(
        consent.revoke(other.user.id, { consentType: "analytics" }, otherMeta),
      );
      assert.equal(await consentRows(app.db, other.user.id), 0);
      await dropDecline();
      const declined = await consent.revoke(
        other.user.id,
        { consentType: "analytics" },
        otherMeta,
      );
      assert.equal(declined.consent.state, "declined");
      assert.equal(await consentRows(app.db, other.user.id), 1);
      assert.equal(await auditCount(app.db, "consent.decline"), 1);
    });
  });

  Deno.test(`${t} analytics erasure whose audit entry fails deletes no event`, async () => {
    await withApp(target, async ({ app, refuse }) => {
      const session = await consentedUser(app);
      const userId = session.user.id;
      const events = [pageView("home"), click(120), click(300)];
      assert.equal((await postEvents(app, session, events)).accepted, 3);
      const actor = { type: "system" as const };
      const drop = await refuse("analytics.erase_user");
      await rejectsWithRefusal(app.services.analytics.eraseUser(userId, actor));
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 3, dayUsers: 1 });
      await assertRollupsMatchEvents(app.db);
      await drop();
      assert.equal(await app.services.analytics.eraseUser(userId, actor), 3);
      assert.deepEqual(await leftOfUser(app.db, userId), { events: 0, dayUsers: 0 });
      await assertRollupsMatchEvents(app.db);
      const entries = await app.db.query<{ after: { deletedEvents: number } }>(
        "SELECT after FROM audit_log WHERE action = 'analytics.erase_user'",
      );
      assert.deepEqual(entries.map((e) => e.after.deletedEvents), [3]);
    });
  });

  Deno.test(`${t} retention cleanup whose audit entry fails deletes no event`, async () => {
    await withApp(target, async ({ app, clock, refuse }) => {
      const session = await consentedUser(app);
      assert.equal((await postEvents(app, session, [pageView("a"), click(9)])).accepted, 2);
      clock.advance(396 * DAY);
      const drop = await refuse("analytics.retention_cleanup");
      await rejectsWithRefusal(app.services.analytics.cleanup());
      assert.equal(await eventCount(app.db), 2);
      await assertRollupsMatchEvents(app.db);
      await drop();
      const result = await app.services.analytics.cleanup();
      assert.equal(result.deleted, 2);
      assert.equal(await eventCount(app.db), 0);
      assert.equal(await auditCount(app.db, "analytics.retention_cleanup"), 1);
    });
  });

  Deno.test(`${t} retention cleanup audits each batch it committed, and only those`, async () => {
    await withApp(target, async ({ app, clock }) => {
      const session = await consentedUser(app);
      const events = [pageView("a"), pageView("b"), click(1), click(2), click(3)];
      assert.equal((await postEvents(app, session, events)).accepted, 5);
      clock.advance(396 * DAY);
      const service = createAnalyticsService({
        store: createAnalyticsStore(app.db),
        consent: app.services.consent,
        audit: app.services.audit,
        clock,
        mode: () => "DEMO",
        metrics: app.services.metrics,
        logger: memoryLogger(),
        config: { ipSalt: undefined, emit: true, retentionDays: 395 },
        cleanupBatch: 2,
      });
      // The third batch's entry fails: the first two batches stay deleted and audited.
      await app.db.exec(`
        CREATE FUNCTION test_refuse_third() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF (SELECT count(*) FROM audit_log WHERE action = NEW.action) >= 2 THEN
            RAISE EXCEPTION '${REFUSED}';
          END IF;
          RETURN NEW;
        END;
        $$;
        CREATE TRIGGER test_refuse_third BEFORE INSERT ON audit_log FOR EACH ROW
          WHEN (NEW.action = 'analytics.retention_cleanup') EXECUTE FUNCTION test_refuse_third();
      `);
      try {
        await rejectsWithRefusal(service.cleanup());
        assert.equal(await eventCount(app.db), 1);
      } finally {
        await app.db.exec(`
          DROP TRIGGER test_refuse_third ON audit_log;
          DROP FUNCTION test_refuse_third();
        `);
      }
      assert.equal((await service.cleanup()).deleted, 1);
      assert.equal(await eventCount(app.db), 0);
      const entries = await app.db.query<{ after: { deletedEvents: number } }>(
        "SELECT after FROM audit_log WHERE action = 'analytics.retention_cleanup' ORDER BY id",
      );
      assert.deepEqual(entries.map((e) => e.after.deletedEvents), [2, 2, 1]);
    });
  });
}
