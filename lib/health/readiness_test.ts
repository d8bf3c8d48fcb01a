import assert from "node:assert/strict";
import { NetworkBlockedError } from "../errors/mod.ts";
import { checkReadiness, failureReason, sharedReadiness, statusLabels } from "./readiness.ts";

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

Deno.test("concurrent readiness requests share one run of the checks; the next request runs them again", async () => {
  let runs = 0;
  let finish!: () => void;
  const check = {
    name: "db",
    run: async (): Promise<"ok"> => {
      runs++;
      await new Promise<void>((resolve) => (finish = resolve));
      return "ok";
    },
  };
  const readiness = sharedReadiness(() => checkReadiness([check], 2000));
  const calls = Array.from({ length: 50 }, () => readiness());
  await new Promise((resolve) => setTimeout(resolve, 0));
  finish();
  const results = await Promise.all(calls);
  assert.equal(runs, 1);
  assert.equal(results.filter((r) => r.fresh).length, 1);
  assert.ok(results.every((r) => r.report.ready && r.report.checks.db === "ok"));
  const again = readiness();
  await new Promise((resolve) => setTimeout(resolve, 0));
  finish();
  assert.equal((await again).fresh, true);
  assert.equal(runs, 2);
});

Deno.test("failureReason() tells a Redis credentials refusal (WRONGPASS, NOAUTH, NOPERM) apart from an outage, without its text", () => {
  for (
    const message of [
      "WRONGPASS invalid username-password pair or user is disabled.",
      "NOAUTH HELLO must be called with the client already authenticated",
      "NOPERM User ops has no permissions to run the 'select' command",
    ]
  ) {
    assert.equal(failureReason(new Error(message)), "failed: auth failed", message);
    assert.equal(
      failureReason(new Error("gave up", { cause: new Error(message) })),
      "failed: auth failed",
    );
  }
  assert.equal(
    failureReason(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
    "failed: connection refused",
  );
  // Only a reply that starts with the code: a message quoting it is not one.
  assert.equal(failureReason(new Error("unknown user WRONGPASS")), "failed: unavailable");
});

Deno.test("statusLabels() splits a state into its result and a label-safe reason", () => {
  assert.deepEqual(statusLabels("ok"), { result: "ok" });
  assert.deepEqual(statusLabels("blocked"), { result: "blocked" });
  assert.deepEqual(statusLabels("failed: auth failed"), {
    result: "failed",
    reason: "auth_failed",
  });
  assert.deepEqual(statusLabels("failed: status 503"), { result: "failed", reason: "status_503" });
  assert.deepEqual(statusLabels(failureReason(new Error("connect ECONNREFUSED 127.0.0.1:6379"))), {
    result: "failed",
    reason: "connection_refused",
  });
});
