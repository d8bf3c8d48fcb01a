import assert from "node:assert/strict";
import { startLoopback } from "../../tests/helpers/loopback.ts";
import { manualClock } from "../clock.ts";
import type { Mode } from "../config.ts";
import { NetworkBlockedError } from "../errors/mod.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { CircuitBreaker } from "./breaker.ts";
import { CircuitOpenError, createOutboundGuard, OutboundTimeoutError } from "./guard.ts";

function guardFor(options: { mode?: Mode; noNetwork?: boolean; mockOnly?: boolean } = {}) {
  const clock = manualClock();
  const metrics = createAppMetrics();
  let mode: Mode = options.mode ?? "LIVE";
  const guard = createOutboundGuard({
    noNetwork: options.noNetwork ?? false,
    mockOnly: options.mockOnly ?? false,
    mode: () => mode,
    metrics,
    clock,
    defaultPolicy: {
      timeoutMs: 1000,
      breaker: { failureRateThreshold: 0.5, windowSize: 10, minimumCalls: 4, coolDownMs: 30_000 },
    },
  });
  return { guard, metrics, clock, setMode: (m: Mode) => (mode = m) };
}

for (
  const [label, options, reason] of [
    ["STANDBY", { mode: "STANDBY" as Mode }, "STANDBY"],
    ["NO_NETWORK", { noNetwork: true }, "NO_NETWORK"],
    ["MOCK_ONLY", { mockOnly: true }, "MOCK_ONLY"],
  ] as const
) {
  Deno.test(`guard.fetch() under ${label} never reaches the server and counts the block`, async () => {
    const server = startLoopback();
    const { guard, metrics } = guardFor(options);
    try {
      await assert.rejects(
        () => guard.fetch("worker", `${server.url}/health`),
        (error: unknown) => {
          assert.ok(error instanceof NetworkBlockedError);
          assert.equal(error.reason, reason);
          assert.equal(error.code, "NETWORK_BLOCKED");
          return true;
        },
      );
      assert.equal(server.hits.length, 0);
      assert.equal(await metrics.externalBlocked.value({ provider: "worker" }), 1);
      assert.equal(await metrics.externalCalls.value({ provider: "worker", status: "ok" }), 0);
    } finally {
      await server.close();
    }
  });
}

Deno.test("guard.fetch() follows a mode change on the next call", async () => {
  const server = startLoopback();
  const { guard, setMode } = guardFor({ mode: "LIVE" });
  try {
    assert.equal((await guard.fetch("worker", server.url)).status, 200);
    setMode("STANDBY");
    await assert.rejects(() => guard.fetch("worker", server.url), NetworkBlockedError);
    assert.equal(server.hits.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("guard.fetch() counts attempts by outcome", async () => {
  const server = startLoopback((_req, n) => new Response("x", { status: n === 2 ? 503 : 200 }));
  const { guard, metrics } = guardFor();
  try {
    for (let i = 0; i < 3; i++) await (await guard.fetch("sentry", server.url)).body?.cancel();
    assert.equal(await metrics.externalCalls.value({ provider: "sentry", status: "ok" }), 2);
    assert.equal(await metrics.externalCalls.value({ provider: "sentry", status: "error" }), 1);
    assert.equal(await metrics.externalFailed.value({ provider: "sentry" }), 1);
  } finally {
    await server.close();
  }
});

Deno.test("the breaker opens against a failing server, refuses without calling, and recovers after the cool-down", async () => {
  let healthy = false;
  const server = startLoopback(() => new Response("x", { status: healthy ? 200 : 500 }));
  const { guard, clock } = guardFor();
  try {
    for (let i = 0; i < 4; i++) await (await guard.fetch("worker", server.url)).body?.cancel();
    assert.equal(guard.breakerStates().worker, "open");
    const hitsWhenOpened = server.hits.length;
    await assert.rejects(() => guard.fetch("worker", server.url), CircuitOpenError);
    assert.equal(server.hits.length, hitsWhenOpened, "an open breaker must not call out");

    healthy = true;
    clock.advance(30_000);
    assert.equal(guard.breakerStates().worker, "half_open");
    assert.equal((await guard.fetch("worker", server.url)).status, 200);
    assert.equal(guard.breakerStates().worker, "closed");
    assert.equal(server.hits.length, hitsWhenOpened + 1);
  } finally {
    await server.close();
  }
});

Deno.test("circuit_breaker_open follows the breaker's state at every read, not only at calls", async () => {
  const server = startLoopback(() => new Response("x", { status: 500 }));
  const { guard, clock, metrics } = guardFor();
  try {
    for (let i = 0; i < 4; i++) await (await guard.fetch("worker", server.url)).body?.cancel();
    assert.equal(await metrics.breakerState.value({ provider: "worker" }), 1);
    // No call since it opened: the cool-down alone makes it half-open, and a scrape says so
    // (before, the gauge kept 1 until the next call, and OutboundCircuitOpen fired on).
    clock.advance(30_000);
    assert.equal(await metrics.breakerState.value({ provider: "worker" }), 0.5);
    const text = await metrics.registry.prometheus.metrics();
    assert.match(text, /circuit_breaker_open\{provider="worker"\} 0\.5/);
  } finally {
    await server.close();
  }
});

Deno.test("the half-open breaker re-opens when its trial call fails", () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker(clock, {
    failureRateThreshold: 0.5,
    windowSize: 4,
    minimumCalls: 2,
    coolDownMs: 1000,
  });
  breaker.record(false);
  breaker.record(false);
  assert.equal(breaker.state(), "open");
  clock.advance(1000);
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.tryAcquire(), false, "only one trial call at a time");
  breaker.record(false);
  assert.equal(breaker.state(), "open");
});

Deno.test("the breaker stays closed below the minimum number of calls", () => {
  const breaker = new CircuitBreaker(manualClock(), {
    failureRateThreshold: 0.5,
    windowSize: 10,
    minimumCalls: 5,
    coolDownMs: 1000,
  });
  for (let i = 0; i < 4; i++) breaker.record(false);
  assert.equal(breaker.state(), "closed");
  breaker.record(false);
  assert.equal(breaker.state(), "open");
});

Deno.test("guard.fetch() times out a slow provider with a typed error", async () => {
  const server = startLoopback(async () => {
    await new Promise((r) => setTimeout(r, 300));
    return new Response("late");
  });
  const { guard, metrics } = guardFor();
  try {
    await assert.rejects(
      () => guard.fetch("worker", server.url, { timeoutMs: 50 }),
      OutboundTimeoutError,
    );
    assert.equal(await metrics.externalCalls.value({ provider: "worker", status: "timeout" }), 1);
  } finally {
    await server.close();
  }
});
