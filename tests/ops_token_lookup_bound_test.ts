/**
 * While the database path is cut (packets dropped: connections open and queries never answer),
 * a token verified moments ago answers OFREP from memory instead of waiting for the database
 * (lib/auth/service.ts bounds the token lookup once the instance knows the database is failing;
 * how long that wait is, and that memory is not asked before it is over, is tested on a manual
 * timer in tests/auth_token_lookup_wait_test.ts); a token revoked before the outage is still
 * refused; after the
 * outage the lookup goes to the database again. A database that is merely slow (a lock) is
 * waited for, and a token revoked there is refused even though memory still holds it.
 */
import assert from "node:assert/strict";
import { bundledMigrationsDir, migrate, openPostgres, readMigrations } from "../lib/db/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { uniqueName } from "./helpers/db.ts";
import { holdTableLock } from "./helpers/db_bounds.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";

/**
 * A TCP proxy in front of Postgres that can "cut the path": while cut it keeps every
 * connection open but passes nothing on in either direction, and new connections are accepted
 * and never answered (a firewall dropping packets, not a refused connection).
 */
function blackholeProxy(target: { hostname: string; port: number }) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;
  let resume: (() => void) | undefined;
  let resumed = Promise.resolve();
  async function pipe(from: Deno.Conn, to: Deno.Conn) {
    const writer = to.writable.getWriter();
    try {
      for await (const chunk of from.readable) {
        while (cut) await resumed;
        await writer.write(chunk);
      }
    } catch {
      // closed
    } finally {
      writer.releaseLock();
      for (const conn of [from, to]) {
        open.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
      }
    }
  }
  (async () => {
    for await (const client of listener) {
      open.add(client);
      void (async () => {
        while (cut) await resumed;
        try {
          const server = await Deno.connect(target);
          open.add(server);
          void pipe(client, server);
          void pipe(server, client);
        } catch {
          client.close();
        }
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut() {
      cut = true;
      resumed = new Promise((r) => resume = r);
    },
    restore() {
      cut = false;
      resume?.();
    },
    close() {
      this.restore();
      listener.close();
      for (const conn of [...open]) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
    },
  };
}

const ofrep = (app: TestApp, token: string, signal?: AbortSignal) =>
  app.request(`/ofrep/v1/evaluate/flags/ops.lookup`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey: "user-1" } }),
    signal,
  });

/**
 * The status, or "pending" when it did not answer within `ms`: a liveness bound (a lookup held
 * by the cut path never answers), not a measure of speed.
 */
async function timed(work: Promise<Response>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    work.then(async (r) => {
      await r.body?.cancel();
      return r.status;
    }),
    new Promise<"pending">((r) => timer = setTimeout(() => r("pending"), ms)),
  ]);
  clearTimeout(timer);
  return { status: result };
}

Deno.test({
  name:
    "[postgres] with the database path cut, OFREP answers a recently verified token from memory; a revoked one is refused",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const url = new URL(TEST_DATABASE_URL!);
    const proxy = blackholeProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
    const schema = uniqueName("ops_lookup");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const proxied = new URL(TEST_DATABASE_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const db = openPostgres(proxied.href, { schema, max: 4 });
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    const app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    const pending: Promise<unknown>[] = [];
    try {
      await app.services.flags.set("ops.lookup", { enabled: true }, {
        actor: { type: "system" },
      });
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      const { token: revokedRow, secret: revoked } = await app.services.auth.createToken(
        { name: "to revoke", scopes: ["flags:evaluate"], expiresAt: null },
        { type: "system" },
      );
      for (const secret of [token, revoked]) {
        assert.equal((await timed(ofrep(app, secret), 30_000)).status, 200, "verified once");
      }
      await app.services.auth.revokeToken(revokedRow.id, { type: "system" });

      proxy.cut();
      // The instance learns that the database is failing from its governance re-reads (it fails
      // closed to STANDBY within a few seconds); only then is memory trusted before the database.
      const cutAt = performance.now();
      while (app.services.mode.state().source !== "fail-closed") {
        assert.ok(performance.now() - cutAt < 30_000, "the mode service fails closed");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Every query is held by the cut path, so a 200 can only come from memory.
      for (let i = 0; i < 5; i++) {
        const answer = await timed(ofrep(app, token), 30_000);
        assert.equal(answer.status, 200, `call ${i}: ${JSON.stringify(answer)}`);
      }
      // The revoked token is not in memory: it waits for the database, and is never let in.
      const controller = new AbortController();
      const refused = ofrep(app, revoked, controller.signal);
      pending.push(refused.catch(() => {}));
      const early = await timed(refused, 1500);
      assert.notEqual(early.status, 200, "a revoked token is not answered from memory");

      proxy.restore();
      const late = await timed(refused, 30_000);
      assert.equal(late.status, 401, "the database refuses it once it answers");
      assert.equal((await timed(ofrep(app, token), 30_000)).status, 200);
    } finally {
      // The app (and its pool) goes first: a pool reconnecting to a closed proxy is refused.
      proxy.restore();
      await Promise.all(pending);
      await app.dispose().catch(() => {});
      proxy.close();
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  },
});

Deno.test({
  name:
    "[postgres] a slow database (a lock on api_tokens) is waited for: a token revoked there is refused though memory holds it",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const schema = uniqueName("ops_lookup_slow");
    const admin = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    await admin.exec(`CREATE SCHEMA ${schema}`);
    const db = openPostgres(TEST_DATABASE_URL!, { schema, max: 4 });
    await migrate(db, await readMigrations(bundledMigrationsDir()));
    const app = await buildTestApp({
      testDb: { db, cleanup: () => db.close() },
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    const locker = openPostgres(TEST_DATABASE_URL!, { schema, max: 1 });
    try {
      await app.services.flags.set("ops.lookup", { enabled: true }, {
        actor: { type: "system" },
      });
      const { token, secret } = await app.services.auth.createToken(
        { name: "revoked unannounced", scopes: ["flags:evaluate"], expiresAt: null },
        { type: "system" },
      );
      assert.equal((await timed(ofrep(app, secret), 30_000)).status, 200, "verified once");
      // Revoked where no instance hears of it (SQL, or the CLI without Redis), then the table
      // is held for 1.5 s: the lookup is slow, but the database answers and decides.
      await admin.exec(
        `UPDATE ${schema}.api_tokens SET revoked_at = now() WHERE id = '${token.id}'`,
      );
      const release = await holdTableLock(locker, `${schema}.api_tokens`);
      const answering = timed(ofrep(app, secret), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await release();
      const answer = await answering;
      assert.equal(answer.status, 401, JSON.stringify(answer));
    } finally {
      await locker.close();
      await app.dispose().catch(() => {});
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    }
  },
});
