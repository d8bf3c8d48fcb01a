/**
 * Sentry end to end against a real loopback HTTP server standing in for the
 * ingest endpoint: errors carrying canary PHI in their messages, URLs,
 * headers, cookies, bodies, breadcrumbs and scope data; the recorded
 * envelopes must hold none of it. PHI-bearing events are dropped; clean
 * events arrive with type, stack and route.
 */
import assert from "node:assert/strict";
import { DenoClient, getGlobalScope, Scope } from "@sentry/deno";
import { createStackParser, nodeStackLineParser } from "@sentry/core";
import { systemClock } from "../lib/clock.ts";
import { memoryLogger } from "../lib/log/mod.ts";
import { createOutboundGuard } from "../lib/net/mod.ts";
import { createSentryReporter, makeGuardedTransport } from "../lib/sentry/mod.ts";
import { type AppMetrics, createAppMetrics } from "../lib/telemetry/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { canaryValues, leakedCanaries, makeCanaries, phiMessages } from "./sentry_canaries.ts";
import { exceptionOf, startSentryStandIn } from "./sentry_helpers.ts";

const c = makeCanaries();
const messages = phiMessages(c);

async function dropped(metrics: AppMetrics, reason: string): Promise<number> {
  return await metrics.sentryDropped.value({ reason });
}

/** Routes that throw, added to a test app (they are caught by the real app.onError). */
function addThrowingRoutes(app: TestApp): void {
  app.app.post("/api/_test/boom/:id", async (c) => {
    await c.req.text();
    throw new TypeError("Cannot read properties of undefined (reading 'map')");
  });
  app.app.get("/api/_test/phi/:kind", (c) => {
    const kind = c.req.param("kind") as keyof typeof messages;
    throw new Error(messages[kind]);
  });
  app.app.get("/_test/props", () => {
    const error = new RangeError("Import batch rejected") as RangeError & Record<string, unknown>;
    error.patient = { email: c.email, ssn: c.ssn };
    error.response = { headers: { cookie: c.base64Ssn }, body: messages.name };
    throw error;
  });
}

/** Plants canaries in the SDK's process-global scope (which every event merges). */
function plantGlobalScope(): void {
  const scope = getGlobalScope();
  scope.setUser({ id: "u1", email: c.email, username: c.name, ip_address: "203.0.113.9" });
  scope.setExtra("body", { ssn: c.ssn, phone: c.phone });
  scope.setContext("patient", { mrn: c.mrn, note: messages.name });
  scope.setTag("patient", c.name);
  scope.addBreadcrumb({ category: "console", message: messages.email, level: "info" }, 10);
  scope.addBreadcrumb({
    category: "fetch",
    type: "http",
    data: { url: `https://api.example/records?ssn=${c.ssn}`, method: "GET" },
  }, 10);
  scope.setFingerprint([c.base64Ssn]);
}

