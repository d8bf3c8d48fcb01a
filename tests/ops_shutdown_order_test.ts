/**
 * SIGTERM drains in-flight requests before it closes the event bus: a flag change that is
 * still running when the signal arrives commits and still publishes its event (other instances
 * and their open streams learn of it at once, not at their periodic refresh).
 */
import assert from "node:assert/strict";
import { openPostgres } from "../lib/db/mod.ts";
import { uniqueName } from "./helpers/db.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { spawnApp } from "./helpers/process.ts";

const ADMIN_EMAIL = "ops-shutdown@example.org";
const ADMIN_PASSWORD = "9vW!r2kQ#pL7mZ4xT1bN";

Deno.test({
  name: "[postgres] SIGTERM: a flag change in flight commits and still publishes its event",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = openPostgres(TEST_DATABASE_URL!, { max: 1 });
    const database = uniqueName("rf_ops_shutdown");
    await server.exec(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_DATABASE_URL!);
    url.pathname = `/${database}`;
    const app = spawnApp({
      DATABASE_URL: url.href,
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      RATE_LIMIT_PER_MIN: "0",
    });
    const blocker = openPostgres(url.href, { max: 1 });
    try {
      const base = await app.listening;
      const login = await fetch(`${base}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      const { csrfToken } = await login.json() as { csrfToken: string };
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;

      // Hold the flag table so the change waits inside its transaction (it takes a row lock).
      let release!: () => void;
      const released = new Promise<void>((r) => release = r);
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => locked = r);
      const holding = blocker.transaction(async (tx) => {
        await tx.query("LOCK TABLE feature_flags IN EXCLUSIVE MODE");
        locked();
        await released;
      });
      await isLocked;

      const change = fetch(`${base}/api/admin/feature-flags/ops.shutdown`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
        body: JSON.stringify({ enabled: true }),
      });
      // The request is waiting on the lock.
      const [waiting] = await (async () => {
        for (let i = 0; i < 100; i++) {
          const rows = await server.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND wait_event_type = 'Lock'`,
            [database],
          );
          if (rows[0]!.n > 0) return rows;
          await new Promise((r) => setTimeout(r, 20));
        }
        return [{ n: 0 }];
      })();
      assert.ok(waiting!.n > 0, "the flag change waits on the lock");

      app.child.kill("SIGTERM");
      // Long enough for every close step that does not wait for requests.
      await new Promise((r) => setTimeout(r, 700));
      release();
      await holding;

      const response = await change;
      assert.equal(response.status, 200, await response.text());
      const status = await app.status;
      assert.equal(status.code, 0);
      const messages = app.records.map((r) => String(r.msg));
      assert.ok(
        !messages.includes("flag change event not published"),
        `the event went out: ${messages.join(" | ")}`,
      );
      assert.equal(messages.at(-1), "stopped");
    } finally {
      if ((await Promise.race([app.status.then(() => true), Promise.resolve(false)])) === false) {
        try {
          app.child.kill("SIGKILL");
        } catch { /* already gone */ }
        await app.status.catch(() => {});
      }
      await blocker.close();
      await server.exec(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await server.close();
    }
  },
});
