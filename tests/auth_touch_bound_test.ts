/**
 * A credential lookup that answered is not held up by its "last used" write (lib/auth/service.ts):
 * with writes to api_tokens (or sessions) blocked by a lock (reads still answer), a call with the
 * token (or the session cookie) answers at once, and the write lands once the lock goes. With a
 * healthy database the write is recorded as before.
 */
import assert from "node:assert/strict";
import type { Db } from "../lib/db/mod.ts";
import type { TestApp } from "./helpers/app.ts";
import { boundedApp, holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres } from "./helpers/env.ts";
import { signInAs } from "./helpers/auth.ts";
import { eventually } from "./helpers/instances.ts";

const opts = { ignore: !hasPostgres(), sanitizeOps: false, sanitizeResources: false };

/**
 * An app whose lock waits end after 10 s (well past the bound below, so the call can only answer
 * within it if it does not wait for the write), a flag to evaluate, and a token that may.
 */
async function appWithToken() {
  const t = await boundedApp({ RATE_LIMIT_PER_MIN: "0", DB_LOCK_TIMEOUT_MS: "10000" });
  await t.app.services.flags.set("touch.bound", { enabled: true }, { actor: { type: "system" } });
  const { token, secret } = await t.app.services.auth.createToken(
    { name: "touch bound", scopes: ["flags:evaluate"], expiresAt: null },
    { type: "system" },
  );
  return { ...t, tokenId: token.id, secret };
}

/** The status of `request`, or "pending" when it did not answer in `ms`. */
async function statusWithin(request: Promise<Response>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    request.then(async (response) => {
      await response.body?.cancel();
      return response.status;
    }),
    new Promise<"pending">((resolve) => timer = setTimeout(() => resolve("pending"), ms)),
  ]);
  clearTimeout(timer);
  return status;
}

/** Evaluates the flag with the token: its status, or "pending" when it did not answer in `ms`. */
function evaluateWithin(app: TestApp, secret: string, ms: number) {
  return statusWithin(
    app.request(`/ofrep/v1/evaluate/flags/touch.bound`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey: "user-1" } }),
    }),
    ms,
  );
}

async function lastUsed(db: Db, id: string): Promise<Date | null> {
  const [row] = await db.query<{ last_used_at: Date | null }>(
    "SELECT last_used_at FROM api_tokens WHERE id = $1",
    [id],
  );
  return row?.last_used_at ?? null;
}

Deno.test({
  name:
    "[postgres] with writes to api_tokens locked, token calls answer before the lock goes and last_used_at is written after it",
  ...opts,
  async fn() {
    const t = await appWithToken();
    let release: (() => Promise<void>) | undefined;
    try {
      assert.equal(await lastUsed(t.other, t.tokenId), null);
      // EXCLUSIVE: the lookup (a read) answers, the UPDATE of last_used_at waits for the lock
      // (10 s): a call that waited for its write would still be pending after 3 s.
      release = await holdTableLock(t.other, "api_tokens", "EXCLUSIVE");
      for (let i = 0; i < 3; i++) {
        assert.equal(await evaluateWithin(t.app, t.secret, 30_000), 200, `call ${i}`);
      }
      assert.equal(await lastUsed(t.other, t.tokenId), null, "not written while locked");
      await release();
      release = undefined;
      assert.ok(
        await eventually(async () => await lastUsed(t.other, t.tokenId) !== null, 30_000),
        "last_used_at is written once the lock goes",
      );
    } finally {
      await release?.();
      await t.app.dispose().catch(() => {});
    }
  },
});

Deno.test({
  name: "[postgres] with a healthy database a token call records last_used_at",
  ...opts,
  async fn() {
    const t = await appWithToken();
    try {
      const before = Date.now();
      assert.equal(await evaluateWithin(t.app, t.secret, 30_000), 200);
      assert.ok(
        await eventually(
          async () => ((await lastUsed(t.other, t.tokenId))?.getTime() ?? 0) >= before - 1000,
          2000,
        ),
        "last_used_at is recorded",
      );
    } finally {
      await t.app.dispose().catch(() => {});
    }
  },
});

/** The session's last-seen time, moved `minutes` back when given (due for its next write). */
async function lastSeen(db: Db, minutes?: number): Promise<Date> {
  // The schema is the test's own: its one session is the one signed in below.
  if (minutes !== undefined) {
    await db.query(
      "UPDATE sessions SET last_seen_at = last_seen_at - make_interval(mins => $1)",
      [minutes],
    );
  }
  const [row] = await db.query<{ last_seen_at: Date }>("SELECT last_seen_at FROM sessions");
  if (!row) throw new Error("no session");
  return row.last_seen_at;
}

Deno.test({
  name:
    "[postgres] with writes to sessions locked, signed-in calls answer before the lock goes and last_seen_at is written after it",
  ...opts,
  async fn() {
    const t = await boundedApp({ RATE_LIMIT_PER_MIN: "0", DB_LOCK_TIMEOUT_MS: "10000" });
    let release: (() => Promise<void>) | undefined;
    try {
      const session = await signInAs(t.app, "RESEARCHER");
      // Two minutes back: past the one-minute interval, well inside the idle timeout.
      const aged = await lastSeen(t.other, 2);
      release = await holdTableLock(t.other, "sessions", "EXCLUSIVE");
      for (let i = 0; i < 3; i++) {
        const call = t.app.request("/api/auth/session", { headers: { cookie: session.cookie } });
        assert.equal(await statusWithin(call, 30_000), 200, `call ${i}`);
      }
      assert.equal((await lastSeen(t.other)).getTime(), aged.getTime());
      await release();
      release = undefined;
      assert.ok(
        await eventually(
          async () => (await lastSeen(t.other)).getTime() > aged.getTime(),
          5000,
        ),
        "last_seen_at is written once the lock goes",
      );
    } finally {
      await release?.();
      await t.app.dispose().catch(() => {});
    }
  },
});