Deno.test({
  name:
    "server errors reach the Sentry stand-in scrubbed: clean ones with type, stack and route; " +
    "PHI-bearing ones dropped; no canary in any envelope",
  async fn(t) {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    addThrowingRoutes(app);
    plantGlobalScope();
    try {
      assert.equal(app.services.errors.enabled, true);

      await t.step("a route error with PHI in URL, headers, cookies and body", async () => {
        const response = await app.request(
          `/api/_test/boom/${c.ssn}?email=${encodeURIComponent(c.email)}&mrn=${c.mrn}`,
          {
            method: "POST",
            headers: {
              accept: "application/json",
              "content-type": "application/json",
              cookie: `note=${c.base64Ssn}; other=${encodeURIComponent(c.phone)}`,
              "x-patient": c.name,
              "user-agent": `agent ${c.email}`,
            },
            body: JSON.stringify({ ...c, note: messages.name }),
          },
        );
        assert.equal(response.status, 500);
        assert.equal(response.headers.get("content-type"), "application/problem+json");
        const text = await response.text();
        const body = JSON.parse(text) as { code: string; requestId: string };
        assert.equal(body.code, "INTERNAL_ERROR");
        assert.ok(body.requestId);
        assert.ok(!text.includes("reading 'map'"), "the user never sees the error text");
        assert.deepEqual(leakedCanaries(c, text), []);

        assert.equal(await app.services.errors.flush(5000), true);
        const events = sentry.events();
        assert.equal(events.length, 1);
        const event = events[0]!;
        const exception = exceptionOf(event);
        assert.equal(exception.type, "TypeError");
        assert.equal(exception.value, "Cannot read properties of undefined (reading 'map')");
        const frames = exception.stacktrace!.frames;
        assert.ok(
          frames.some((f) => f.filename === "tests/sentry_test.ts" && f.in_app === true),
          "the throwing frame, relative to the project root",
        );
        assert.ok(frames.every((f) => !("vars" in f) && !("context_line" in f)));
        assert.deepEqual(event.tags, {
          source: "http",
          runtime: "server",
          route: "/api/_test/boom/:id",
          method: "POST",
          request_id: body.requestId,
          mode: "DEMO",
        });
        assert.equal(event.transaction, "POST /api/_test/boom/:id");
        assert.deepEqual(event.request, { method: "POST" });
        assert.equal(event.release, "researchflow-governance@test");
        assert.equal(event.environment, "development");
        for (const key of ["user", "extra", "contexts", "fingerprint", "server_name", "message"]) {
          assert.equal(key in event, false, `${key} is not sent`);
        }
        // Breadcrumbs keep category, level and time only.
        const crumbs = event.breadcrumbs as Array<Record<string, unknown>>;
        assert.deepEqual(crumbs.map((b) => Object.keys(b).sort()), [
          ["category", "level", "timestamp"],
          ["category", "level", "timestamp"],
        ]);
        assert.deepEqual(crumbs.map((b) => b.category), ["console", "fetch"]);
      });

      await t.step("an error with PHI in custom properties arrives without them", async () => {
        const response = await app.request("/_test/props", { headers: { accept: "text/html" } });
        assert.equal(response.status, 500);
        assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
        const page = await response.text();
        assert.match(page, /Something went wrong/);
        assert.ok(!page.includes("Import batch rejected"));
        assert.equal(await app.services.errors.flush(5000), true);
        const event = sentry.events().at(-1)!;
        assert.equal(exceptionOf(event).type, "RangeError");
        assert.equal(exceptionOf(event).value, "Import batch rejected");
        assert.equal((event.tags as Record<string, string>).route, "/_test/props");
      });

      await t.step("an error whose message carries any canary is dropped and counted", async () => {
        const before = sentry.hits.length;
        for (const kind of Object.keys(messages)) {
          const response = await app.request(`/api/_test/phi/${kind}`, {
            headers: { accept: "application/json" },
          });
          assert.equal(response.status, 500);
          assert.deepEqual(leakedCanaries(c, await response.text()), []);
        }
        assert.equal(await app.services.errors.flush(5000), true);
        assert.equal(sentry.hits.length, before, "nothing was sent for PHI-bearing errors");
        assert.equal(await dropped(app.services.metrics, "phi_detected"), 6);
        assert.equal(await app.services.metrics.phiDetections.value({ source: "sentry" }), 6);
      });

      await t.step("no recorded request holds any canary, anywhere", () => {
        assert.ok(sentry.hits.length >= 2);
        for (const envelope of sentry.envelopes()) {
          assert.deepEqual(leakedCanaries(c, envelope.raw), []);
          for (const value of canaryValues(c)) {
            assert.ok(!envelope.raw.includes(encodeURIComponent(value)));
          }
        }
      });

      await t.step("logs name the drop reason and finding types, never values", () => {
        const lines = app.logs.join("\n");
        assert.match(lines, /sentry event dropped/);
        assert.deepEqual(leakedCanaries(c, lines), []);
      });
    } finally {
      getGlobalScope().clear();
      await app.dispose();
      await sentry.close();
    }
  },
});

