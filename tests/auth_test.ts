import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, createUser, signIn, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

function login(
  app: TestApp,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  return app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ email, password }),
  });
}

function cookieOf(response: Response): string {
  return (response.headers.get("set-cookie") ?? "").split(";")[0]!;
}

const app = await buildTestApp();
Deno.test.afterAll(() => app.dispose());

Deno.test("sign-in sets an HttpOnly, SameSite=Lax, Path=/ browser-session cookie and returns the user and CSRF token", async () => {
  const user = await createUser(app, { role: "STEWARD" });
  const response = await login(app, user.email.toUpperCase(), TEST_PASSWORD);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
  const cookie = response.headers.get("set-cookie") ?? "";
  assert.match(cookie, /^rf_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.doesNotMatch(cookie, /Secure/, "no Secure flag in development (plain http://localhost)");
  assert.doesNotMatch(
    cookie,
    /Expires|Max-Age/i,
    "for the browser session only: closing the browser on a shared workstation ends it there",
  );
  const body = await json<{ user: { id: string; email: string; role: string }; csrfToken: string }>(
    response,
  );
  assert.deepEqual(body.user, {
    id: user.id,
    email: user.email,
    role: "STEWARD",
    displayName: user.displayName,
  });
  assert.equal(typeof body.csrfToken, "string");
});

Deno.test("outside development the session cookie is Secure and __Host- prefixed; a plain rf_session is ignored", async () => {
  const staging = await buildTestApp({
    env: { APP_ENV: "staging", ANALYTICS_IP_SALT: "0123456789abcdef0", EMBEDDED_DATABASE: "true" },
  });
  try {
    const user = await createUser(staging, { role: "RESEARCHER" });
    const response = await login(staging, user.email, TEST_PASSWORD, {
      origin: "http://localhost",
    });
    assert.equal(response.status, 200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    // What browsers require of __Host-: Secure, Path=/, no Domain.
    assert.match(setCookie, /^__Host-rf_session=[A-Za-z0-9_-]{43};/);
    assert.match(setCookie, /; Secure/);
    assert.match(setCookie, /; Path=\//);
    assert.doesNotMatch(setCookie, /Domain=/i);
    const secret = cookieOf(response).split("=")[1]!;
    const signedIn = await staging.request("/api/auth/session", {
      headers: { cookie: `__Host-rf_session=${secret}` },
    });
    assert.equal(signedIn.status, 200);
    await signedIn.body?.cancel();
    // The same secret under the unprefixed name (as a sibling host could set it) signs no one in.
    const plain = await staging.request("/api/auth/session", {
      headers: { cookie: `rf_session=${secret}` },
    });
    assert.equal(plain.status, 401);
    await plain.body?.cancel();
    // Sign-out clears the prefixed cookie.
    const out = await staging.request("/api/auth/logout", {
      method: "POST",
      headers: {
        cookie: `__Host-rf_session=${secret}`,
        "x-csrf-token": String((await json(response)).csrfToken),
        origin: "http://localhost",
      },
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get("set-cookie") ?? "", /^__Host-rf_session=;.*Max-Age=0.*Secure/);
  } finally {
    await staging.dispose();
  }
});

Deno.test("a wrong password and an unknown email fail identically", async () => {
  const user = await createUser(app, { role: "RESEARCHER" });
  const wrong = await login(app, user.email, "not the password at all");
  const unknown = await login(app, "nobody@example.org", "not the password at all");
  for (const response of [wrong, unknown]) {
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    assert.equal(response.headers.get("set-cookie"), null);
  }
  const [a, b] = [await json(wrong), await json(unknown)];
  assert.equal(a.detail, b.detail);
  assert.equal(a.code, "UNAUTHENTICATED");
});

Deno.test("GET /api/auth/session answers the session, 401 without one", async () => {
  const session = await signInAs(app, "RESEARCHER");
  const ok = await app.request("/api/auth/session", { headers: { cookie: session.cookie } });
  assert.equal(ok.status, 200);
  assert.equal((await json<{ csrfToken: string }>(ok)).csrfToken, session.csrfToken);
  const none = await app.request("/api/auth/session");
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(none)).code, "UNAUTHENTICATED");
});

Deno.test("signing in replaces any presented session (no session fixation)", async () => {
  const user = await createUser(app, { role: "RESEARCHER" });
  const first = await signIn(app, user);
  const second = await login(app, user.email, TEST_PASSWORD, { cookie: first.cookie });
  assert.equal(second.status, 200);
  const secondCookie = cookieOf(second);
  assert.notEqual(secondCookie, first.cookie);
  const stale = await app.request("/api/auth/session", { headers: { cookie: first.cookie } });
  assert.equal(stale.status, 401, "the session presented at sign-in no longer works");
  await stale.body?.cancel();
  const fresh = await app.request("/api/auth/session", { headers: { cookie: secondCookie } });
  assert.equal(fresh.status, 200);
  await fresh.body?.cancel();
  // A made-up cookie value is never adopted as a session.
  const planted = await login(app, user.email, TEST_PASSWORD, {
    cookie: "rf_session=attacker-chosen-value",
  });
  assert.notEqual(cookieOf(planted), "rf_session=attacker-chosen-value");
  await planted.body?.cancel();
});

Deno.test("sign-out ends the session and clears the cookie", async () => {
  const session = await signInAs(app, "RESEARCHER");
  const response = await app.request("/api/auth/logout", {
    method: "POST",
    headers: session.headers(),
  });
  assert.equal(response.status, 204);
  assert.match(response.headers.get("set-cookie") ?? "", /rf_session=;.*Max-Age=0/);
  const after = await app.request("/api/auth/session", { headers: { cookie: session.cookie } });
  assert.equal(after.status, 401);
  await after.body?.cancel();
});

Deno.test("CSRF: a cookie-authenticated state change without the token, or from another origin, is refused", async () => {
  const session = await signInAs(app, "RESEARCHER");
  const missing = await app.request("/api/auth/logout", {
    method: "POST",
    headers: { cookie: session.cookie },
  });
  assert.equal(missing.status, 403);
  assert.equal(missing.headers.get("content-type"), "application/problem+json");
  assert.equal((await json(missing)).code, "CSRF_FAILED");

  const wrongToken = await app.request("/api/auth/logout", {
    method: "POST",
    headers: { cookie: session.cookie, "x-csrf-token": "x".repeat(43) },
  });
  assert.equal(wrongToken.status, 403);
  await wrongToken.body?.cancel();

  const wrongOrigin = await app.request("/api/auth/logout", {
    method: "POST",
    headers: session.headers({ origin: "https://evil.example" }),
  });
  assert.equal(wrongOrigin.status, 403);
  assert.equal((await json(wrongOrigin)).code, "CSRF_FAILED");

  const stillSignedIn = await app.request("/api/auth/session", {
    headers: { cookie: session.cookie },
  });
  assert.equal(stillSignedIn.status, 200, "refused requests changed nothing");
  await stillSignedIn.body?.cancel();

  const formPost = await app.request("/logout", {
    method: "POST",
    headers: {
      cookie: session.cookie,
      "content-type": "application/x-www-form-urlencoded",
      origin: "http://localhost",
    },
    body: new URLSearchParams({ csrf_token: session.csrfToken }).toString(),
  });
  assert.equal(formPost.status, 303, "the form field carries the token for plain HTML forms");
  await formPost.body?.cancel();
});

Deno.test("a cross-site form post is refused with the expired-form page", async () => {
  const session = await signInAs(app, "ADMIN");
  const response = await app.request("/admin/tokens", {
    method: "POST",
    headers: {
      cookie: session.cookie,
      "content-type": "application/x-www-form-urlencoded",
      origin: "https://evil.example",
    },
    body: new URLSearchParams({ csrf_token: session.csrfToken, name: "x", scopes: "jobs:write" })
      .toString(),
  });
  assert.equal(response.status, 403);
  assert.match(response.headers.get("content-type") ?? "", /text\/html/);
  assert.match(await response.text(), /This form has expired/);
  assert.equal((await app.services.auth.listTokens()).filter((t) => t.name === "x").length, 0);
});

Deno.test("next= only redirects to local paths (no open redirect)", async () => {
  const user = await createUser(app, { role: "RESEARCHER" });
  const cases: Array<[string, string]> = [
    ["/audit?x=1", "/audit"],
    ["//evil.example/x", "/"],
    ["/\\evil.example", "/"],
    ["https://evil.example", "/"],
    ["javascript:alert(1)", "/"],
  ];
  for (const [next, expected] of cases) {
    const response = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: user.email, password: TEST_PASSWORD, next }).toString(),
    });
    assert.equal(response.status, 303, next);
    assert.equal(response.headers.get("location"), expected, next);
  }
});

