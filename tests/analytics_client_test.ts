/**
 * The browser analytics client (lib/web/client/analytics.ts) against the real
 * server over HTTP: batching, allowlists, silence after 403, backoff on
 * 503/429 with Retry-After, and the keepalive delivery on page exit. Timers
 * are a manual scheduler, so nothing sleeps.
 */
import assert from "node:assert/strict";
import {
  type ClientPlatform,
  createAnalyticsClient,
  type Delivery,
} from "../lib/web/client/analytics.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { serve } from "./helpers/browser.ts";
import { grantAnalytics } from "./helpers/analytics.ts";

interface Harness {
  platform: Partial<ClientPlatform>;
  timers: Map<number, { fn: () => void; ms: number }>;
  deliveries: { status: number; keepalive: boolean; events: number }[];
  /** Runs the earliest timer and waits for the delivery it starts. */
  fire(): Promise<number>;
  settle(): Promise<void>;
}

function harness(url: string, session: Session): Harness {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  const deliveries: Harness["deliveries"] = [];
  const inFlight = new Set<Promise<unknown>>();
  let nextTimer = 1;
  const settle = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    // Let the client's continuation after the delivery run.
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return {
    timers,
    deliveries,
    settle,
    platform: {
      send(body, headers, keepalive): Promise<Delivery> {
        const p = (async () => {
          const response = await fetch(`${url}/api/analytics/events`, {
            method: "POST",
            headers: { ...headers, cookie: session.cookie },
            body,
          });
          await response.body?.cancel();
          const retry = Number(response.headers.get("retry-after"));
          deliveries.push({
            status: response.status,
            keepalive,
            events: (JSON.parse(body) as { events: unknown[] }).events.length,
          });
          return { status: response.status, retryAfter: retry > 0 ? retry : undefined };
        })();
        inFlight.add(p);
        p.finally(() => inFlight.delete(p));
        return p;
      },
      setTimer(fn, ms) {
        const id = nextTimer++;
        timers.set(id, { fn, ms });
        return id;
      },
      clearTimer(id) {
        timers.delete(id as number);
      },
      random: () => 0.5,
    },
    async fire() {
      const [id, timer] = [...timers.entries()][0]!;
      timers.delete(id);
      timer.fn();
      await settle();
      return timer.ms;
    },
  };
}

async function stored(app: TestApp, userId: string) {
  return await app.db.query<{ event_name: string; properties: Record<string, unknown> }>(
    "SELECT event_name, properties FROM analytics_events WHERE user_id = $1 ORDER BY client_ts",
    [userId],
  );
}