Deno.test({
  name: "background errors (a failing bus subscriber, a task) report through the same scrub",
  async fn() {
    const sentry = startSentryStandIn();
    const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn } });
    try {
      const off = app.services.bus.subscribe("all", () => {
        throw new SyntaxError("Unexpected event shape");
      });
      await app.services.bus.publish({
        type: "governance.mode_changed",
        topic: "governance",
        payload: { from: "DEMO", to: "DEMO" },
      });
      off();
      // A non-Error value full of PHI (what a careless task might reject with).
      app.services.errors.capture({ email: c.email, note: messages.ssn }, {
        source: "background",
        task: "analytics_cleanup",
      });
      assert.equal(await app.services.errors.flush(5000), true);
      const events = sentry.events();
      assert.equal(events.length, 2);
      const [bus, task] = events as Array<
        Record<string, unknown> & { tags: Record<string, string> }
      >;
      assert.equal(exceptionOf(bus!).type, "SyntaxError");
      assert.equal(bus!.tags.source, "background");
      assert.equal(bus!.tags.task, "bus_subscriber");
      assert.equal(task!.tags.task, "analytics_cleanup");
      assert.deepEqual(leakedCanaries(c, JSON.stringify(events)), []);
      for (const envelope of sentry.envelopes()) {
        assert.deepEqual(leakedCanaries(c, envelope.raw), []);
      }
    } finally {
      await app.dispose();
      await sentry.close();
    }
  },
});

function guard(metrics: AppMetrics) {
  return createOutboundGuard({
    noNetwork: false,
    mockOnly: false,
    mode: () => "DEMO",
    metrics,
    clock: systemClock,
  });
}

Deno.test({
  name: "a scrub forced to throw drops the event and sends nothing, not even an internal event",
  async fn(t) {
    const sentry = startSentryStandIn();
    try {
      await t.step("the event scrub itself throws", async () => {
        const metrics = createAppMetrics();
        const reporter = createSentryReporter({
          dsn: sentry.dsn,
          environment: "test",
          release: "r@1",
          net: guard(metrics),
          metrics,
          logger: memoryLogger(),
          scrubEvent: () => {
            throw new Error(messages.email);
          },
        });
        reporter.capture(new Error("boom"), { source: "background", task: "t" });
        assert.equal(await reporter.flush(5000), true);
        assert.equal(sentry.hits.length, 0);
        assert.equal(await dropped(metrics, "scrub_error"), 1);
      });

      await t.step("the PHI scanner throws inside the scrub", async () => {
        const metrics = createAppMetrics();
        const reporter = createSentryReporter({
          dsn: sentry.dsn,
          environment: "test",
          release: "r@1",
          net: guard(metrics),
          metrics,
          logger: memoryLogger(),
          scanner: () => {
            throw new Error("scanner exploded");
          },
        });
        reporter.capture(new Error("boom"), { source: "background", task: "t" });
        assert.equal(await reporter.flush(5000), true);
        assert.equal(sentry.hits.length, 0);
        assert.equal(await dropped(metrics, "scrub_error"), 1);
      });

      await t.step(
        "a raw beforeSend that throws makes the SDK build an internal __sentry__ event: " +
          "the transport refuses it",
        async () => {
          const metrics = createAppMetrics();
          let internal = 0;
          const client = new DenoClient({
            dsn: sentry.dsn,
            integrations: [],
            stackParser: createStackParser(nodeStackLineParser()),
            sendClientReports: false,
            enableLogs: false,
            enableMetrics: false,
            beforeSend: () => {
              throw new Error(messages.ssn);
            },
            transport: makeGuardedTransport({
              net: guard(metrics),
              metrics,
              isScrubbed: () => false,
            }),
          });
          client.on("beforeEnvelope", (envelope) => {
            if (JSON.stringify(envelope).includes('"internal"')) internal++;
          });
          const scope = new Scope();
          scope.setClient(client);
          client.init();
          client.captureException(new Error("boom"), undefined, scope);
          assert.equal(await client.flush(5000), true);
          assert.equal(internal, 1, "the SDK did build its internal event");
          assert.equal(sentry.hits.length, 0, "and nothing reached the server");
          assert.equal(await dropped(metrics, "not_scrubbed"), 1);
        },
      );

      await t.step("the same transport sends an event the scrub built", async () => {
        const metrics = createAppMetrics();
        const scrubbed = new WeakSet<object>();
        const transport = makeGuardedTransport({
          net: guard(metrics),
          metrics,
          isScrubbed: (event) => scrubbed.has(event),
        })({
          url: `http://127.0.0.1:${sentry.port}/api/42/envelope/`,
          recordDroppedEvent: () => {},
        });
        const event = { event_id: "0".repeat(32), exception: { values: [{ type: "Error" }] } };
        scrubbed.add(event);
        const unscrubbed = { event_id: "1".repeat(32), message: messages.phone };
        await transport.send(
          [{ event_id: "0".repeat(32) }, [[{ type: "event" }, event], [
            { type: "event" },
            unscrubbed,
          ], [
            { type: "client_report" },
            { discarded_events: [] },
          ]]] as never,
        );
        assert.equal(sentry.hits.length, 1);
        assert.deepEqual(sentry.envelopes()[0]!.items.map((i) => i.type), ["event"]);
        assert.equal(await dropped(metrics, "not_scrubbed"), 2);
      });
    } finally {
      await sentry.close();
    }
  },
});

