import assert from "node:assert/strict";
import { applyCallback, isStalled, type Job, researchIdMismatch } from "./job.ts";

const job = (over: Partial<Job>): Job => ({
  id: "job-1",
  researchId: null,
  status: "queued",
  progress: 0,
  createdAt: "",
  updatedAt: "",
  lastReportedAt: "",
  startedAt: null,
  finishedAt: null,
  ...over,
});

Deno.test("applyCallback() creates a job on its first callback, whatever the status", () => {
  assert.deepEqual(applyCallback(undefined, { status: "started", researchId: "r-1" }), {
    status: "started",
    progress: 0,
    researchId: "r-1",
    start: true,
    finish: false,
    event: "job.started",
  });
  assert.equal(applyCallback(undefined, { status: "completed" })?.progress, 100);
  assert.equal(applyCallback(undefined, { status: "progress", progress: 30 })?.progress, 30);
});

Deno.test("applyCallback() ignores repeats: nothing changes, no event", () => {
  const started = job({ status: "started", startedAt: "t" });
  assert.equal(applyCallback(started, { status: "started" }), null);
  const at40 = job({ status: "progress", progress: 40, startedAt: "t" });
  assert.equal(applyCallback(at40, { status: "progress", progress: 40 }), null);
  assert.equal(applyCallback(at40, { status: "progress", progress: 20 }), null, "never decreases");
});

Deno.test("applyCallback() never moves a job backwards", () => {
  const at40 = job({ status: "progress", progress: 40, startedAt: "t" });
  assert.equal(applyCallback(at40, { status: "started" }), null);
  for (const status of ["completed", "failed"] as const) {
    const done = job({ status, progress: 100, startedAt: "t", finishedAt: "t" });
    for (const next of ["started", "progress", "completed", "failed"] as const) {
      assert.equal(applyCallback(done, { status: next, progress: 50 }), null, `${status}→${next}`);
    }
  }
});

Deno.test("applyCallback() moves forward with the right event, keeping the first start time", () => {
  const at40 = job({ status: "progress", progress: 40, startedAt: "t" });
  assert.deepEqual(applyCallback(at40, { status: "progress", progress: 70 }), {
    status: "progress",
    progress: 70,
    researchId: null,
    start: false,
    finish: false,
    event: "job.progress",
  });
  assert.deepEqual(applyCallback(at40, { status: "failed" }), {
    status: "failed",
    progress: 40,
    researchId: null,
    start: false,
    finish: true,
    event: "job.failed",
  });
  assert.equal(applyCallback(at40, { status: "completed" })?.event, "job.completed");
});

Deno.test("isStalled(): unfinished and silent past the threshold; never when finished or off", () => {
  const at = (iso: string) => Date.parse(iso);
  // The last callback counts, not the last change (a repeat changes nothing but reports).
  const quiet = job({
    status: "progress",
    updatedAt: "2026-01-01T08:00:00.000Z",
    lastReportedAt: "2026-01-01T09:00:00.000Z",
  });
  const minutes = 30 * 60_000;
  assert.equal(isStalled(quiet, at("2026-01-01T09:30:00.000Z"), minutes), false, "on the dot");
  assert.equal(isStalled(quiet, at("2026-01-01T09:30:00.001Z"), minutes), true);
  for (const status of ["queued", "started"] as const) {
    assert.equal(isStalled({ ...quiet, status }, at("2026-01-02T00:00:00Z"), minutes), true);
  }
  for (const status of ["completed", "failed"] as const) {
    assert.equal(isStalled({ ...quiet, status }, at("2026-01-02T00:00:00Z"), minutes), false);
  }
  assert.equal(isStalled(quiet, at("2027-01-01T00:00:00Z"), 0), false, "0 turns it off");
});

Deno.test("researchIdMismatch() is true only when the callback names another research id", () => {
  const owned = job({ researchId: "r-1" });
  assert.equal(researchIdMismatch(owned, { researchId: "r-2" }), true);
  assert.equal(researchIdMismatch(owned, { researchId: "r-1" }), false);
  assert.equal(researchIdMismatch(owned, {}), false, "leaving it out keeps it");
  assert.equal(researchIdMismatch(job({}), { researchId: "r-2" }), false, "none yet: it is set");
  assert.equal(researchIdMismatch(undefined, { researchId: "r-2" }), false, "a new job");
});
