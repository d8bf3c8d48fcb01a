import assert from "node:assert/strict";
import { type JobRow, mergeJobLists } from "./JobsLive.tsx";

const row = (id: string, status: string, progress: number, updatedAt: string): JobRow => ({
  id,
  researchId: null,
  status,
  progress,
  updatedAt,
});

Deno.test("mergeJobLists() keeps live rows a slower poll answer does not know yet", () => {
  const live = [row("new-job", "progress", 60, "2026-11-23T00:00:05Z")];
  const polled: JobRow[] = []; // the request left before the job's first report
  assert.deepEqual(mergeJobLists(live, polled, 50).map((j) => j.id), ["new-job"]);
});

Deno.test("mergeJobLists() takes each job's latest report, never undoing a finished one", () => {
  const current = [
    row("a", "progress", 40, "2026-11-23T00:00:02Z"),
    row("b", "completed", 100, "2026-11-23T00:00:01Z"),
  ];
  const polled = [
    row("a", "progress", 70, "2026-11-23T00:00:03Z"),
    row("b", "progress", 90, "2026-11-23T00:00:04Z"),
    row("c", "started", 0, "2026-11-23T00:00:00Z"),
  ];
  const merged = mergeJobLists(current, polled, 50);
  assert.deepEqual(merged.map((j) => [j.id, j.status, j.progress]), [
    ["a", "progress", 70],
    ["b", "completed", 100],
    ["c", "started", 0],
  ]);
  assert.equal(mergeJobLists(current, polled, 2).length, 2);
});
