/**
 * After a database outage long enough for many failed connection attempts, the pool connects
 * again once the database is back: postgres.js's own backoff grows to 10-20 s between attempts,
 * which held every request (and the token lookups) that long after the database was back
 * (lib/db/postgres.ts caps it at 2 s). The cap is asserted on the backoff function itself, not
 * by timing the reconnection.
 */
import assert from "node:assert/strict";
import { openPostgres } from "../lib/db/mod.ts";
import { reconnectBackoffSeconds } from "../lib/db/postgres.ts";
import { hasPostgres, TEST_DATABASE_URL } from "./helpers/env.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

Deno.test({
  name: "[postgres] the pool reconnects after a long outage; its backoff never exceeds 2 s",
  ignore: !hasPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const url = new URL(TEST_DATABASE_URL!);
    const proxy = tcpProxy({ hostname: url.hostname, port: Number(url.port || 5432) });
    proxy.start();
    const proxied = new URL(TEST_DATABASE_URL!);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    const db = openPostgres(proxied.href, { max: 1, connectTimeoutSeconds: 1 });
    try {
      await db.query("SELECT 1");
      proxy.stop();
      // Clients keep asking through the outage (each attempt fails and grows the backoff).
      const outageEnds = Date.now() + 12_000;
      while (Date.now() < outageEnds) {
        await Promise.race([
          db.query("SELECT 1").catch(() => {}),
          new Promise((r) => setTimeout(r, 1000)),
        ]);
      }
      proxy.start();
      const back = Date.now();
      let answered = false;
      while (!answered && Date.now() - back < 15_000) {
        answered = await Promise.race([
          db.query("SELECT 1").then(() => true, () => false),
          new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
        ]);
        if (!answered) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(answered, true, "the pool answers again once the database is back");
      // However many attempts failed (the 12 s outage makes a dozen), the next waits at most 2 s.
      for (let retries = 0; retries <= 50; retries++) {
        const seconds = reconnectBackoffSeconds(retries);
        assert.ok(seconds > 0 && seconds <= 2, `after ${retries} failures: ${seconds} s`);
      }
    } finally {
      proxy.stop();
      await db.close().catch(() => {});
    }
  },
});