Deno.test({
  name: "analytics client against the real server",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await buildTestApp();
    const server = serve(app);
    try {
      await t.step(
        "events wait for the 5 s timer, then go in one batch with allowlisted keys only",
        async () => {
          const session = await signInAs(app, "RESEARCHER");
          await grantAnalytics(app, session);
          const h = harness(server.url, session);
          const client = createAnalyticsClient({
            csrfToken: session.csrfToken,
            platform: h.platform,
          });
          client.track("ui.page_view", { page: "home", email: "x@example.org", nested: { a: 1 } });
          client.track("ui.typed_text", { page: "home" });
          // Only the server records an exposure: the client does not send one to be refused.
          client.track("experiment.assigned", { experiment_key: "exp1", variant: "a" });
          client.track("ui.button_click", { button: "save", duration_ms: 12 }, "study-1");
          assert.equal(client.queued, 2);
          assert.equal(h.deliveries.length, 0);
          assert.equal(await h.fire(), 5000);
          assert.deepEqual(h.deliveries, [{ status: 200, keepalive: false, events: 2 }]);
          const rows = await stored(app, session.user.id);
          assert.deepEqual(rows.map((r) => [r.event_name, r.properties]), [
            ["ui.page_view", { page: "home" }],
            ["ui.button_click", { button: "save", duration_ms: 12 }],
          ]);
          assert.equal(client.queued, 0);
        },
      );

      await t.step("20 queued events flush at once", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await grantAnalytics(app, session);
        const h = harness(server.url, session);
        const client = createAnalyticsClient({
          csrfToken: session.csrfToken,
          platform: h.platform,
        });
        for (let i = 0; i < 20; i++) client.track("ui.button_click", { count: i });
        await h.settle();
        assert.deepEqual(h.deliveries, [{ status: 200, keepalive: false, events: 20 }]);
        assert.equal((await stored(app, session.user.id)).length, 20);
      });

      await t.step(
        "403 (no consent) drops the queue and silences the client for good",
        async () => {
          const session = await signInAs(app, "RESEARCHER");
          const h = harness(server.url, session);
          const client = createAnalyticsClient({
            csrfToken: session.csrfToken,
            platform: h.platform,
          });
          client.track("ui.page_view", { page: "home" });
          await h.fire();
          assert.deepEqual(h.deliveries.map((d) => d.status), [403]);
          assert.equal(client.enabled, false);
          client.track("ui.page_view", { page: "home" });
          assert.equal(client.queued, 0);
          assert.equal(h.timers.size, 0);
          client.flushOnExit();
          await h.settle();
          assert.equal(h.deliveries.length, 1, "nothing more is sent");
        },
      );

      await t.step(
        "503 in STANDBY is retried after Retry-After, and delivered once the mode allows",
        async () => {
          const session = await signInAs(app, "RESEARCHER");
          await grantAnalytics(app, session);
          const h = harness(server.url, session);
          const client = createAnalyticsClient({
            csrfToken: session.csrfToken,
            platform: h.platform,
          });
          await app.services.mode.setMode("STANDBY", { type: "system" });
          try {
            client.track("ui.page_view", { page: "home" });
            await h.fire();
            assert.deepEqual(h.deliveries.map((d) => d.status), [503]);
            assert.equal(client.queued, 1, "kept for the retry");
            const [retry] = [...h.timers.values()];
            assert.equal(retry!.ms, 60_000, "Retry-After: 60 wins over the 1 s backoff");
          } finally {
            await app.services.mode.setMode("DEMO", { type: "system" });
          }
          await h.fire();
          assert.deepEqual(h.deliveries.map((d) => d.status), [503, 200]);
          assert.equal((await stored(app, session.user.id)).length, 1);
        },
      );

      await t.step("pagehide sends what is queued with keepalive requests", async () => {
        const session = await signInAs(app, "RESEARCHER");
        await grantAnalytics(app, session);
        const h = harness(server.url, session);
        const client = createAnalyticsClient({
          csrfToken: session.csrfToken,
          platform: h.platform,
        });
        for (let i = 0; i < 5; i++) client.track("ui.page_view", { page: "audit" });
        client.flushOnExit();
        await h.settle();
        assert.deepEqual(h.deliveries, [{ status: 200, keepalive: true, events: 5 }]);
        assert.equal(h.timers.size, 0);
        assert.equal((await stored(app, session.user.id)).length, 5);
      });
    } finally {
      await server.close();
      await app.dispose();
    }
  },
});

Deno.test({
  name: "analytics client backs off exponentially on 429 and gives a batch up after its attempts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // One second before the rate window ends: Retry-After is 1 s, so the backoff shows.
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 59));
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "2" }, clock });
    const server = serve(app);
    try {
      const session = await signInAs(app, "RESEARCHER");
      await grantAnalytics(app, session); // the user's 1st request in the window
      const h = harness(server.url, session);
      const client = createAnalyticsClient({
        csrfToken: session.csrfToken,
        platform: h.platform,
        maxAttempts: 3,
      });
      client.track("ui.page_view", { page: "home" });
      await h.fire(); // 2nd: allowed
      client.track("ui.page_view", { page: "home" });
      await h.fire(); // 3rd: 429, Retry-After 1
      assert.deepEqual(h.deliveries.map((d) => d.status), [200, 429]);
      const delays = [[...h.timers.values()][0]!.ms];
      await h.fire(); // 429 again
      delays.push([...h.timers.values()][0]!.ms);
      await h.fire(); // 3rd failed attempt: the batch is given up
      assert.deepEqual(h.deliveries.map((d) => d.status), [200, 429, 429, 429]);
      // random() = 0.5 → 75% of 1 s, 2 s: the first is raised to Retry-After (1 s).
      assert.deepEqual(delays, [1000, 1500]);
      assert.equal(client.queued, 0, "given up after 3 attempts");
      assert.equal(h.timers.size, 0);
      assert.equal(client.enabled, true, "429 is not a refusal: the client keeps working");
    } finally {
      await server.close();
      await app.dispose();
    }
  },
});
