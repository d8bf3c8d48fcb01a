/**
 * The read-once store of a new token's secret (lib/auth/reveal_once.ts) tells "not there" (shown
 * already, expired, another session) from "could not be read" (Redis ran GETDEL but its answer
 * was lost, or did not answer in time), and /admin/tokens?created=<id> says which: after a
 * failure it does not claim the secret was shown, says it may be lost, and offers to revoke the
 * token and create another on that page. Real Redis, behind a proxy that drops the reply.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { createRevealOnce, RevealReadError } from "../lib/auth/reveal_once.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false, ignore: !hasRedis() };

function redisTarget() {
  const url = new URL(TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  return { hostname: url.hostname, port: Number(url.port || 6379) };
}

Deno.test({
  name: "the reveal store: a GETDEL whose answer is lost is an error, not 'not there'",
  ...opts,
  async fn() {
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const redis = await openRedis(`redis://127.0.0.1:${proxy.port}`, memoryLogger());
    const prefix = `test-reveal-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const reveal = createRevealOnce({ clock: manualClock(), redis, prefix });
      assert.equal(await reveal.put("session-a", "token-1", "rfg_secret_value"), true);
      const dropped = proxy.dropNextReplyTo("GETDEL");
      await assert.rejects(reveal.take("session-a", "token-1"), RevealReadError);
      await dropped;
      // The command ran: the secret is gone; once the client is back, what is not there is said
      // to be not there (an error meanwhile, while it reconnects).
      await until(() => redis.client.isReady, "the client reconnected");
      assert.equal(await reveal.take("session-a", "token-1"), undefined);
    } finally {
      await redis.close();
      proxy.stop();
    }
  },
});

Deno.test({
  name:
    "/admin/tokens?created=<id>: a secret that could not be read is not said to have been shown; revoke and create are offered",
  ...opts,
  async fn() {
    const proxy = tcpProxy(redisTarget());
    proxy.start();
    const redis = await openRedis(`redis://127.0.0.1:${proxy.port}`, memoryLogger());
    const app = await buildTestApp({
      env: {
        RATE_LIMIT_PER_MIN: "0",
        EVENT_STREAM_KEY: `test-reveal-${crypto.randomUUID().slice(0, 8)}`,
      },
      redis,
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      const posted = await app.request("/admin/tokens", {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams([
          ["csrf_token", admin.csrfToken],
          ["name", "exporter"],
          ["scopes", "flags:evaluate"],
        ]).toString(),
        redirect: "manual",
      });
      assert.equal(posted.status, 303);
      await posted.body?.cancel();
      const location = posted.headers.get("location")!;
      const id = new URL(location, "http://localhost").searchParams.get("created")!;

      const dropped = proxy.dropNextReplyTo("GETDEL");
      const response = await app.request(location, { headers: { cookie: admin.cookie } });
      await dropped;
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.doesNotMatch(html, /was shown once/, "it was never shown");
      assert.match(html, /data-testid="token-unreadable"/);
      assert.match(html, /could not be read/);
      assert.match(html, /may be lost/);
      // Revoke, on this page: a working form for this token, with the CSRF token.
      const notice = html.slice(html.indexOf('data-testid="token-unreadable"'));
      const block = notice.slice(0, notice.indexOf("</div>"));
      assert.match(block, new RegExp(`<form method="post" action="/admin/tokens/${id}/revoke"`));
      assert.match(block, new RegExp(`name="csrf_token" value="${admin.csrfToken}"`));
      // Create another: a link to the create form, which is on the page.
      const link = block.match(/<a href="#([a-z-]+)"/)?.[1];
      assert.ok(link, "a link to the create form");
      assert.match(html, new RegExp(`<h2 id="${link}">Create a token</h2>`));

      const revoked = await app.request(`/admin/tokens/${id}/revoke`, {
        method: "POST",
        headers: {
          cookie: admin.cookie,
          origin: "http://localhost",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams([["csrf_token", admin.csrfToken]]).toString(),
        redirect: "manual",
      });
      assert.equal(revoked.status, 303);
      await revoked.body?.cancel();
      const [token] = (await app.services.auth.listTokens()).filter((t) => t.id === id);
      assert.ok(token?.revokedAt, "revoked from that page");
    } finally {
      await app.dispose();
      await redis.close();
      proxy.stop();
    }
  },
});
