/**
 * A token lookup that answered is not held up by the "last used" write (lib/auth/service.ts):
 * with writes to api_tokens blocked by a lock (reads still answer), a token-authenticated call
 * answers at once, and the write lands once the lock goes. With a healthy database the write is
 * recorded as before.
 */
import assert from "node:assert/strict";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { uniqueName } from "./helpers/db.ts";
import { holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

const ofrep = (app: TestApp, token: string) =>
  app.request(`/ofrep/v1/evaluate/flags/touch.bound`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey: "user-1" } }),
  });

/** The status and how long it took, or "pending" when it did not answer within `ms`. */
async function timed(work: Promise<Response>, ms: number) {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    work.then(async (r) => {
      await r.body?.cancel();
      return r.status;
    }),
    new Promise<"pending">((r) => timer = setTimeout(() => r("pending"), ms)),
  ]);
  clearTimeout(timer);
  return { status: result, ms: performance.now() - started };
}

async function lastUsed(admin: ReturnType<typeof openPostgres>, schema: string, id: string) {
  const [row] = await admin.query<{ last_used_at: Date | null }>(
    `SELECT last_used_at FROM ${schema}.api_tokens WHERE id = $1`,
    [id],
  );
  return row?.last_used_at ?? null;
}

async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const started = performance.now();
  while (!await check()) {
    assert.ok(performance.now() - started < ms, what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name:
    "[postgres] with writes to api_tokens locked, a token call answers within 1 s and last_used_at is written after the lock goes",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const schema = uniqueName("touch_bound");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const db = openPostgres(TEST_DATABASE_URL!, { schema, max: 4 });
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    const app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    const locker = openPostgres(TEST_DATABASE_URL!, { schema, max: 1 });
    let release: (() => Promise<void>) | undefined;
    try {
      await app.services.flags.set("touch.bound", { enabled: true }, {
        actor: { type: "system" },
      });
      const { token, secret } = await app.services.auth.createToken(
        { name: "touch bound", scopes: ["flags:evaluate"], expiresAt: null },
        { type: "system" },
      );
      assert.equal(await lastUsed(admin, schema, token.id), null);
      // EXCLUSIVE: the lookup (a read) answers, the UPDATE of last_used_at waits.
      release = await holdTableLock(locker, `${schema}.api_tokens`, "EXCLUSIVE");
      for (let i = 0; i < 3; i++) {
        const answer = await timed(ofrep(app, secret), 5000);
        assert.equal(answer.status, 200, `call ${i}: ${JSON.stringify(answer)}`);
        assert.ok(answer.ms < 1000, `call ${i} answered in ${Math.round(answer.ms)} ms`);
      }
      assert.equal(await lastUsed(admin, schema, token.id), null, "blocked while locked");
      await release();
      release = undefined;
      await until(
        async () => await lastUsed(admin, schema, token.id) !== null,
        5000,
        "last_used_at is written once the lock goes",
      );
    } finally {
      await release?.();
      await locker.close();
      await app.dispose().catch(() => {});
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  },
});

Deno.test({
  name: "[postgres] with a healthy database a token call records last_used_at",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const schema = uniqueName("touch_ok");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const db = openPostgres(TEST_DATABASE_URL!, { schema, max: 4 });
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    const app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      await app.services.flags.set("touch.bound", { enabled: true }, {
        actor: { type: "system" },
      });
      const { token, secret } = await app.services.auth.createToken(
        { name: "touch ok", scopes: ["flags:evaluate"], expiresAt: null },
        { type: "system" },
      );
      const before = Date.now();
      assert.equal((await timed(ofrep(app, secret), 5000)).status, 200);
      await until(
        async () => ((await lastUsed(admin, schema, token.id))?.getTime() ?? 0) >= before - 1000,
        2000,
        "last_used_at is recorded",
      );
    } finally {
      await app.dispose().catch(() => {});
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  },
});
