/**
 * Consent through the API and the /settings/privacy forms, the history it
 * keeps, and the consent banner island on pages.
 */
import assert from "node:assert/strict";
import { CONSENT_POLICIES } from "../lib/consent/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

type Status = {
  consents: { consentType: string; state: string; policyVersion: string | null }[];
  analytics: { state: string; effective: boolean; needsChoice: boolean };
};

function api(app: TestApp, session: Session, path: string, body?: unknown, extra = {}) {
  return app.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: session.headers({ "content-type": "application/json", ...extra }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function form(app: TestApp, session: Session, path: string, fields: Record<string, string>) {
  return app.request(path, {
    method: "POST",
    headers: {
      cookie: session.cookie,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf_token: session.csrfToken, ...fields }).toString(),
  });
}

async function status(app: TestApp, session: Session): Promise<Status> {
  const response = await api(app, session, "/api/consent/status");
  assert.equal(response.status, 200);
  return await json<Status>(response);
}

async function page(app: TestApp, session: Session, path: string, extra = {}): Promise<string> {
  const response = await app.request(path, { headers: { cookie: session.cookie, ...extra } });
  assert.equal(response.status, 200);
  return await response.text();
}

for (const target of dbTargets()) {
  Deno.test(`consent API keeps a history (${target.name})`, async (t) => {
    const testDb = await target.open();
    const app = await buildTestApp({ testDb });
    try {
      const session = await signInAs(app, "RESEARCHER");

      await t.step("a new user has made no choice for any consent type", async () => {
        const body = await status(app, session);
        assert.deepEqual(
          body.consents.map((c) => [c.consentType, c.state]),
          [["analytics", "none"], ["data_processing", "none"], ["research_use", "none"], [
            "contact",
            "none",
          ]],
        );
        assert.equal(body.analytics.needsChoice, true);
        assert.equal(body.analytics.effective, false);
      });

      await t.step(
        "grant records purpose, legal basis, policy version, method and time",
        async () => {
          const response = await api(app, session, "/api/consent/grant", {
            consentType: "analytics",
            legalBasis: "consent",
            purpose: "product_analytics",
            method: "settings",
          });
          assert.equal(response.status, 200);
          assert.match(response.headers.get("content-type") ?? "", /application\/json/);
          const view = await json(response);
          assert.equal(view.state, "granted");
          assert.equal(view.purpose, "product_analytics");
          assert.equal(view.legalBasis, "consent");
          assert.equal(view.policyVersion, CONSENT_POLICIES.analytics.version);
          assert.equal(view.method, "settings");
          assert.equal(typeof view.grantedAt, "string");
          assert.equal((await status(app, session)).analytics.effective, true);
        },
      );

      await t.step("granting again while in force writes no new row", async () => {
        await (await api(app, session, "/api/consent/grant", { consentType: "analytics" })).body
          ?.cancel();
        const rows = await app.db.query(
          "SELECT 1 FROM user_consents WHERE user_id = $1",
          [session.user.id],
        );
        assert.equal(rows.length, 1);
      });

      await t.step(
        "revoke is a new row: the grant stays as proof, with its granted_at",
        async () => {
          const response = await api(app, session, "/api/consent/revoke", {
            consentType: "analytics",
            reason: "user_opt_out",
          });
          assert.equal(response.status, 200);
          const body = await json<{ consent: { state: string; grantedAt: string } }>(response);
          assert.equal(body.consent.state, "revoked");
          const rows = await app.db.query<{ state: string; granted_at: Date; revoked_at: Date }>(
            "SELECT state, granted_at, revoked_at FROM user_consents WHERE user_id = $1 ORDER BY seq",
            [session.user.id],
          );
          assert.deepEqual(rows.map((r) => r.state), ["granted", "revoked"]);
          assert.equal(rows[1]!.granted_at.getTime(), rows[0]!.granted_at.getTime());
          assert.ok(rows[1]!.revoked_at instanceof Date);
          assert.equal((await status(app, session)).analytics.effective, false);
        },
      );

      await t.step(
        "the history cannot be rewritten (UPDATE is refused by the database)",
        async () => {
          await assert.rejects(
            app.db.query("UPDATE user_consents SET state = 'granted' WHERE user_id = $1", [
              session.user.id,
            ]),
          );
        },
      );

      await t.step("grant and revoke are audited without personal values", async () => {
        const rows = await app.db.query<{ action: string; after: Record<string, unknown> }>(
          "SELECT action, after FROM audit_log WHERE target_id = $1 AND action LIKE 'consent.%' ORDER BY id",
          [session.user.id],
        );
        assert.deepEqual(rows.map((r) => r.action), ["consent.grant", "consent.revoke"]);
        assert.equal(rows[1]!.after.reason, "user_opt_out");
        assert.ok(!JSON.stringify(rows).includes(session.user.email));
      });

      await t.step("revoking with nothing granted records a decline", async () => {
        const other = await signInAs(app, "RESEARCHER");
        const body = await json<{ consent: { state: string } }>(
          await api(app, other, "/api/consent/revoke", { consentType: "analytics" }),
        );
        assert.equal(body.consent.state, "declined");
        assert.equal((await status(app, other)).analytics.needsChoice, false);
      });

      await t.step("a mismatched purpose, legal basis or old policy version is a 400", async () => {
        for (
          const body of [
            { consentType: "analytics", purpose: "marketing" },
            { consentType: "analytics", legalBasis: "legitimate_interests" },
            { consentType: "analytics", policyVersion: "analytics-2000-01" },
            { consentType: "analytics", extra: true },
            { consentType: "cookies" },
          ]
        ) {
          const response = await api(app, session, "/api/consent/grant", body);
          assert.equal(response.status, 400);
          assert.equal(response.headers.get("content-type"), "application/problem+json");
          assert.equal((await json(response)).code, "VALIDATION_FAILED");
        }
      });

      await t.step("a state change without the CSRF token is refused", async () => {
        const response = await app.request("/api/consent/grant", {
          method: "POST",
          headers: { cookie: session.cookie, "content-type": "application/json" },
          body: JSON.stringify({ consentType: "analytics" }),
        });
        assert.equal(response.status, 403);
        assert.equal((await json(response)).code, "CSRF_FAILED");
      });
    } finally {
      await app.dispose();
    }
  });
}

Deno.test("withdrawing is possible in STANDBY; granting is paused", async () => {
  const app = await buildTestApp();
  try {
    const session = await signInAs(app, "RESEARCHER");
    await (await api(app, session, "/api/consent/grant", { consentType: "analytics" })).body
      ?.cancel();
    await app.services.mode.setMode("STANDBY", { type: "system" });
    const grant = await api(app, session, "/api/consent/grant", { consentType: "contact" });
    assert.equal(grant.status, 503);
    assert.equal((await json(grant)).code, "MODE_STANDBY");
    const revoke = await api(app, session, "/api/consent/revoke", { consentType: "analytics" });
    assert.equal(revoke.status, 200);
    assert.equal((await json<{ consent: { state: string } }>(revoke)).consent.state, "revoked");
  } finally {
    await app.dispose();
  }
});

Deno.test("the banner island is on pages for a user with no choice, and not for anonymous visitors", async () => {
  const app = await buildTestApp();
  try {
    const anonymous = await (await app.request("/")).text();
    assert.ok(!anonymous.includes('data-island="ConsentBanner"'));
    assert.ok(!anonymous.includes("consent-banner"));

    const session = await signInAs(app, "RESEARCHER");
    const html = await page(app, session, "/");
    assert.ok(html.includes('data-island="ConsentBanner"'));
    assert.ok(html.includes(CONSENT_POLICIES.analytics.summary));
    assert.match(html, /<script type="module" src="\/_islands\/ConsentBanner-[0-9a-f]{12}\.js">/);
    assert.match(html, /action="\/settings\/privacy\/grant"/);
    assert.match(html, /href="\/settings\/privacy"/);

    // A 404 for a signed-in user gets the island too (page key error_404), with no PHI in props.
    const missing = await app.request("/no-such-page", { headers: { cookie: session.cookie } });
    assert.equal(missing.status, 404);
    assert.ok((await missing.text()).includes('"page":"error_404"'));

    // GPC is a refusal already: no banner.
    const gpc = await page(app, session, "/", { "sec-gpc": "1" });
    assert.ok(!gpc.includes('data-testid="consent-banner"'));
  } finally {
    await app.dispose();
  }
});

Deno.test("/settings/privacy: no-JavaScript forms grant, withdraw with erasure, and decline; the banner stops nagging", async () => {
  const app = await buildTestApp();
  try {
    const session = await signInAs(app, "RESEARCHER");
    let html = await page(app, session, "/settings/privacy");
    assert.match(html, /<h1>Privacy<\/h1>/);
    assert.match(html, /data-testid="analytics-state">Off</);

    // "No thanks" from the banner returns to the page it was on, and the banner is gone.
    const declined = await form(app, session, "/settings/privacy/revoke", {
      method: "banner",
      return_to: "/jobs",
    });
    assert.equal(declined.status, 303);
    // The page returned to says what was chosen (fixed words in the query; the banner reads them).
    assert.equal(declined.headers.get("location"), "/jobs?consent=declined");
    assert.ok(!(await page(app, session, "/")).includes('data-testid="consent-banner"'));
    const told = await page(app, session, "/jobs?consent=declined");
    assert.match(told, /No usage analytics will be collected/);
    // Said only while it is the choice in force: a stale ?consent=granted says nothing.
    assert.doesNotMatch(
      await page(app, session, "/jobs?consent=granted"),
      /Usage analytics are on/,
    );

    const granted = await form(app, session, "/settings/privacy/grant", {
      method: "settings",
      policy_version: CONSENT_POLICIES.analytics.version,
    });
    assert.equal(granted.status, 303);
    assert.equal(granted.headers.get("location"), "/settings/privacy?notice=granted");
    html = await page(app, session, "/settings/privacy?notice=granted");
    assert.match(html, /data-testid="analytics-state">On</);
    assert.match(html, /Usage analytics are on/);

    // Events exist; withdrawing with "also delete" removes them.
    const ingest = await app.request("/api/analytics/events", {
      method: "POST",
      headers: session.headers({
        "content-type": "application/json",
        "x-analytics-consent": "true",
      }),
      body: JSON.stringify({
        events: [{ eventId: crypto.randomUUID(), eventName: "ui.page_view" }],
      }),
    });
    assert.equal((await json(ingest)).accepted, 1);
    const withdrawn = await form(app, session, "/settings/privacy/revoke", {
      method: "settings",
      erase: "on",
    });
    assert.equal(withdrawn.status, 303);
    assert.equal(withdrawn.headers.get("location"), "/settings/privacy?notice=withdrawn&erased=1");
    const left = await app.db.query("SELECT 1 FROM analytics_events WHERE user_id = $1", [
      session.user.id,
    ]);
    assert.equal(left.length, 0);
    html = await page(app, session, "/settings/privacy?notice=withdrawn&erased=1");
    assert.match(html, /1 collected event was deleted/);
    assert.match(html, /Withdrawn/);
    const erasure = await app.db.query<{ after: { deletedEvents: number } }>(
      "SELECT after FROM audit_log WHERE action = 'analytics.erase_user' AND target_id = $1",
      [session.user.id],
    );
    assert.equal(erasure[0]!.after.deletedEvents, 1);

    // A return_to pointing elsewhere is not followed.
    const offsite = await form(app, session, "/settings/privacy/grant", {
      method: "banner",
      return_to: "//evil.example/",
    });
    assert.equal(offsite.headers.get("location"), "/?consent=granted");
    // Nor one that is no page of this site: it may carry PHI, and is not repeated into a Location.
    const unknown = await form(app, session, "/settings/privacy/grant", {
      method: "banner",
      return_to: "/patients/Quenby-Zarkowski/7741293",
    });
    assert.equal(unknown.headers.get("location"), "/?consent=granted");
    // A page of this site: its path, without a query (which may hold what was typed).
    const known = await form(app, session, "/settings/privacy/grant", {
      method: "banner",
      return_to: "/flags?tab=all",
    });
    assert.equal(known.headers.get("location"), "/flags?consent=granted");
    // A form with unknown fields is refused with a message, not a 500.
    const odd = await form(app, session, "/settings/privacy/grant", { surprise: "1" });
    assert.equal(odd.status, 400);
  } finally {
    await app.dispose();
  }
});

Deno.test("a grant no longer in force (GPC after it) can still be withdrawn, with its events deleted, from /settings/privacy", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const session = await signInAs(app, "RESEARCHER");
    assert.equal(
      (await api(app, session, "/api/consent/grant", { consentType: "analytics" })).status,
      200,
    );
    const ingest = await api(app, session, "/api/analytics/events", {
      events: [{ eventId: crypto.randomUUID(), eventName: "ui.page_view" }],
    }, { "x-analytics-consent": "true" });
    assert.equal((await json(ingest)).accepted, 1);
    // The browser starts sending Global Privacy Control: the grant stops counting.
    await page(app, session, "/", { "sec-gpc": "1" });
    assert.equal((await status(app, session)).analytics.effective, false);

    const html = await page(app, session, "/settings/privacy");
    assert.match(html, /data-testid="withdraw-inactive"/);
    const withdrawn = await form(app, session, "/settings/privacy/revoke", {
      method: "settings",
      erase: "on",
    });
    assert.equal(withdrawn.status, 303);
    const left = await app.db.query("SELECT 1 FROM analytics_events WHERE user_id = $1", [
      session.user.id,
    ]);
    assert.equal(left.length, 0);
    assert.equal((await status(app, session)).analytics.state, "revoked");
  } finally {
    await app.dispose();
  }
});