Deno.test("pages send anonymous visitors to /login with a local next (the page's path only)", async () => {
  const response = await app.request("/admin/users?tab=locks");
  assert.equal(response.status, 303);
  assert.equal(response.headers.get("location"), "/login?next=%2Fadmin%2Fusers");
});

Deno.test("API tokens: created once, authenticate by hash, revocation takes effect at once", async () => {
  const admin = await signInAs(app, "ADMIN");
  const created = await app.request("/api/admin/tokens", {
    method: "POST",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ name: "worker", scopes: ["jobs:write"] }),
  });
  assert.equal(created.status, 201);
  const token = await json<{ id: string; token: string; scopes: string[] }>(created);
  assert.match(token.token, /^rfg_[A-Za-z0-9_-]{43}$/);
  const stored = await app.db.query<{ token_hash: string }>(
    "SELECT token_hash FROM api_tokens WHERE id = $1",
    [token.id],
  );
  assert.notEqual(stored[0]!.token_hash, token.token, "only the hash is stored");

  // Recognised: a token without the route's scope is forbidden, not unauthenticated.
  const recognised = await app.request("/api/auth/session", {
    headers: { authorization: `Bearer ${token.token}` },
  });
  assert.equal(recognised.status, 403);
  await recognised.body?.cancel();
  const listed = await json<{ tokens: Array<{ id: string; lastUsedAt: string | null }> }>(
    await app.request("/api/admin/tokens", { headers: admin.headers() }),
  );
  assert.notEqual(
    listed.tokens.find((t) => t.id === token.id)?.lastUsedAt,
    null,
    "last use is recorded",
  );

  const revoke = await app.request(`/api/admin/tokens/${token.id}`, {
    method: "DELETE",
    headers: admin.headers(),
  });
  assert.equal(revoke.status, 204);
  const after = await app.request("/api/auth/session", {
    headers: { authorization: `Bearer ${token.token}` },
  });
  assert.equal(after.status, 401, "a revoked token is not recognised on its very next use");
  await after.body?.cancel();
});

