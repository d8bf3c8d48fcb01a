/**
 * A worker whose circuit breaker is open: the readiness check was refused by the guard without a
 * call, and says so (`failed: circuit open`, label reason `circuit_open`) instead of the fallback
 * `failed: unavailable`, which TROUBLESHOOTING.md explains only for db, redis and flags. A real
 * guard against a real loopback server answering 503 opens its breaker.
 */
import assert from "node:assert/strict";
import { startLoopback } from "../../tests/helpers/loopback.ts";
import { manualClock } from "../clock.ts";
import { CircuitOpenError, createOutboundGuard } from "../net/mod.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { workerCheck } from "./checks.ts";
import { checkReadiness, failureReason, statusLabels } from "./readiness.ts";

Deno.test("readiness reports a worker whose circuit breaker is open as 'failed: circuit open' (reason circuit_open)", async () => {
  const server = startLoopback(() => new Response("down", { status: 503 }));
  try {
    const guard = createOutboundGuard({
      noNetwork: false,
      mockOnly: false,
      mode: () => "LIVE",
      metrics: createAppMetrics(),
      clock: manualClock(),
      defaultPolicy: {
        timeoutMs: 1000,
        breaker: { failureRateThreshold: 0.5, windowSize: 4, minimumCalls: 2, coolDownMs: 30_000 },
      },
    });
    const check = workerCheck(server.url, guard);
    // While the breaker is closed the worker's own answer is the reason.
    assert.deepEqual(await checkReadiness([check]), {
      ready: true,
      checks: { worker: "failed: status 503" },
    });
    await checkReadiness([check]);
    assert.equal(guard.breakerStates().worker, "open");
    const hits = server.hits.length;

    const report = await checkReadiness([check]);
    const status = report.checks.worker!;
    assert.deepEqual(report, { ready: true, checks: { worker: "failed: circuit open" } });
    assert.equal(server.hits.length, hits, "an open breaker does not call the worker");
    assert.deepEqual(statusLabels(status), {
      result: "failed",
      reason: "circuit_open",
    });
  } finally {
    await server.close();
  }
});

Deno.test("failureReason() maps CircuitOpenError to 'failed: circuit open', never its provider", () => {
  assert.equal(failureReason(new CircuitOpenError("worker")), "failed: circuit open");
});
