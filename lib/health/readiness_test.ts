import assert from "node:assert/strict";
import { NetworkBlockedError } from "../errors/mod.ts";
import { checkReadiness, failureReason } from "./readiness.ts";

Deno.test("checkReadiness() reports a hanging check as a timeout and aborts it", async () => {
  let aborted = false;
  const report = await checkReadiness([
    {
      name: "slow",
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener("abort", () => (aborted = true));
        }),
    },
    { name: "db", run: () => Promise.resolve("ok") },
  ], 20);
  assert.deepEqual(report, { ready: false, checks: { slow: "failed: timeout", db: "ok" } });
  assert.equal(aborted, true);
});

Deno.test("checkReadiness() keeps non-critical failures from making the instance not ready", async () => {
  const report = await checkReadiness([
    { name: "flags", critical: false, run: () => Promise.reject(new Error("x")) },
  ]);
  assert.equal(report.ready, true);
  assert.equal(report.checks.flags, "failed: unavailable");
});

Deno.test("checkReadiness() maps a blocked outbound call to blocked", async () => {
  const report = await checkReadiness([
    { name: "worker", run: () => Promise.reject(new NetworkBlockedError("worker", "STANDBY")) },
  ]);
  assert.deepEqual(report, { ready: true, checks: { worker: "blocked" } });
});

Deno.test("failureReason() never repeats the error message", () => {
  const reason = failureReason(new Error("connect ECONNREFUSED postgres://admin:hunter2@db:5432"));
  assert.equal(reason, "failed: connection refused");
  assert.equal(failureReason(new Error("postgres://admin:hunter2@db")), "failed: unavailable");
});
