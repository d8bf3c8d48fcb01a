/**
 * /admin/tokens creates a token with POST, redirect, GET: reloading the page after creating one
 * neither creates a second live token nor shows the secret again, and no other session ever sees
 * it. The secret waits in a read-once store keyed and encrypted by the session's secret, in
 * memory or (with REDIS_URL) in Redis, so the GET after the redirect may reach any instance.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { openRedis } from "../lib/redis/client.ts";
import { createRevealOnce, REVEAL_TTL_MS } from "../lib/auth/reveal_once.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";

function createForm(app: TestApp, session: Session, name: string) {
  return app.request("/admin/tokens", {
    method: "POST",
    headers: {
      cookie: session.cookie,
      origin: "http://localhost",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([
      ["csrf_token", session.csrfToken],
      ["name", name],
      ["scopes", "flags:evaluate"],
    ]).toString(),
    redirect: "manual",
  });
}

async function page(app: TestApp, session: Session, path: string): Promise<string> {
  const response = await app.request(path, { headers: { cookie: session.cookie } });
  assert.equal(response.status, 200, path);
  assert.match(response.headers.get("cache-control") ?? "", /no-store/);
  return await response.text();
}

const secretOf = (html: string) => html.match(/data-testid="new-token">(rfg_[^<]+)</)?.[1];

for (const withRedis of [false, true]) {
  Deno.test({
    name:
      `/admin/tokens: create, redirect, reload: one token, the secret shown on the first GET only${
        withRedis ? " (Redis)" : ""
      }`,
    ignore: withRedis && !hasRedis(),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const logger = memoryLogger();
      const redis = withRedis ? await openRedis(TEST_REDIS_URL!, logger) : undefined;
      const app = await buildTestApp({
        env: {
          RATE_LIMIT_PER_MIN: "0",
          EVENT_STREAM_KEY: `test-reveal-${crypto.randomUUID().slice(0, 8)}`,
        },
        ...(redis ? { redis } : {}),
      });
      try {
        const admin = await signInAs(app, "ADMIN");
        const other = await signInAs(app, "ADMIN");
        const posted = await createForm(app, admin, "exporter");
        assert.equal(posted.status, 303);
        const location = posted.headers.get("location") ?? "";
        assert.match(location, /^\/admin\/tokens\?created=[0-9a-f-]{36}$/);
        assert.ok(!location.includes("rfg_"), "the secret is never in the address");
        await posted.body?.cancel();

        // Another session opening the same address sees no secret, and takes nothing away.
        const elsewhere = await page(app, other, location);
        assert.equal(secretOf(elsewhere), undefined);
        assert.match(elsewhere, /data-testid="token-created"/);

        const first = await page(app, admin, location);
        const secret = secretOf(first);
        assert.ok(secret, "the secret on the first GET");
        assert.equal((await app.services.auth.authenticateToken(secret))?.name, "exporter");

        // The reload: the same GET, no second token, no secret.
        const reload = await page(app, admin, location);
        assert.equal(secretOf(reload), undefined);
        assert.ok(!reload.includes(secret), "the secret is not shown again");
        assert.match(reload, /cannot be shown again/);
        const tokens = await app.services.auth.listTokens();
        assert.equal(tokens.filter((t) => t.name === "exporter").length, 1);

        // Two tokens of one name are told apart in the list by their id.
        assert.equal((await createForm(app, admin, "exporter")).status, 303);
        const list = await page(app, admin, "/admin/tokens");
        const ids = [...list.matchAll(/data-testid="token-id">([0-9a-f]{8})</g)].map((m) => m[1]);
        assert.equal(ids.length, 2);
        assert.notEqual(ids[0], ids[1]);
      } finally {
        await app.dispose();
        await redis?.close();
      }
    },
  });
}

Deno.test("the reveal store: read once, only with the session's secret, gone after its time", async () => {
  const clock = manualClock();
  const reveal = createRevealOnce({ clock });
  assert.equal(await reveal.put("session-a", "token-1", "rfg_one"), true);
  assert.equal(await reveal.take("session-b", "token-1"), undefined, "another session");
  assert.equal(await reveal.take("session-a", "token-2"), undefined, "another token");
  assert.equal(await reveal.take("session-a", "token-1"), "rfg_one");
  assert.equal(await reveal.take("session-a", "token-1"), undefined, "read once");

  await reveal.put("session-a", "token-3", "rfg_three");
  clock.advance(REVEAL_TTL_MS);
  assert.equal(await reveal.take("session-a", "token-3"), undefined, "expired");
});

Deno.test({
  name: "the reveal store in Redis holds neither the secret nor the session's in clear",
  ignore: !hasRedis(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await openRedis(TEST_REDIS_URL!, memoryLogger());
    const prefix = `test-reveal-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const reveal = createRevealOnce({ clock: manualClock(), redis, prefix });
      assert.equal(await reveal.put("session-secret-a", "token-1", "rfg_secret_value"), true);
      const keys = await redis.client.keys(`${prefix}:*`);
      assert.equal(keys.length, 1);
      assert.ok(!keys[0]!.includes("session-secret-a") && !keys[0]!.includes("token-1"));
      const stored = await redis.client.get(keys[0]!);
      assert.ok(stored && !stored.includes("rfg_secret_value"));
      const ttl = await redis.client.pTTL(keys[0]!);
      assert.ok(ttl > 0 && ttl <= REVEAL_TTL_MS);
      assert.equal(await reveal.take("session-secret-b", "token-1"), undefined);
      assert.equal(await reveal.take("session-secret-a", "token-1"), "rfg_secret_value");
      assert.deepEqual(await redis.client.keys(`${prefix}:*`), [], "taken means deleted");
    } finally {
      const left = await redis.client.keys(`${prefix}:*`);
      if (left.length > 0) await redis.client.del(left);
      await redis.close();
    }
  },
});
