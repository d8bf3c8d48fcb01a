/**
 * The analytics summary from roll-ups, the /analytics dashboard, erasure (by
 * the user and by an ADMIN), retention cleanup on the injected clock, and
 * server-originated events (experiment.assigned through the experiments hook).
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { consentedUser, postEvents } from "./helpers/analytics.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

type Summary = {
  from: string;
  to: string;
  groupBy: string;
  totals: { events: number; redacted: number; distinctUsers: number };
  groups: { key: string; events: number; redacted: number }[];
  timings: { eventName: string; property: string; samples: number; p50: number; p95: number }[];
  exposures: { experimentKey: string; variant: string; exposures: number; movedIn: number }[];
};

const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12);

/** Posts events, each with a fresh id. */
function send(app: TestApp, session: Session, events: Record<string, unknown>[]) {
  return postEvents(app, session, events.map((e) => ({ eventId: crypto.randomUUID(), ...e })));
}

async function summary(app: TestApp, session: Session, query: string): Promise<Summary> {
  const response = await app.request(`/api/analytics/summary?${query}`, {
    headers: session.headers(),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  return await json<Summary>(response);
}

for (const target of dbTargets()) {
  Deno.test(`analytics summary, erasure and retention (${target.name})`, async (t) => {
    const clock = manualClock(START);
    const testDb = await target.open();
    const app = await buildTestApp({ testDb, clock });
    try {
      const alice = await consentedUser(app);
      const bob = await consentedUser(app);

      // Day 1 (2026-03-10): 100 timed clicks from alice, 2 page views and a redacted event from bob.
      await send(
        app,
        alice,
        Array.from({ length: 100 }, (_, i) => ({
          eventName: "ui.button_click",
          properties: { button: "save", duration_ms: i + 1 },
        })),
      );
      await send(app, bob, [
        { eventName: "ui.page_view", properties: { page: "home", latency_ms: 250 } },
        { eventName: "ui.page_view", properties: { page: "audit", latency_ms: 250 } },
        { eventName: "ui.page_view", properties: { page: "call 415-555-0132" } },
      ]);
      // Day 2: exposures through the server-side hook path.
      clock.advance(DAY);
      for (const [user, variant] of [[alice, "A"], [bob, "B"]] as const) {
        assert.equal(
          await app.services.analytics.recordServerEvent({
            userId: user.user.id,
            eventName: "experiment.assigned",
            properties: { experiment_key: "pricing.page", variant },
          }),
          "accepted",
        );
      }
      // Sessions expire on the injected clock: sign in after it moved.
      const steward = await signInAs(app, "STEWARD");

      await t.step(
        "counts by event over the range, distinct users, timings and exposures",
        async () => {
          const body = await summary(app, steward, "from=2026-03-10&to=2026-03-11&groupBy=event");
          assert.equal(body.groupBy, "event");
          assert.deepEqual(body.totals, { events: 105, redacted: 1, distinctUsers: 2 });
          assert.deepEqual(body.groups, [
            { key: "ui.button_click", events: 100, redacted: 0 },
            { key: "ui.page_view", events: 3, redacted: 1 },
            { key: "experiment.assigned", events: 2, redacted: 0 },
          ]);
          const click = body.timings.find((x) => x.eventName === "ui.button_click")!;
          assert.equal(click.property, "duration_ms");
          assert.equal(click.samples, 100);
          assert.ok(Math.abs(click.p50 - 50) <= 1, `p50 ${click.p50}`);
          assert.ok(Math.abs(click.p95 - 95) <= 1.5, `p95 ${click.p95}`);
          const view = body.timings.find((x) => x.eventName === "ui.page_view")!;
          assert.deepEqual([view.property, view.samples], ["latency_ms", 2]);
          assert.ok(Math.abs(view.p50 - 250) / 250 <= 0.01);
          assert.deepEqual(body.exposures, [
            { experimentKey: "pricing.page", variant: "A", exposures: 1, movedIn: 0 },
            { experimentKey: "pricing.page", variant: "B", exposures: 1, movedIn: 0 },
          ]);
        },
      );

      await t.step("groupBy=day and groupBy=mode", async () => {
        const byDay = await summary(app, steward, "from=2026-03-10&to=2026-03-11&groupBy=day");
        assert.deepEqual(byDay.groups.map((g) => [g.key, g.events]), [
          ["2026-03-10", 103],
          ["2026-03-11", 2],
        ]);
        const byMode = await summary(app, steward, "from=2026-03-10&to=2026-03-11&groupBy=mode");
        assert.deepEqual(byMode.groups.map((g) => [g.key, g.events]), [["DEMO", 105]]);
        const one = await summary(app, steward, "from=2026-03-11&to=2026-03-11");
        assert.equal(one.totals.events, 2);
      });

      await t.step(
        "the defaults are the last 30 days; bad ranges are a 400 naming the rule",
        async () => {
          const body = await summary(app, steward, "");
          assert.equal(body.to, "2026-03-11");
          assert.equal(body.from, "2026-02-10");
          assert.equal(body.totals.events, 105);
          for (
            const query of [
              "from=2026-03-12&to=2026-03-11",
              "from=2024-01-01&to=2026-03-11",
              "to=2026-02-30",
              "groupBy=week",
              "x=1",
            ]
          ) {
            const response = await app.request(`/api/analytics/summary?${query}`, {
              headers: steward.headers(),
            });
            assert.equal(response.status, 400, query);
            assert.equal(response.headers.get("content-type"), "application/problem+json");
            assert.equal((await json(response)).code, "VALIDATION_FAILED");
          }
        },
      );

      await t.step(
        "the dashboard shows totals, the SVG chart, top events and the consent rate",
        async () => {
          const response = await app.request("/analytics?from=2026-03-10&to=2026-03-11", {
            headers: { cookie: steward.cookie },
          });
          assert.equal(response.status, 200);
          assert.match(response.headers.get("content-type") ?? "", /text\/html/);
          const html = await response.text();
          assert.match(html, /data-testid="total-events">105</);
          assert.match(html, /data-testid="total-redacted">1</);
          assert.match(html, /<svg class="chart__svg"[^>]*role="img"/);
          assert.equal((html.match(/<rect class="chart__bar"/g) ?? []).length, 2);
          assert.ok(!/ style=/.test(html), "no style attributes (CSP)");
          assert.match(html, /<code>ui\.button_click<\/code>/);
          // 2 of 3 active accounts allow analytics.
          assert.match(html, /66\.7%/);
          assert.ok(!html.includes('action="/analytics/erase"'), "erasure is for ADMINs only");
        },
      );

      await t.step("an ADMIN erases a user's events: rows go, roll-ups drop, audited", async () => {
        const admin = await signInAs(app, "ADMIN");
        const response = await app.request(`/api/analytics/users/${alice.user.id}/events`, {
          method: "DELETE",
          headers: admin.headers(),
        });
        assert.equal(response.status, 200);
        assert.deepEqual(await json(response), { deletedEvents: 101 });
        const body = await summary(app, steward, "from=2026-03-10&to=2026-03-11");
        assert.deepEqual(body.totals, { events: 4, redacted: 1, distinctUsers: 1 });
        assert.equal(body.timings.find((x) => x.eventName === "ui.button_click"), undefined);
        assert.deepEqual(body.exposures.map((x) => x.variant), ["B"]);
        const audit = await app.db.query<{ actor_id: string }>(
          "SELECT actor_id FROM audit_log WHERE action = 'analytics.erase_user' AND target_id = $1",
          [alice.user.id],
        );
        assert.deepEqual(audit.map((a) => a.actor_id), [admin.user.id]);
        const page = await app.request("/analytics", { headers: { cookie: admin.cookie } });
        assert.match(await page.text(), /action="\/analytics\/erase"/);
      });

      await t.step(
        "retention: events older than ANALYTICS_RETENTION_DAYS go, with their roll-ups, audited once",
        async () => {
          clock.advance(395 * DAY); // day 1 is now 396 days old, day 2 is 395 days old
          const result = await app.services.analytics.cleanup();
          assert.equal(result.cutoff, "2026-03-11");
          const left = await app.db.query<{ day: string; n: number }>(
            `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int8 AS n
             FROM analytics_events GROUP BY 1 ORDER BY 1`,
          );
          assert.deepEqual(left.map((r) => r.day), ["2026-03-11"]);
          assert.equal(result.deleted, 3);
          const rollups = await app.db.query<{ day: string }>(
            "SELECT DISTINCT to_char(day, 'YYYY-MM-DD') AS day FROM analytics_daily ORDER BY 1",
          );
          assert.deepEqual(rollups.map((r) => r.day), ["2026-03-11"]);
          const again = await app.services.analytics.cleanup();
          assert.equal(again.deleted, 0);
          const audits = await app.db.query<{ after: { deletedEvents: number } }>(
            "SELECT after FROM audit_log WHERE action = 'analytics.retention_cleanup'",
          );
          assert.deepEqual(audits.map((a) => a.after.deletedEvents), [3]);
        },
      );
    } finally {
      await app.dispose();
    }
  });
}

Deno.test("experiment.assigned is recorded through the experiments hook only for consenting users", async () => {
  const app = await buildTestApp();
  try {
    await app.services.experiments.set({
      key: "pricing.page",
      enabled: true,
      variants: { A: { weight: 50 }, B: { weight: 50 } },
    }, { actor: { type: "system" } });
    const yes = await consentedUser(app);
    const no = await signInAs(app, "RESEARCHER");
    await app.services.experiments.variantFor("pricing.page", { userId: yes.user.id });
    await app.services.experiments.variantFor("pricing.page", { userId: no.user.id });
    const rows = await app.db.query<{ user_id: string; properties: Record<string, string> }>(
      "SELECT user_id, properties FROM analytics_events WHERE event_name = 'experiment.assigned'",
    );
    assert.deepEqual(rows.map((r) => r.user_id), [yes.user.id]);
    assert.equal(rows[0]!.properties.experiment_key, "pricing.page");
    assert.ok(["A", "B"].includes(rows[0]!.properties.variant!));
    assert.equal(await app.services.consent.hasAnalyticsConsent(no.user.id), false);
    assert.equal(
      await app.services.analytics.recordServerEvent({
        userId: no.user.id,
        eventName: "ui.page_view",
      }),
      "no_consent",
    );
  } finally {
    await app.dispose();
  }
});