for (
  const [label, env, reason] of [
    ["STANDBY", { ROS_MODE: "STANDBY" }, "STANDBY"],
    ["NO_NETWORK", { NO_NETWORK: "true" }, "NO_NETWORK"],
    ["MOCK_ONLY", { MOCK_ONLY: "true" }, "MOCK_ONLY"],
  ] as const
) {
  Deno.test({
    name: `${label}: the Sentry stand-in records no request; the guard counts the blocked call`,
    async fn() {
      const sentry = startSentryStandIn();
      const app = await buildTestApp({ env: { SENTRY_DSN: sentry.dsn, ...env } });
      app.app.get("/_test/boom", () => {
        throw new TypeError("Cannot read properties of null (reading 'id')");
      });
      try {
        assert.equal(app.services.net.blockReason(), reason);
        const response = await app.request("/_test/boom", {
          headers: { accept: "application/json" },
        });
        assert.equal(response.status, 500);
        await response.body?.cancel();
        await app.services.errors.flush(5000);
        assert.equal(sentry.hits.length, 0);
        const metrics = app.services.metrics;
        assert.equal(await metrics.externalBlocked.value({ provider: "sentry" }), 1);
        assert.equal(await dropped(metrics, "network_blocked"), 1);
      } finally {
        await app.dispose();
        await sentry.close();
      }
    },
  });
}

Deno.test({
  name: "a failing Sentry opens the circuit breaker: later events are not attempted",
  async fn() {
    const sentry = startSentryStandIn(() => 503);
    const metrics = createAppMetrics();
    const reporter = createSentryReporter({
      dsn: sentry.dsn,
      environment: "test",
      release: "r@1",
      net: guard(metrics),
      metrics,
      logger: memoryLogger(),
    });
    try {
      // The default breaker opens after 5 calls with a failure rate of at least 50 %.
      for (let i = 0; i < 7; i++) {
        reporter.capture(new Error(`Failure number ${i}`), { source: "background", task: "t" });
        await reporter.flush(5000);
      }
      assert.equal(sentry.hits.length, 5);
      assert.equal(await dropped(metrics, "rejected"), 5);
      assert.equal(await dropped(metrics, "circuit_open"), 2);
      assert.equal(await metrics.breakerState.value({ provider: "sentry" }), 1);
    } finally {
      await sentry.close();
    }
  },
});
