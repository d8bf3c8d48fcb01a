/**
 * Auth under concurrency and outage, on PGlite and (when configured) the real Postgres:
 * concurrent sign-in guesses against the lock-outs, concurrent demotions of the last
 * administrators, and the stale-if-error credential caches after sign-out, deactivation,
 * role change, password reset and token revocation.
 */
import assert from "node:assert/strict";
import { createAuthStore } from "../lib/auth/mod.ts";
import { LAST_ADMIN_MESSAGE } from "../lib/auth/user_accounts.ts";
import {
  ACCOUNT_POLICY,
  afterFailure,
  IP_POLICY,
  type ThrottleState,
} from "../lib/auth/throttle.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, createUser, signInAs, TEST_PASSWORD } from "./helpers/auth.ts";
import { dbTargets, type TestDb } from "./helpers/db.ts";

const START = Date.UTC(2026, 5, 1);

function login(app: TestApp, email: string, password: string, ip = "198.51.100.23") {
  return app.request("/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": ip },
    body: JSON.stringify({ email, password }),
  });
}

/** Status → how many responses had it. */
async function tally(responses: Response[]): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const response of responses) {
    counts[response.status] = (counts[response.status] ?? 0) + 1;
    await response.body?.cancel();
  }
  return counts;
}

async function throttleRows(app: TestApp, kind: "account" | "ip") {
  return await app.db.query<{ failures: number; locked_until: Date | null }>(
    "SELECT failures, locked_until FROM login_throttle WHERE kind = $1",
    [kind],
  );
}

/** An app on a fresh database of `target`, with a manual clock (locks never run out mid-test). */
async function withApp(
  target: { open(): Promise<TestDb> },
  fn: (app: TestApp, clock: ReturnType<typeof manualClock>) => Promise<void>,
): Promise<void> {
  const testDb = await target.open();
  const clock = manualClock(START);
  const app = await buildTestApp({ testDb, clock, env: { TRUST_PROXY: "true" } });
  try {
    await fn(app, clock);
  } finally {
    await app.dispose();
  }
}