Deno.test("an expired token is refused", async () => {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const local = await buildTestApp({ clock });
  try {
    const secret = await createToken(local, {
      scopes: ["jobs:write"],
      expiresAt: new Date(clock.now() + 60_000),
    });
    const before = await local.request("/api/auth/session", {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(before.status, 403);
    await before.body?.cancel();
    clock.advance(61_000);
    const after = await local.request("/api/auth/session", {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(after.status, 401);
    await after.body?.cancel();
  } finally {
    await local.dispose();
  }
});

Deno.test("five failed sign-ins lock the account with 429 and Retry-After; the lock expires and can be cleared", async () => {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const local = await buildTestApp({ clock });
  try {
    const user = await createUser(local, { role: "RESEARCHER" });
    for (let i = 0; i < 5; i++) {
      const failed = await login(local, user.email, "wrong password here");
      assert.equal(failed.status, 401);
      await failed.body?.cancel();
    }
    const locked = await login(local, user.email, TEST_PASSWORD);
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get("content-type"), "application/problem+json");
    assert.equal(locked.headers.get("retry-after"), "60");
    assert.equal((await json(locked)).code, "RATE_LIMITED");

    clock.advance(61_000);
    const again = await login(local, user.email, "wrong password here");
    assert.equal(again.status, 401);
    await again.body?.cancel();
    const doubled = await login(local, user.email, TEST_PASSWORD);
    assert.equal(doubled.status, 429);
    assert.equal(
      doubled.headers.get("retry-after"),
      "120",
      "each further failure doubles the lock",
    );
    await doubled.body?.cancel();

    const admin = await createUser(local, { role: "ADMIN" });
    const adminSession = await signIn(local, admin);
    const locks = await json<{ locks: Array<{ key: string; email: string | null }> }>(
      await local.request("/api/admin/locks", { headers: adminSession.headers() }),
    );
    const lock = locks.locks.find((l) => l.email === user.email);
    assert.ok(lock, "the admin sees whose account is locked");
    const cleared = await local.request(`/api/admin/locks/${lock.key}`, {
      method: "DELETE",
      headers: adminSession.headers(),
    });
    assert.equal(cleared.status, 204);
    const ok = await login(local, user.email, TEST_PASSWORD);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await local.dispose();
  }
});

Deno.test("role changes and deactivation take effect on the user's next request", async () => {
  const admin = await signInAs(app, "ADMIN");
  const steward = await signInAs(app, "STEWARD");
  const before = await app.request("/api/audit", { headers: steward.headers() });
  assert.equal(before.status, 200);
  await before.body?.cancel();

  const demote = await app.request(`/api/admin/users/${steward.user.id}`, {
    method: "PATCH",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ role: "RESEARCHER" }),
  });
  assert.equal(demote.status, 200);
  await demote.body?.cancel();
  const afterDemote = await app.request("/api/audit", { headers: steward.headers() });
  assert.equal(afterDemote.status, 403);
  await afterDemote.body?.cancel();

  const deactivate = await app.request(`/api/admin/users/${steward.user.id}`, {
    method: "PATCH",
    headers: admin.headers({ "content-type": "application/json" }),
    body: JSON.stringify({ active: false }),
  });
  assert.equal(deactivate.status, 200);
  await deactivate.body?.cancel();
  const afterDeactivate = await app.request("/api/auth/session", { headers: steward.headers() });
  assert.equal(afterDeactivate.status, 401);
  await afterDeactivate.body?.cancel();
});

Deno.test("the last active administrator cannot be demoted", async () => {
  const local = await buildTestApp();
  try {
    const admin = await signInAs(local, "ADMIN");
    const response = await local.request(`/api/admin/users/${admin.user.id}`, {
      method: "PATCH",
      headers: admin.headers({ "content-type": "application/json" }),
      body: JSON.stringify({ role: "STEWARD" }),
    });
    assert.equal(response.status, 403);
    assert.equal((await json(response)).code, "FORBIDDEN");
  } finally {
    await local.dispose();
  }
});

Deno.test("the client rate limit answers 429 with Retry-After", async () => {
  const local = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "3" } });
  try {
    for (let i = 0; i < 3; i++) await (await local.request("/api/docs")).body?.cancel();
    const limited = await local.request("/api/openapi.json");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("content-type"), "application/problem+json");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal((await json(limited)).code, "RATE_LIMITED");
    const health = await local.request("/health");
    assert.equal(health.status, 200, "probes are never rate limited");
    await health.body?.cancel();
  } finally {
    await local.dispose();
  }
});