for (const target of dbTargets()) {
  Deno.test(`consent stats count only grants in force; concurrent GPC requests agree on its first sighting (${target.name})`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const inForce = await signInAs(app, "RESEARCHER");
      const overridden = await signInAs(app, "RESEARCHER");
      for (const session of [inForce, overridden]) {
        await (await api(app, session, "/api/consent/grant", { consentType: "analytics" })).body
          ?.cancel();
      }
      // Global Privacy Control from several tabs at once, after the grant.
      const answers = await Promise.all(
        Array.from(
          { length: 8 },
          () =>
            api(app, overridden, "/api/consent/status", undefined, { "sec-gpc": "1" })
              .then((r) => json<{ analytics: { gpc: { firstSeenAt: string } } }>(r)),
        ),
      );
      const [stored] = await app.db.query<{ first_seen_at: Date }>(
        "SELECT first_seen_at FROM privacy_signals WHERE user_id = $1 AND signal = 'gpc'",
        [overridden.user.id],
      );
      assert.deepEqual(
        [...new Set(answers.map((a) => a.analytics.gpc.firstSeenAt))],
        [stored!.first_seen_at.toISOString()],
      );
      const stats = await app.services.consent.stats();
      assert.equal(stats.granted, 1, "the overridden grant is not counted as allowing");
    } finally {
      await app.dispose();
    }
  });
}

Deno.test("?consent= (the banner's word after a form post) is not said under GPC, and the audit log's paging links do not carry it", async () => {
  const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
  try {
    const steward = await signInAs(app, "STEWARD");
    const granted = await form(app, steward, "/settings/privacy/grant", {
      method: "banner",
      policy_version: CONSENT_POLICIES.analytics.version,
      return_to: "/audit",
    });
    assert.equal(granted.headers.get("location"), "/audit?consent=granted");
    const audit = await page(app, steward, "/audit?consent=granted&limit=1");
    assert.match(audit, /Usage analytics are on/);
    const hrefs = [...audit.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(hrefs.some((href) => href.includes("cursor=")), "an older-entries link");
    assert.deepEqual(hrefs.filter((href) => href.includes("consent=")), []);

    // Under Global Privacy Control no banner choice is said, whatever the address holds.
    const gpc = { "sec-gpc": "1" };
    assert.doesNotMatch(
      await page(app, steward, "/jobs?consent=declined", gpc),
      /No usage analytics will be collected/,
    );
  } finally {
    await app.dispose();
  }
});