for (const target of dbTargets()) {
  const t = `[${target.name}]`;

  Deno.test(`${t} five concurrent wrong passwords are all counted and lock the account against the right one`, async () => {
    await withApp(target, async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const n = ACCOUNT_POLICY.threshold;
      const wrong = await Promise.all(
        Array.from({ length: n }, (_, i) => login(app, user.email, `wrong password ${i}`)),
      );
      assert.deepEqual(await tally(wrong), { 401: n });
      const [account] = await throttleRows(app, "account");
      assert.equal(account?.failures, n, "no failure is lost");
      const right = await login(app, user.email, TEST_PASSWORD);
      assert.equal(right.status, 429);
      assert.equal(right.headers.get("content-type"), "application/problem+json");
      assert.equal(right.headers.get("retry-after"), "60");
      assert.equal((await json(right)).code, "RATE_LIMITED");
    });
  });

  Deno.test(`${t} of 49 concurrent wrong passwords only the account's budget is checked, and the lock holds for the right one`, async () => {
    await withApp(target, async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const responses = await Promise.all(
        Array.from({ length: 49 }, (_, i) => login(app, user.email, `wrong password ${i}`)),
      );
      const budget = ACCOUNT_POLICY.threshold;
      assert.deepEqual(await tally(responses), { 401: budget, 429: 49 - budget });
      const [account] = await throttleRows(app, "account");
      assert.equal(account?.failures, budget, "every checked guess is counted");
      const right = await login(app, user.email, TEST_PASSWORD);
      assert.equal(right.status, 429, "the lock holds for the right password");
      await right.body?.cancel();
    });
  });

  Deno.test(`${t} concurrent guesses from one address across accounts stop at the address budget`, async () => {
    await withApp(target, async (app) => {
      const user = await createUser(app, { role: "RESEARCHER" });
      const responses = await Promise.all(
        Array.from(
          { length: 30 },
          (_, i) => login(app, `nobody-${i}@example.org`, "wrong password"),
        ),
      );
      assert.deepEqual(await tally(responses), { 401: IP_POLICY.threshold, 429: 10 });
      const [ip] = await throttleRows(app, "ip");
      assert.equal(ip?.failures, IP_POLICY.threshold);
      assert.equal(
        (await throttleRows(app, "account")).length,
        IP_POLICY.threshold,
        "a refused attempt leaves no count on its account",
      );
      const right = await login(app, user.email, TEST_PASSWORD);
      assert.equal(right.status, 429, "the address is locked for everyone behind it");
      assert.equal(right.headers.get("retry-after"), "60");
      await right.body?.cancel();
      const elsewhere = await login(app, user.email, TEST_PASSWORD, "198.51.100.99");
      assert.equal(elsewhere.status, 200, "other addresses are not affected");
      await elsewhere.body?.cancel();
    });
  });

  Deno.test(`${t} successful sign-ins, concurrent or not, do not count against the address`, async () => {
    await withApp(target, async (app, clock) => {
      const users = await Promise.all(
        Array.from({ length: 5 }, () => createUser(app, { role: "RESEARCHER" })),
      );
      const status = async (email: string, password: string) => {
        const response = await login(app, email, password);
        await response.body?.cancel();
        return response.status;
      };
      const fail = (i: number) => status(`nobody-${i}@example.org`, "wrong password");
      for (let i = 0; i < 10; i++) assert.equal(await fail(i), 401);
      const together = await Promise.all(users.map((u) => status(u.email, TEST_PASSWORD)));
      assert.deepEqual(together, users.map(() => 200));
      assert.deepEqual(
        (await throttleRows(app, "ip")).map((r) => r.failures),
        [10],
        "successes leave the count as it was",
      );
      for (let i = 10; i < IP_POLICY.threshold - 1; i++) assert.equal(await fail(i), 401);
      assert.equal(await status(users[0]!.email, TEST_PASSWORD), 200, "the budget is not spent");
      assert.equal(await status(users[1]!.email, TEST_PASSWORD), 200, "and no lock is left behind");
      assert.equal(await fail(IP_POLICY.threshold), 401, "the twentieth failure is still checked");
      assert.equal(await status(users[0]!.email, TEST_PASSWORD), 429);
      clock.advance(61_000);
      assert.equal(await status(users[0]!.email, TEST_PASSWORD), 200, "the lock ran out");
      assert.equal(
        await status(users[1]!.email, TEST_PASSWORD),
        200,
        "a success after a lock does not lock the address again",
      );
    });
  });

  Deno.test(`${t} the stored lock schedule follows the throttle policy`, async () => {
    const testDb = await target.open();
    try {
      const store = createAuthStore(testDb.db);
      const key = "a".repeat(64);
      let expected: ThrottleState | undefined;
      let now = START;
      // 4 failures, the lock at 5, a refused try while locked, further failures after each lock
      // runs out (doubling up to the cap), then the reset after a quiet day.
      const steps: number[] = [0, 1, 1, 1, 1, 1_000, 60_000, 120_000, 240_000, 480_000, 960_000];
      steps.push(1_920_000, 3_600_000, 3_600_000, 86_400_000 + 3_600_000);
      for (const step of steps) {
        now += step;
        const locked = expected?.lockedUntil !== undefined && expected.lockedUntil !== null &&
          expected.lockedUntil > now;
        const result = await store.reserveAttempt(key, "account", ACCOUNT_POLICY, new Date(now));
        if (locked) {
          assert.equal(result.admitted, false, `refused at +${now - START}`);
          continue;
        }
        expected = afterFailure(expected, ACCOUNT_POLICY, now);
        assert.equal(result.admitted, true, `admitted at +${now - START}`);
        assert.deepEqual(await store.getThrottle(key), expected, `state at +${now - START}`);
      }
      assert.equal(expected?.failures, 1, "the last step came after the reset window");
    } finally {
      await testDb.cleanup();
    }
  });

  for (
    const [label, change] of [
      ["demotions", { role: "STEWARD" }],
      ["deactivations", { active: false }],
    ] as const
  ) {
    Deno.test(`${t} two concurrent self-${label} of the only two administrators leave one`, async () => {
      await withApp(target, async (app) => {
        const activeAdmins = async () =>
          (await app.db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND active",
          ))[0]?.n;
        let survivor = await signInAs(app, "ADMIN");
        // A few rounds: the race needs the two requests to overlap, which one round may miss.
        for (let round = 0; round < 4; round++) {
          const other = await signInAs(app, "ADMIN");
          assert.equal(await activeAdmins(), 2);
          const patch = (session: typeof other) =>
            app.request(`/api/admin/users/${session.user.id}`, {
              method: "PATCH",
              headers: session.headers({ "content-type": "application/json" }),
              body: JSON.stringify(change),
            });
          const responses = await Promise.all([patch(survivor), patch(other)]);
          assert.deepEqual(responses.map((r) => r.status).sort(), [200, 403], `round ${round}`);
          const refused = responses.find((r) => r.status === 403)!;
          assert.equal(refused.headers.get("content-type"), "application/problem+json");
          const problem = await json<{ code: string; detail: string }>(refused);
          assert.equal(problem.code, "FORBIDDEN");
          assert.equal(
            problem.detail,
            LAST_ADMIN_MESSAGE,
          );
          await responses.find((r) => r.status === 200)!.body?.cancel();
          assert.equal(await activeAdmins(), 1);
          if (responses[0]!.status === 200) survivor = other;
        }
      });
    });
  }

  Deno.test(`${t} with the database down, ended sessions and revoked tokens are refused, not served from memory`, async () => {
    const testDb = await target.open();
    const app = await buildTestApp({ testDb });
    try {
      const admin = await signInAs(app, "ADMIN");
      const deactivated = await signInAs(app, "ADMIN");
      const demoted = await signInAs(app, "ADMIN");
      const reset = await signInAs(app, "STEWARD");
      const signedOut = await signInAs(app, "STEWARD");
      const replaced = await signInAs(app, "STEWARD");
      const kept = await signInAs(app, "STEWARD");
      const revoked = await createToken(app, { scopes: ["jobs:write"] });
      const { tokens } = await json<{ tokens: Array<{ id: string }> }>(
        await app.request("/api/admin/tokens", { headers: admin.headers() }),
      );
      const sessionStatus = async (cookie: string) => {
        const response = await app.request("/api/auth/session", { headers: { cookie } });
        if (response.status !== 200) {
          await response.body?.cancel();
          return { status: response.status };
        }
        const body = await json<{ user: { role: string } }>(response);
        return { status: response.status, role: body.user.role };
      };
      const tokenStatus = async () => {
        const response = await app.request("/api/auth/session", {
          headers: { authorization: `Bearer ${revoked}` },
        });
        await response.body?.cancel();
        return response.status;
      };
      // Every credential is verified once while the database answers (so it is remembered).
      for (const s of [deactivated, demoted, reset, signedOut, replaced, kept]) {
        assert.equal((await sessionStatus(s.cookie)).status, 200);
      }
      assert.equal(await tokenStatus(), 403, "recognised (no scope for this route)");

      const patch = async (id: string, body: unknown) => {
        const response = await app.request(`/api/admin/users/${id}`, {
          method: "PATCH",
          headers: admin.headers({ "content-type": "application/json" }),
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();
      };
      await patch(deactivated.user.id, { active: false });
      await patch(demoted.user.id, { role: "RESEARCHER" });
      const resetResponse = await app.request(`/api/admin/users/${reset.user.id}/password`, {
        method: "POST",
        headers: admin.headers({ "content-type": "application/json" }),
        body: JSON.stringify({ password: "another long password", currentPassword: TEST_PASSWORD }),
      });
      assert.equal(resetResponse.status, 204);
      const out = await app.request("/api/auth/logout", {
        method: "POST",
        headers: signedOut.headers(),
      });
      assert.equal(out.status, 204);
      const again = await app.request("/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", cookie: replaced.cookie },
        body: JSON.stringify({ email: replaced.user.email, password: TEST_PASSWORD }),
      });
      assert.equal(again.status, 200, "signing in again replaces the presented session");
      await again.body?.cancel();
      const revoke = await app.request(`/api/admin/tokens/${tokens[0]!.id}`, {
        method: "DELETE",
        headers: admin.headers(),
      });
      assert.equal(revoke.status, 204);

      await testDb.db.close(); // the database is gone from here on
      const seen: Record<string, { status: number; role?: string }> = {};
      const ended = { deactivated, demoted, reset, signedOut, replaced };
      for (const [name, s] of Object.entries(ended)) seen[name] = await sessionStatus(s.cookie);
      seen.revokedToken = { status: await tokenStatus() };
      seen.kept = await sessionStatus(kept.cookie);
      // Cannot be checked, so refused (503); a session nothing happened to keeps working.
      assert.deepEqual(seen, {
        deactivated: { status: 503 },
        demoted: { status: 503 },
        reset: { status: 503 },
        signedOut: { status: 503 },
        replaced: { status: 503 },
        revokedToken: { status: 503 },
        kept: { status: 200, role: "STEWARD" },
      });
    } finally {
      await app.close().catch(() => {});
      await testDb.cleanup().catch(() => {});
    }
  });
}

Deno.test("a locked account and a locked unknown email answer alike", async () => {
  await withApp(dbTargets()[0]!, async (app) => {
    const user = await createUser(app, { role: "RESEARCHER" });
    const lockOut = async (email: string) => {
      for (let i = 0; i < ACCOUNT_POLICY.threshold; i++) {
        await (await login(app, email, "wrong password", `198.51.100.${i + 1}`)).body?.cancel();
      }
      const response = await login(app, email, "wrong password", "198.51.100.77");
      const { code, detail } = await json<{ code: string; detail: string }>(response);
      return {
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        code,
        detail,
      };
    };
    const known = await lockOut(user.email);
    assert.equal(known.status, 429);
    assert.deepEqual(await lockOut("nobody-here@example.org"), known);
  });
});
