import assert from "node:assert/strict";
import { type JobRow, mergeJobEvent, mergeJobLists, reportedAt, rowStalled } from "./JobsLive.tsx";
import type { AppEvent } from "../lib/realtime/types.ts";

const row = (over: Partial<JobRow>): JobRow => ({
  id: "j",
  researchId: null,
  status: "progress",
  progress: 40,
  updatedAt: "2026-01-01T09:00:00.000Z",
  ...over,
});

Deno.test("rowStalled() reads the last callback (a repeat included), falling back to the last change", () => {
  const at = Date.parse("2026-01-01T09:02:00.000Z");
  assert.equal(rowStalled(row({}), at, 60_000), true, "no lastReportedAt: updatedAt");
  const repeated = row({ lastReportedAt: "2026-01-01T09:01:30.000Z" });
  assert.equal(rowStalled(repeated, at, 60_000), false);
  assert.equal(reportedAt(repeated), "2026-01-01T09:01:30.000Z");
  assert.equal(reportedAt(row({ lastReportedAt: "2026-01-01T08:00:00.000Z" })), row({}).updatedAt);
});

Deno.test("mergeJobLists() takes a polled repeat's report time even when a live row wins the state", () => {
  // The live row came from an event stamped a little after the stored change.
  const live = row({ updatedAt: "2026-01-01T09:00:00.050Z" });
  const polled = row({ lastReportedAt: "2026-01-01T09:05:00.000Z" });
  const [merged] = mergeJobLists([live], [polled], 50);
  assert.equal(merged!.updatedAt, live.updatedAt);
  assert.equal(merged!.lastReportedAt, "2026-01-01T09:05:00.000Z");
  assert.equal(rowStalled(merged!, Date.parse("2026-01-01T09:05:30.000Z"), 60_000), false);
  // An older poll never takes a later report back.
  const [kept] = mergeJobLists([polled], [row({})], 50);
  assert.equal(kept!.lastReportedAt, "2026-01-01T09:05:00.000Z");
});

Deno.test("mergeJobEvent() keeps the later report time of the row and the event", () => {
  const event = (ts: string): AppEvent => ({
    id: "1",
    type: "job.progress",
    topic: "jobs",
    ts,
    payload: { jobId: "j", status: "progress", progress: 50, researchId: null },
  } as AppEvent);
  const [next] = mergeJobEvent([row({})], event("2026-01-01T09:03:00.000Z"), 50);
  assert.equal(next!.lastReportedAt, "2026-01-01T09:03:00.000Z");
  const [kept] = mergeJobEvent(
    [row({ lastReportedAt: "2026-01-01T09:04:00.000Z" })],
    event("2026-01-01T09:03:00.000Z"),
    50,
  );
  assert.equal(kept!.lastReportedAt, "2026-01-01T09:04:00.000Z");
});
