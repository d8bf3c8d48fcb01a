/**
 * SESSION_ABSOLUTE_HOURS applies to the sessions that exist when it is lowered (an operator
 * shortening the lifetime after an incident), not only to those signed in afterwards; raising it
 * lengthens none (the end stored at sign-in stays a bound). Idle and absolute ends also hold while
 * the database is down: memory vouches for a session only until the earlier of the two.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createUser, type Session, signIn } from "./helpers/auth.ts";
import { cuttableDb } from "./helpers/cuttable_db.ts";
import { freshPglite } from "./helpers/db.ts";

async function status(app: TestApp, session: Session): Promise<number> {
  const response = await app.request("/api/auth/session", { headers: session.headers() });
  await response.body?.cancel();
  return response.status;
}

/** Signs in on an app with `before` hours, then asks an app with `after` hours, 2 h later. */
async function acrossRestart(before: string, after: string) {
  const testDb = await freshPglite();
  const clock = manualClock(Date.parse("2030-01-01T00:00:00Z"));
  const shared = { db: testDb.db, cleanup: () => Promise.resolve() };
  const first = await buildTestApp({
    testDb: shared,
    clock,
    env: { SESSION_ABSOLUTE_HOURS: before, SESSION_IDLE_MINUTES: "1440", RATE_LIMIT_PER_MIN: "0" },
  });
  let session: Session;
  try {
    session = await signIn(first, await createUser(first, { role: "STEWARD" }));
    assert.equal(await status(first, session), 200);
  } finally {
    await first.dispose();
  }
  const second = await buildTestApp({
    testDb,
    clock,
    env: { SESSION_ABSOLUTE_HOURS: after, SESSION_IDLE_MINUTES: "1440", RATE_LIMIT_PER_MIN: "0" },
  });
  return { app: second, session, clock };
}

Deno.test("a session signed in under SESSION_ABSOLUTE_HOURS=720 ends 1 h after sign-in once the setting is 1", async () => {
  const { app, session, clock } = await acrossRestart("720", "1");
  try {
    clock.advance(30 * 60_000);
    assert.equal(await status(app, session), 200, "within the new lifetime");
    clock.advance(90 * 60_000);
    assert.equal(await status(app, session), 401, "2 h after sign-in, lifetime now 1 h");
    assert.equal(await app.services.auth.deleteExpiredSessions(), 1, "the sweep takes it too");
    assert.equal((await app.db.query("SELECT 1 FROM sessions")).length, 0);
  } finally {
    await app.dispose();
  }
});

Deno.test("the sweep ends sessions older than a lowered SESSION_ABSOLUTE_HOURS unasked", async () => {
  const { app, clock } = await acrossRestart("720", "1");
  try {
    clock.advance(2 * 60 * 60_000);
    assert.equal(await app.services.auth.deleteExpiredSessions(), 1);
  } finally {
    await app.dispose();
  }
});

Deno.test("raising SESSION_ABSOLUTE_HOURS does not lengthen a session signed in before", async () => {
  const { app, session, clock } = await acrossRestart("1", "720");
  try {
    clock.advance(2 * 60 * 60_000);
    assert.equal(await status(app, session), 401, "its stored end (1 h) still holds");
  } finally {
    await app.dispose();
  }
});

Deno.test("a password change keeps the session's start: the renewed session ends when the old one would have", async () => {
  const { app, session, clock } = await acrossRestart("720", "1");
  try {
    clock.advance(30 * 60_000);
    const response = await app.request("/api/auth/password", {
      method: "POST",
      headers: session.headers({ "content-type": "application/json", origin: "http://localhost" }),
      body: JSON.stringify({
        currentPassword: "correct horse battery staple",
        newPassword: "a new and long passphrase 42",
      }),
    });
    assert.equal(response.status, 204, await response.text());
    const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.ok(cookie.length > 0, "a renewed session cookie");
    const renewed = { ...session, cookie, headers: () => ({ cookie }) };
    assert.equal(await status(app, renewed), 200);
    clock.advance(45 * 60_000);
    assert.equal(await status(app, renewed), 401, "75 min after the first sign-in, lifetime 1 h");
  } finally {
    await app.dispose();
  }
});

Deno.test("while the database is down, memory vouches for a session no longer than its idle limit", async () => {
  const inner = await freshPglite();
  const cut = cuttableDb(inner.db);
  const clock = manualClock(Date.parse("2030-01-01T00:00:00Z"));
  const app = await buildTestApp({
    testDb: { db: cut.db, cleanup: () => inner.cleanup() },
    clock,
    env: { SESSION_IDLE_MINUTES: "2", RATE_LIMIT_PER_MIN: "0" },
  });
  try {
    const session = await signIn(app, await createUser(app, { role: "STEWARD" }));
    assert.equal(await status(app, session), 200);
    cut.cut();
    clock.advance(60_000);
    assert.equal(await status(app, session), 200, "within the idle limit: from memory");
    // Being answered from memory is no use the database records: it does not extend the limit.
    clock.advance(61_000);
    const statuses = [await status(app, session), await status(app, session)];
    assert.deepEqual(statuses, [503, 503], "idle as far as this instance knows: not vouched for");
    cut.restore();
    assert.equal(await status(app, session), 401, "the database says so too");
  } finally {
    cut.restore();
    await app.dispose();
  }
});

Deno.test("while the database is down, a session past its absolute end is refused (401), not vouched for", async () => {
  const inner = await freshPglite();
  const cut = cuttableDb(inner.db);
  const clock = manualClock(Date.parse("2030-01-01T00:00:00Z"));
  const app = await buildTestApp({
    testDb: { db: cut.db, cleanup: () => inner.cleanup() },
    clock,
    env: { SESSION_ABSOLUTE_HOURS: "1", SESSION_IDLE_MINUTES: "1440", RATE_LIMIT_PER_MIN: "0" },
  });
  try {
    const session = await signIn(app, await createUser(app, { role: "STEWARD" }));
    clock.advance(58 * 60_000);
    assert.equal(await status(app, session), 200);
    cut.cut();
    clock.advance(60_000);
    assert.equal(await status(app, session), 200, "before its end: from memory");
    clock.advance(2 * 60_000);
    assert.equal(await status(app, session), 401, "its end needs no database");
  } finally {
    cut.restore();
    await app.dispose();
  }
});