Deno.test("DENY_IPS and ALLOW_IPS apply to X-Forwarded-For only with TRUST_PROXY", async () => {
  const trusted = await buildTestApp({ env: { TRUST_PROXY: "true", DENY_IPS: "203.0.113.0/24" } });
  const untrusted = await buildTestApp({ env: { ALLOW_IPS: "10.0.0.0/8" } });
  try {
    const denied = await trusted.request("/health", {
      headers: { "x-forwarded-for": "203.0.113.7" },
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get("content-type"), "application/problem+json");
    assert.equal((await json(denied)).code, "FORBIDDEN");
    const allowed = await trusted.request("/health", {
      headers: { "x-forwarded-for": "198.51.100.1" },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
    // Without TRUST_PROXY the header is ignored: the (unknown) peer is not on the allow list.
    const spoofed = await untrusted.request("/health", {
      headers: { "x-forwarded-for": "10.1.2.3" },
    });
    assert.equal(spoofed.status, 403);
    await spoofed.body?.cancel();
  } finally {
    await trusted.dispose();
    await untrusted.dispose();
  }
});

Deno.test("behind an appending proxy a client cannot escape DENY_IPS or enter METRICS_ALLOW_IPS by adding X-Forwarded-For entries", async () => {
  // An appending proxy (nginx $proxy_add_x_forwarded_for, ALB, Envoy) forwards
  // "<whatever the client sent>, <the client's real address>".
  const one = await buildTestApp({
    env: { TRUST_PROXY: "true", DENY_IPS: "203.0.113.0/24", METRICS_ALLOW_IPS: "10.0.0.0/8" },
  });
  const two = await buildTestApp({ env: { TRUST_PROXY: "2", DENY_IPS: "203.0.113.0/24" } });
  try {
    const spoofed = await one.request("/healthz", {
      headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.5" },
    });
    assert.equal(spoofed.status, 403);
    assert.equal(spoofed.headers.get("content-type"), "application/problem+json");
    assert.equal((await json(spoofed)).code, "FORBIDDEN");
    const scrape = await one.request("/metrics", {
      headers: { "x-forwarded-for": "10.0.0.1, 198.51.100.7" },
    });
    assert.equal(scrape.status, 401);
    await scrape.body?.cancel();
    // A denied address the client wrote on the left does not deny the real client either.
    const framed = await one.request("/healthz", {
      headers: { "x-forwarded-for": "203.0.113.5, 198.51.100.7" },
    });
    assert.equal(framed.status, 200);
    await framed.body?.cancel();
    // Two trusted proxies: the client is the second address from the right.
    const chained = await two.request("/healthz", {
      headers: { "x-forwarded-for": "198.51.100.7, 203.0.113.5, 10.1.1.1" },
    });
    assert.equal(chained.status, 403);
    await chained.body?.cancel();
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

Deno.test("the audit log records sign-ins and failures, filters by action, pages by cursor, and holds no secrets", async () => {
  const local = await buildTestApp();
  try {
    const steward = await signInAs(local, "STEWARD");
    const failed = await login(local, steward.user.email, "a wrong password value");
    await failed.body?.cancel();
    for (let i = 0; i < 3; i++) await signIn(local, steward.user);
    const first = await json<
      { records: Array<{ action: string; actorId: string | null }>; nextCursor: string | null }
    >(
      await local.request("/api/audit?action=auth.sign_in&limit=2", { headers: steward.headers() }),
    );
    assert.equal(first.records.length, 2);
    assert.ok(
      first.records.every((r) => r.action === "auth.sign_in" && r.actorId === steward.user.id),
    );
    assert.ok(first.nextCursor);
    const second = await json<{ records: unknown[]; nextCursor: string | null }>(
      await local.request(`/api/audit?action=auth.sign_in&limit=2&cursor=${first.nextCursor}`, {
        headers: steward.headers(),
      }),
    );
    assert.equal(second.records.length, 2);
    assert.equal(second.nextCursor, null);
    const prefix = await json<{ records: Array<{ action: string }> }>(
      await local.request("/api/audit?action=auth.", { headers: steward.headers() }),
    );
    assert.ok(prefix.records.some((r) => r.action === "auth.sign_in_failed"));

    const bad = await local.request("/api/audit?cursor=not-a-cursor", {
      headers: steward.headers(),
    });
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).code, "VALIDATION_FAILED");

    const dump = JSON.stringify(await local.db.query("SELECT * FROM audit_log"));
    assert.ok(!dump.includes(TEST_PASSWORD) && !dump.includes("a wrong password value"));
    assert.ok(!dump.includes(steward.cookie.split("=")[1]!));
  } finally {
    await local.dispose();
  }
});

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] the auth store keeps sessions hashed and ends them on deactivation`, async () => {
    const testDb = await target.open();
    const local = await buildTestApp({ testDb });
    try {
      const session = await signInAs(local, "RESEARCHER");
      const rows = await local.db.query<{ token_hash: string }>("SELECT token_hash FROM sessions");
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]!.token_hash.includes(session.cookie.split("=")[1]!));
      await local.services.auth.updateUser(session.user.id, { active: false }, { type: "system" });
      assert.equal((await local.db.query("SELECT 1 FROM sessions")).length, 0);
    } finally {
      await local.dispose();
    }
  });
}

Deno.test("sessions expire after the idle timeout and the absolute lifetime, and the sweep deletes them", async () => {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const local = await buildTestApp({
    clock,
    env: { SESSION_IDLE_MINUTES: "30", SESSION_ABSOLUTE_HOURS: "2" },
  });
  try {
    const status = async (cookie: string) => {
      const response = await local.request("/api/auth/session", { headers: { cookie } });
      await response.body?.cancel();
      return response.status;
    };
    const idle = await signInAs(local, "RESEARCHER");
    clock.advance(29 * 60_000);
    assert.equal(
      await status(idle.cookie),
      200,
      "activity within the idle window keeps the session",
    );
    clock.advance(29 * 60_000);
    assert.equal(await status(idle.cookie), 200);
    clock.advance(31 * 60_000);
    assert.equal(await status(idle.cookie), 401, "31 idle minutes end the session");

    const busy = await signInAs(local, "RESEARCHER");
    for (let i = 0; i < 5; i++) {
      clock.advance(25 * 60_000);
      assert.equal(await status(busy.cookie), i < 4 ? 200 : 401, `after ${(i + 1) * 25} minutes`);
    }
    assert.ok(await local.services.auth.deleteExpiredSessions() >= 2);
    assert.equal((await local.db.query("SELECT 1 FROM sessions")).length, 0);
  } finally {
    await local.dispose();
  }
});

Deno.test("with the database unreachable, recently verified tokens and sessions keep working; unknown ones get 503, public routes still answer", async () => {
  const local = await buildTestApp();
  const token = await createToken(local, { scopes: ["jobs:write"] });
  const unseen = await createToken(local, { scopes: ["jobs:write"] });
  const session = await signInAs(local, "STEWARD");
  const tokenStatus = async (secret: string) => {
    const response = await local.request("/api/auth/session", {
      headers: { authorization: `Bearer ${secret}` },
    });
    await response.body?.cancel();
    return response.status;
  };
  assert.equal(await tokenStatus(token), 403, "recognised (no scope for this route)");
  const before = await local.request("/api/auth/session", { headers: session.headers() });
  assert.equal(before.status, 200);
  await before.body?.cancel();

  await local.db.close(); // the database is gone from here on
  try {
    assert.equal(await tokenStatus(token), 403, "a token verified moments ago is still recognised");
    const during = await local.request("/api/auth/session", { headers: session.headers() });
    assert.equal(during.status, 200, "so is a session");
    await during.body?.cancel();

    const unknown = await local.request("/api/auth/session", {
      headers: { authorization: `Bearer ${unseen}` },
    });
    assert.equal(unknown.status, 503);
    assert.equal(unknown.headers.get("content-type"), "application/problem+json");
    assert.equal(unknown.headers.get("retry-after"), "5");
    assert.equal((await json(unknown)).code, "SERVICE_UNAVAILABLE");

    // A page opened with a session cookie that cannot be checked: the HTML error page in the
    // layout, not a problem+json body (a dead end in a browser).
    const cookieName = session.cookie.split("=")[0]!;
    const page = await local.request("/flags", {
      headers: { cookie: `${cookieName}=${"x".repeat(43)}` },
    });
    assert.equal(page.status, 503);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(page.headers.get("retry-after"), "5");
    const html = await page.text();
    assert.match(html, /Sign-in cannot be checked right now/);
    assert.match(html, /<nav aria-label="Main">/);

    const health = await local.request("/health", {
      headers: { authorization: `Bearer ${unseen}` },
    });
    assert.equal(
      health.status,
      200,
      "public routes answer even when the credential cannot be checked",
    );
    await health.body?.cancel();
  } finally {
    await local.dispose().catch(() => {});
  }
});
