import assert from "node:assert/strict";
import { manualClock } from "../clock.ts";
import { createAppMetrics } from "../telemetry/mod.ts";
import { EventHistory } from "./history.ts";
import { createIdGenerator } from "./ids.ts";
import { createMemoryBus } from "./memory_bus.ts";
import { EventRefusedError, payloadRefusal } from "./payload_guard.ts";
import { type AppEvent, compareEventIds, type EventPayload } from "./types.ts";

function busFor(historySize = 10) {
  const clock = manualClock();
  const metrics = createAppMetrics();
  const bus = createMemoryBus({ clock, metrics, historySize });
  return { bus, clock, metrics };
}

Deno.test("createIdGenerator() issues increasing <ms>-<seq> ids even when the clock stalls or goes back", () => {
  const clock = manualClock(1000);
  const ids = createIdGenerator(clock);
  const seen = [ids.next(), ids.next()];
  clock.set(500);
  seen.push(ids.next());
  clock.set(2000);
  seen.push(ids.next());
  ids.observe("5000-7");
  seen.push(ids.next());
  assert.deepEqual(seen, ["1000-0", "1000-1", "1000-2", "2000-0", "5000-8"]);
  for (let i = 1; i < seen.length; i++) assert.ok(compareEventIds(seen[i - 1]!, seen[i]!) < 0);
});

Deno.test("publish() stamps ids, delivers to matching subscribers and counts by topic", async () => {
  const { bus, metrics } = busFor();
  const governance: AppEvent[] = [];
  const all: AppEvent[] = [];
  const jobs: AppEvent[] = [];
  bus.subscribe("governance", (e) => governance.push(e));
  bus.subscribe("all", (e) => all.push(e));
  bus.subscribe("jobs", (e) => jobs.push(e));
  const a = await bus.publish({
    type: "governance.mode_changed",
    topic: "governance",
    payload: { mode: "LIVE", previous: "DEMO" },
  });
  const b = await bus.publish({
    type: "job.progress",
    topic: "jobs",
    payload: { jobId: "job-1", progress: 40 },
  });
  assert.ok(compareEventIds(a.id, b.id) < 0);
  assert.deepEqual(governance.map((e) => e.id), [a.id]);
  assert.deepEqual(jobs.map((e) => e.id), [b.id]);
  assert.deepEqual(all.map((e) => e.id), [a.id, b.id]);
  assert.equal(a.ts, new Date(Date.UTC(2026, 0, 1)).toISOString());
  assert.equal(bus.lastId(), b.id);
  assert.equal(await metrics.busEvents.value({ topic: "jobs" }), 1);
});

Deno.test("an event on topic all reaches only subscribers of all", async () => {
  const { bus } = busFor();
  const jobs: AppEvent[] = [];
  const all: AppEvent[] = [];
  bus.subscribe("jobs", (e) => jobs.push(e));
  bus.subscribe("all", (e) => all.push(e));
  await bus.publish({
    type: "experiment.changed",
    topic: "all",
    payload: { experimentKey: "x", enabled: true, version: 1 },
  });
  assert.equal(jobs.length, 0);
  assert.equal(all.length, 1);
});

Deno.test("a throwing subscriber does not stop delivery to the others", async () => {
  const { bus } = busFor();
  const got: string[] = [];
  bus.subscribe("all", () => {
    throw new Error("boom");
  });
  bus.subscribe("all", (e) => got.push(e.id));
  const e = await bus.publish({ type: "job.started", topic: "jobs", payload: { jobId: "j" } });
  assert.deepEqual(got, [e.id]);
});

Deno.test("unsubscribe stops delivery at once", async () => {
  const { bus } = busFor();
  const got: string[] = [];
  const off = bus.subscribe("all", (e) => got.push(e.id));
  off();
  await bus.publish({ type: "job.started", topic: "jobs", payload: { jobId: "j" } });
  assert.deepEqual(got, []);
  assert.equal(bus.subscriberCount(), 0);
});

for (
  const [label, payload, reason] of [
    ["free text", { note: "patient was seen today" }, "free_text"],
    ["an email", { jobId: "someone@example.org" }, "free_text"],
    ["a nested object", { job: { id: "x" } }, "nested"],
    ["a sensitive key", { email: "x" }, "phi"],
    // Identifier-shaped PHI under keys that would be technical in a log record.
    ["a phone number as a job id", { jobId: "415-555-0132" }, "phi"],
    ["an MRN as a research id", { researchId: "MRN-00482913" }, "phi"],
    ["a date as a variant", { variant: "1962-03-14" }, "phi"],
    ["an SSN in an id list", { keys: ["a", "536-22-1234"] }, "phi"],
    ["an infinite number", { progress: Infinity }, "bad_number"],
    ["a bad key", { "a b": 1 }, "bad_key"],
  ] as const
) {
  Deno.test(`publish() refuses a payload with ${label} (reason ${reason}) and counts it`, async () => {
    const { bus, metrics } = busFor();
    const got: AppEvent[] = [];
    bus.subscribe("all", (e) => got.push(e));
    await assert.rejects(
      () =>
        bus.publish({
          type: "job.progress",
          topic: "jobs",
          payload: payload as unknown as EventPayload,
        }),
      (error: unknown) => {
        assert.ok(error instanceof EventRefusedError);
        assert.equal(error.reason, reason);
        assert.equal(error.code, "VALIDATION_FAILED");
        assert.doesNotMatch(error.message, /example|patient/);
        return true;
      },
    );
    assert.equal(got.length, 0);
    assert.equal(bus.lastId(), undefined);
    assert.equal(await metrics.busRefused.value({ reason }), 1);
  });
}

