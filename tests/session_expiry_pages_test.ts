/**
 * A page request without a session in force: a form sent after the session ended is sent to the
 * sign-in page with a sentence saying the change was not saved (and the form's page to return
 * to, never its content); a page opened with an ended session says the session ended; signing
 * out lands on a page that says so. PGlite, and the real Postgres when configured.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const ORIGIN = "http://localhost";
const UNSAVED = "Your session ended, so your last change was not saved. Sign in and make it again.";
const ENDED = "Your session ended; sign in again.";
const SIGNED_OUT = "You are signed out. On a shared workstation, close the browser as well.";

/** The flag form as the browser sends it: a changed description, from the flag's page. */
function saveFlag(
  app: TestApp,
  key: string,
  description: string,
  options: { cookie?: string; csrfToken: string; referer?: string },
): Promise<Response> {
  return app.request(`/flags/${key}`, {
    method: "POST",
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      origin: ORIGIN,
      referer: options.referer ?? `${ORIGIN}/flags/${key}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      csrf_token: options.csrfToken,
      enabled: "on",
      rollout_percent: "100",
      description,
    }).toString(),
  });
}

async function signInPage(app: TestApp, location: string): Promise<string> {
  const response = await app.request(location);
  assert.equal(response.status, 200, location);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  return await response.text();
}

async function endSession(app: TestApp, session: Session): Promise<void> {
  const out = await app.request("/api/auth/logout", { method: "POST", headers: session.headers() });
  assert.equal(out.status, 204);
}

for (const target of dbTargets()) {
  const opts = { sanitizeOps: false, sanitizeResources: false };

  Deno.test({
    name:
      `[${target.name}] a flag edit sent after sign-out elsewhere: sign-in page says it was not saved`,
    ...opts,
    async fn() {
      const app = await buildTestApp({
        testDb: await target.open(),
        env: { RATE_LIMIT_PER_MIN: "0" },
      });
      try {
        await app.services.flags.set("beta.search", { enabled: true, description: "Before" }, {
          actor: { type: "system" },
        });
        const admin = await signInAs(app, "ADMIN");
        await endSession(app, admin);
        // A synthetic marker, built at runtime, that must never reach the address.
        const edited = `Edited ${crypto.randomUUID().slice(0, 8)}`;
        const cases = [
          // Signed out in another tab of the same browser: the cookie is gone too.
          { label: "no cookie", cookie: undefined },
          // Ended by the server (idle limit, an administrator): the cookie is still sent.
          { label: "stale cookie", cookie: admin.cookie },
        ];
        for (const { label, cookie } of cases) {
          const response = await saveFlag(app, "beta.search", edited, {
            ...(cookie ? { cookie } : {}),
            csrfToken: admin.csrfToken,
            referer: `${ORIGIN}/flags/beta.search?notice=saved`,
          });
          assert.equal(response.status, 303, label);
          const location = response.headers.get("location") ?? "";
          // Back to the form's page afterwards, without the earlier "saved" confirmation.
          assert.equal(location, "/login?next=%2Fflags%2Fbeta.search&reason=unsaved", label);
          assert.ok(!location.includes(edited.split(" ")[1]!), "no form content in the address");
          const html = await signInPage(app, location);
          assert.ok(html.includes(UNSAVED), label);
          assert.match(html, /name="next" value="\/flags\/beta.search"/);
          assert.match(html, /name="reason" value="unsaved"/, "kept through a failed attempt");
        }
        assert.equal(app.services.flags.get("beta.search")?.description, "Before");

        // A wrong password keeps the sentence; the right one returns to the flag's page.
        const again = (password: string) =>
          app.request("/login", {
            method: "POST",
            headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({
              email: admin.user.email,
              password,
              next: "/flags/beta.search",
              reason: "unsaved",
            }).toString(),
          });
        const wrong = await again("not the password");
        assert.equal(wrong.status, 401);
        assert.ok((await wrong.text()).includes(UNSAVED));
        const right = await again("correct horse battery staple");
        assert.equal(right.status, 303);
        assert.equal(right.headers.get("location"), "/flags/beta.search");
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] a page opened after the idle limit says the session ended; a first visit says nothing`,
    ...opts,
    async fn() {
      const clock = manualClock(Date.now());
      const app = await buildTestApp({
        testDb: await target.open(),
        clock,
        env: { RATE_LIMIT_PER_MIN: "0", SESSION_IDLE_MINUTES: "30" },
      });
      try {
        const steward = await signInAs(app, "STEWARD");
        const before = await app.request("/flags?tab=all", { headers: { cookie: steward.cookie } });
        assert.equal(before.status, 200);
        await before.body?.cancel();
        clock.advance(31 * 60_000);

        const ended = await app.request("/flags?tab=all", { headers: { cookie: steward.cookie } });
        assert.equal(ended.status, 303);
        const location = ended.headers.get("location") ?? "";
        assert.equal(
          location,
          "/login?next=%2Fflags&reason=ended",
          "the page's path, not its query",
        );
        const html = await signInPage(app, location);
        assert.ok(html.includes(ENDED));
        assert.ok(!html.includes(UNSAVED));

        const first = await app.request("/flags?tab=all");
        assert.equal(first.status, 303);
        const plain = first.headers.get("location") ?? "";
        assert.equal(plain, "/login?next=%2Fflags", "never signed in: no reason");
        const page = await signInPage(app, plain);
        assert.ok(!page.includes('data-testid="sign-in-reason"'));
        // An unknown reason shows nothing and is not reflected.
        const odd = await signInPage(app, "/login?reason=%3Cb%3Ehi");
        assert.ok(!odd.includes('data-testid="sign-in-reason"'));
        assert.ok(!odd.includes("<b>hi"));
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name: `[${target.name}] signing out lands on the sign-in page saying "You are signed out"`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const researcher = await signInAs(app, "RESEARCHER");
        const out = await app.request("/logout", {
          method: "POST",
          headers: {
            cookie: researcher.cookie,
            origin: ORIGIN,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: new URLSearchParams({ csrf_token: researcher.csrfToken }).toString(),
        });
        assert.equal(out.status, 303);
        const location = out.headers.get("location") ?? "";
        assert.equal(location, "/login?reason=signed_out");
        assert.match(out.headers.get("set-cookie") ?? "", /rf_session=;/, "the cookie is cleared");
        const html = await signInPage(app, location);
        assert.ok(html.includes(SIGNED_OUT));
        assert.match(html, /name="next" value="\/"/);
        const after = await app.request("/jobs", { headers: { cookie: researcher.cookie } });
        assert.equal(after.status, 303, "the session is over");
        await after.body?.cancel();
      } finally {
        await app.dispose();
      }
    },
  });
}
