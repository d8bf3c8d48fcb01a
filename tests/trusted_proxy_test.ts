/**
 * X-Forwarded-For through the whole app with TRUST_PROXY on and TRUSTED_PROXY_IPS set: a peer
 * that reaches the pods directly (the NetworkPolicy admits the monitoring namespace and client
 * pods beside the ingress) cannot name its own address, so it cannot enter METRICS_ALLOW_IPS or
 * dodge the per-address sign-in lock-out and refused-scrape budget by rotating the header. From
 * the ingress controller the header is still the client's address.
 */
import assert from "node:assert/strict";
import { METRICS_REFUSALS_PER_MINUTE } from "../lib/auth/middleware.ts";
import { IP_POLICY } from "../lib/auth/throttle.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The ingress controller's pod range, one of its pods, and a pod let in past it. */
const PROXY_ENV = { TRUST_PROXY: "true", TRUSTED_PROXY_IPS: "10.0.0.0/24, fd00:10::/64" };
const INGRESS = "10.0.0.3";
const DIRECT = "10.9.0.7";

/** A request as if it arrived over a socket from `peer`, with `X-Forwarded-For` when given. */
async function from(
  app: TestApp,
  peer: string,
  path: string,
  init: RequestInit & { forwardedFor?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.forwardedFor !== undefined) headers.set("x-forwarded-for", init.forwardedFor);
  return await app.app.request(path, { ...init, headers }, {
    remoteAddr: { hostname: peer, port: 40000, transport: "tcp" },
  });
}

async function status(response: Response): Promise<number> {
  await response.body?.cancel();
  return response.status;
}

function wrongSignIn(app: TestApp, peer: string, i: number, forwardedFor?: string) {
  return from(app, peer, "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `nobody-${i}@example.org`, password: "a wrong password" }),
    ...(forwardedFor !== undefined ? { forwardedFor } : {}),
  });
}

Deno.test({
  name:
    "GET /metrics: an X-Forwarded-For naming an allow-listed scraper counts only from a trusted proxy",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { ...PROXY_ENV, METRICS_ALLOW_IPS: "10.9.9.9" } });
    try {
      assert.equal(await status(await from(app, DIRECT, "/metrics")), 401);
      const spoofed = await from(app, DIRECT, "/metrics", { forwardedFor: "10.9.9.9" });
      assert.equal(spoofed.status, 401, "the header of a peer that is no proxy is ignored");
      assert.equal((await json(spoofed)).code, "UNAUTHENTICATED");
      // IPv6 and IPv4-mapped peers outside the list are no proxies either.
      for (const peer of ["2001:db8::7", "::ffff:10.9.0.7"]) {
        assert.equal(
          await status(await from(app, peer, "/metrics", { forwardedFor: "10.9.9.9" })),
          401,
        );
      }
      // The scraper itself, and the ingress forwarding it (as an IPv4-mapped or IPv6 peer too).
      assert.equal(await status(await from(app, "10.9.9.9", "/metrics")), 200);
      for (const proxy of [INGRESS, "::ffff:10.0.0.3", "fd00:10::3"]) {
        assert.equal(
          await status(await from(app, proxy, "/metrics", { forwardedFor: "10.9.9.9" })),
          200,
          proxy,
        );
      }
      // Through the ingress, what the client wrote left of its own address is not read.
      const prefixed = await from(app, INGRESS, "/metrics", {
        forwardedFor: "10.9.9.9, 198.51.100.7",
      });
      assert.equal(await status(prefixed), 401);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "sign-in: rotating X-Forwarded-For from a peer that is no proxy does not dodge the address lock-out",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 5, 1));
    const app = await buildTestApp({ clock, env: PROXY_ENV });
    try {
      for (let i = 1; i <= IP_POLICY.threshold; i++) {
        assert.equal(
          await status(await wrongSignIn(app, DIRECT, i, `203.0.113.${i}`)),
          401,
          `#${i}`,
        );
      }
      const locked = await wrongSignIn(app, DIRECT, 21, "203.0.113.21");
      assert.equal(locked.status, 429, "the 21st attempt meets the lock of the peer's address");
      assert.equal((await json(locked)).code, "RATE_LIMITED");
      assert.equal(await status(await wrongSignIn(app, DIRECT, 22, "203.0.113.22")), 429);
      // Through the ingress each client has its own budget: the header is read there.
      for (let i = 1; i <= IP_POLICY.threshold + 2; i++) {
        assert.equal(
          await status(await wrongSignIn(app, INGRESS, 100 + i, `198.51.100.${i}`)),
          401,
          `client ${i} behind the ingress`,
        );
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "GET /metrics: rotating X-Forwarded-For from a peer that is no proxy does not reset the refused-scrape budget",
  ...opts,
  async fn() {
    const clock = manualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const app = await buildTestApp({
      clock,
      env: { ...PROXY_ENV, METRICS_TOKEN: "metrics-scrape-secret-0123456789-abcdef" },
    });
    try {
      const guess = (i: number) =>
        from(app, DIRECT, "/metrics", {
          headers: { authorization: `Bearer wrong-guess-${i}` },
          forwardedFor: `203.0.113.${i}`,
        });
      for (let i = 1; i <= METRICS_REFUSALS_PER_MINUTE; i++) {
        assert.equal(await status(await guess(i)), 403, `guess ${i}`);
      }
      assert.equal(await status(await guess(METRICS_REFUSALS_PER_MINUTE + 1)), 429);
    } finally {
      await app.dispose();
    }
  },
});
