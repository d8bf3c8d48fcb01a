import assert from "node:assert/strict";
import { applyPollAnswer, type JobRow, mergeJobEvent } from "./JobsLive.tsx";
import type { AppEvent } from "../lib/realtime/types.ts";

const row = (id: string, status: string, progress: number, updatedAt: string): JobRow => ({
  id,
  researchId: null,
  status,
  progress,
  updatedAt,
});

const ids = (jobs: JobRow[]) => jobs.map((job) => job.id);
/** What a row shows. */
const view = (jobs: JobRow[]) =>
  jobs.map((job) => [job.id, job.status, job.progress, job.updatedAt]);

const progressEvent = (jobId: string, progress: number, ts: string): AppEvent => ({
  id: "1",
  type: "job.progress",
  topic: "jobs",
  ts,
  payload: { jobId, status: "progress", progress, researchId: null },
} as AppEvent);

Deno.test("applyPollAnswer() drops a shown job the answer no longer lists (deleted on the server)", () => {
  const shown = [
    row("busy", "progress", 10, "2026-11-23T00:00:05Z"),
    row("silent", "progress", 20, "2026-11-20T00:00:00Z"),
    row("old-done", "completed", 100, "2026-11-19T00:00:00Z"),
  ];
  const polled = [row("busy", "progress", 10, "2026-11-23T00:00:05Z")];
  assert.deepEqual(view(applyPollAnswer(shown, shown, polled, 50)), view(polled));
  // An empty answer empties the list.
  assert.deepEqual(applyPollAnswer(shown, shown, [], 50), []);
});

Deno.test("applyPollAnswer() shows exactly the answer, in its order, when nothing changed meanwhile", () => {
  const shown = [
    row("a", "progress", 40, "2026-11-23T00:00:02Z"),
    row("gone", "started", 0, "2026-11-23T00:00:01Z"),
  ];
  const polled = [
    row("c", "started", 0, "2026-11-23T00:00:04Z"),
    row("a", "progress", 70, "2026-11-23T00:00:03Z"),
  ];
  assert.deepEqual(view(applyPollAnswer(shown, shown, polled, 50)), view(polled));
});

Deno.test("applyPollAnswer() keeps what live events brought while the request was on its way", () => {
  const sent = [
    row("a", "progress", 40, "2026-11-23T00:00:02Z"),
    row("b", "progress", 10, "2026-11-23T00:00:01Z"),
  ];
  // Meanwhile: a new job started and b moved on; the answer had left before both.
  let current = mergeJobEvent(sent, progressEvent("new", 5, "2026-11-23T00:00:06Z"), 50);
  current = mergeJobEvent(current, progressEvent("b", 30, "2026-11-23T00:00:07Z"), 50);
  // The answer, read before the events, no longer lists a (deleted) nor b (out of its window).
  const polled = [row("c", "started", 0, "2026-11-23T00:00:03Z")];
  const next = applyPollAnswer(sent, current, polled, 50);
  assert.deepEqual(next.map((j) => [j.id, j.progress]), [["b", 30], ["new", 5], ["c", 0]]);
});

Deno.test("applyPollAnswer() still merges each listed job with its live row, and keeps the limit", () => {
  const sent = [row("a", "progress", 40, "2026-11-23T00:00:02Z")];
  const current = [row("a", "completed", 100, "2026-11-23T00:00:08Z")];
  const polled = [
    row("a", "progress", 60, "2026-11-23T00:00:03Z"),
    row("b", "started", 0, "2026-11-23T00:00:01Z"),
  ];
  const next = applyPollAnswer(sent, current, polled, 50);
  assert.deepEqual(next.map((j) => [j.id, j.status]), [["a", "completed"], ["b", "started"]]);
  assert.deepEqual(ids(applyPollAnswer(sent, current, polled, 1)), ["a"]);
});

Deno.test("applyPollAnswer() with two answers in flight: the later-read one's new jobs stay", () => {
  const s0 = [row("a", "progress", 40, "2026-11-23T00:00:02Z")];
  // Both requests left with s0 shown; the one read later answers first and lists job n.
  const later = [row("n", "started", 0, "2026-11-23T00:00:09Z")];
  const earlier = [row("a", "progress", 40, "2026-11-23T00:00:02Z")];
  const first = applyPollAnswer(s0, s0, later, 50);
  assert.deepEqual(ids(first), ["n"]);
  // The earlier-read answer does not know n: n is new since that request left, so it stays;
  // a, unchanged since, is as that answer lists it (the next poll settles it).
  assert.deepEqual(ids(applyPollAnswer(s0, first, earlier, 50)), ["n", "a"]);
});
