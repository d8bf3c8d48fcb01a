/**
 * Guessing METRICS_TOKEN: refused scrapes of `GET /metrics` have a budget per
 * client and minute (successful scrapes are never counted), and the token
 * itself must be long.
 */
import assert from "node:assert/strict";
import { METRICS_REFUSALS_PER_MINUTE } from "../lib/auth/middleware.ts";
import { manualClock } from "../lib/clock.ts";
import { ConfigError } from "../lib/config.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const TOKEN = "metrics-scrape-secret-0123456789-abcdef";

/** A scrape as if it arrived from `ip` over a real socket, with `bearer` when given. */
async function scrape(app: TestApp, ip: string, bearer?: string): Promise<Response> {
  const headers: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  return await app.app.request("/metrics", { headers }, {
    remoteAddr: { hostname: ip, port: 40000, transport: "tcp" },
  });
}

async function scrapeStatus(app: TestApp, ip: string, bearer?: string): Promise<number> {
  const response = await scrape(app, ip, bearer);
  await response.body?.cancel();
  return response.status;
}

Deno.test({
  name:
    "GET /metrics: after the budget of refused scrapes a client gets 429 RATE_LIMITED, even with the right token, until the next minute",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    // RATE_LIMIT_PER_MIN=0 turns off the request budget; the budget for refused scrapes stays.
    const app = await buildTestApp({
      clock,
      env: { METRICS_TOKEN: TOKEN, RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      for (let i = 0; i < METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(
          await scrapeStatus(app, "198.51.100.7", `wrong-guess-${i}`),
          403,
          `guess ${i}`,
        );
      }
      clock.advance(15_000);
      const limited = await scrape(app, "198.51.100.7", TOKEN);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("content-type"), "application/problem+json");
      assert.equal(limited.headers.get("retry-after"), "45");
      const body = await json(limited);
      assert.equal(body.code, "RATE_LIMITED");
      assert.ok(!JSON.stringify(body).includes(TOKEN));
      assert.equal(await scrapeStatus(app, "198.51.100.7", "another-guess"), 429);
      // Another client is not affected.
      assert.equal(await scrapeStatus(app, "198.51.100.8", TOKEN), 200);
      // The next window opens the door again.
      clock.advance(45_000);
      assert.equal(await scrapeStatus(app, "198.51.100.7", TOKEN), 200);
      assert.equal(await scrapeStatus(app, "198.51.100.7", "wrong-again"), 403);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "GET /metrics: successful scrapes are never counted against the budget of refused ones",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const app = await buildTestApp({
      clock,
      env: { METRICS_TOKEN: TOKEN, RATE_LIMIT_PER_MIN: "5" },
    });
    try {
      for (let i = 0; i < METRICS_REFUSALS_PER_MINUTE - 1; i++) {
        assert.equal(await scrapeStatus(app, "198.51.100.7", `wrong-guess-${i}`), 403);
      }
      // Far more than RATE_LIMIT_PER_MIN and the refusal budget: all answered.
      for (let i = 0; i < 3 * METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(await scrapeStatus(app, "198.51.100.7", TOKEN), 200, `scrape ${i}`);
      }
      assert.equal(await scrapeStatus(app, "198.51.100.7", "last-guess"), 403);
      assert.equal(await scrapeStatus(app, "198.51.100.7", TOKEN), 429);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "GET /metrics: simultaneous guesses cannot overrun the budget of refused scrapes",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const app = await buildTestApp({ clock, env: { METRICS_TOKEN: TOKEN } });
    try {
      const statuses = await Promise.all(
        Array.from(
          { length: 3 * METRICS_REFUSALS_PER_MINUTE },
          (_, i) => scrapeStatus(app, "198.51.100.7", `guess-${i}`),
        ),
      );
      assert.equal(statuses.filter((s) => s === 403).length, METRICS_REFUSALS_PER_MINUTE);
      assert.equal(statuses.filter((s) => s === 429).length, 2 * METRICS_REFUSALS_PER_MINUTE);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /metrics: requests without a credential from outside METRICS_ALLOW_IPS count as refused",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const app = await buildTestApp({ clock, env: { METRICS_ALLOW_IPS: "10.0.0.0/8" } });
    try {
      for (let i = 0; i < METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(await scrapeStatus(app, "198.51.100.7"), 401);
      }
      assert.equal(await scrapeStatus(app, "198.51.100.7"), 429);
      for (let i = 0; i < 2 * METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(await scrapeStatus(app, "10.1.2.3"), 200);
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "a METRICS_TOKEN shorter than 32 characters stops the start naming the variable",
  ...opts,
  async fn() {
    await assert.rejects(
      () => buildTestApp({ env: { METRICS_TOKEN: "zzc" } }),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === "METRICS_TOKEN" &&
        error.message === "Invalid configuration: METRICS_TOKEN must be at least 32 characters",
    );
  },
});