Deno.test("payloadRefusal() accepts identifiers, enums, booleans, numbers, null and flat arrays", () => {
  assert.equal(
    payloadRefusal({
      mode: "LIVE",
      pinned: false,
      progress: 40,
      jobId: "3f1c2d6e-0000-4000-8000-000000000001",
      keys: ["a.b", "c_d"],
      researchId: null,
    }),
    undefined,
  );
  // Ordinary identifiers workers and admins use stay publishable.
  for (
    const id of ["job-7", "study-3", "control", "job_20261122_0001", "1732291200000", "v1.2.3"]
  ) {
    assert.equal(payloadRefusal({ jobId: id, researchId: id, variant: id }), undefined, id);
  }
  assert.equal(payloadRefusal({ a: 1 }, () => ({ found: true })), "phi");
  assert.equal(
    payloadRefusal({ a: 1 }, () => {
      throw new Error("scanner broke");
    }),
    "phi",
    "a failing scanner counts as PHI found",
  );
});

Deno.test("replay() returns exactly the later events of the topic, oldest first", async () => {
  const { bus } = busFor();
  const first = await bus.publish({ type: "job.started", topic: "jobs", payload: { jobId: "a" } });
  const missed = [
    await bus.publish({
      type: "job.progress",
      topic: "jobs",
      payload: { jobId: "a", progress: 1 },
    }),
    await bus.publish({
      type: "governance.mode_changed",
      topic: "governance",
      payload: { mode: "LIVE" },
    }),
    await bus.publish({ type: "job.completed", topic: "jobs", payload: { jobId: "a" } }),
  ];
  assert.deepEqual(await bus.replay(first.id, "all"), { events: missed, complete: true });
  const jobs = await bus.replay(first.id, "jobs");
  assert.deepEqual(jobs.events.map((e) => e.type), ["job.progress", "job.completed"]);
  assert.deepEqual(await bus.replay(missed[2]!.id, "all"), { events: [], complete: true });
});

Deno.test("replay() is incomplete for an id older than the history or from before the process", async () => {
  const { bus, clock } = busFor(3);
  clock.advance(10);
  const events = [];
  for (let i = 0; i < 5; i++) {
    events.push(
      await bus.publish({ type: "job.progress", topic: "jobs", payload: { progress: i } }),
    );
  }
  // Kept: events 2, 3, 4; event 1 was evicted, so replay after event 1 is still whole.
  assert.deepEqual(await bus.replay(events[1]!.id, "all"), {
    events: events.slice(2),
    complete: true,
  });
  assert.deepEqual(await bus.replay(events[0]!.id, "all"), { events: [], complete: false });
  assert.equal((await bus.replay("1-0", "all")).complete, false, "an id from a previous process");
  assert.equal((await bus.replay("99999999999999-0", "all")).complete, false, "an id never issued");
});

Deno.test("EventHistory ignores an id that does not increase", () => {
  const history = new EventHistory(2);
  const e = (id: string): AppEvent => ({
    id,
    type: "job.started",
    ts: "",
    topic: "jobs",
    payload: {},
  });
  assert.equal(history.push(e("5-0")), true);
  assert.equal(history.push(e("4-0")), false);
  assert.equal(history.push(e("5-0")), false);
  assert.equal(history.size, 1);
});

Deno.test("EventHistory.markGap(): a replay after any id up to the newest kept one is incomplete", () => {
  const history = new EventHistory(10, "1-0");
  const e = (id: string): AppEvent => ({
    id,
    type: "job.started",
    ts: "",
    topic: "jobs",
    payload: {},
  });
  for (const id of ["5-0", "6-0", "9-0"]) history.push(e(id));
  assert.equal(history.after("5-0", "all").complete, true);
  // "7-0" arrived after "9-0" and could not be kept: a client at 5-0, 6-0 or 9-0 may lack it.
  assert.equal(history.push(e("7-0")), false);
  history.markGap();
  for (const id of ["5-0", "6-0", "9-0"]) {
    assert.deepEqual(history.after(id, "all"), { events: [], complete: false }, id);
  }
  history.push(e("10-0"));
  assert.deepEqual(history.after("9-0", "all"), { events: [], complete: false });
  assert.deepEqual(history.after("10-0", "all"), { events: [], complete: true });
});
