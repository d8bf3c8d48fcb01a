import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import JobsLive, {
  jobAnnouncement,
  type JobRow,
  mergeJobLists,
  stalledNotice,
} from "./JobsLive.tsx";

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

Deno.test("jobAnnouncement() names jobs that started, completed or failed, never a progress tick", () => {
  const t = "2026-11-23T00:00:00Z";
  const before = [row("a", "started", 0, t), row("b", "progress", 40, t)];
  assert.equal(jobAnnouncement(before, before), null);
  // Progress (a job moving on, or a new job first seen mid-run) is not announced.
  assert.equal(
    jobAnnouncement(before, [row("a", "progress", 10, t), row("b", "progress", 60, t)]),
    null,
  );
  assert.equal(jobAnnouncement([], [row("c", "progress", 5, t)]), null);
  assert.equal(jobAnnouncement(before, [row("c", "started", 0, t), ...before]), "Job c started.");
  assert.equal(
    jobAnnouncement(before, [row("a", "failed", 0, t), row("b", "completed", 100, t)]),
    "Job a failed. Job b completed.",
  );
  // A finished job that stays finished (an event mergeJobEvent ignored) says nothing again.
  const done = [row("b", "completed", 100, t)];
  assert.equal(jobAnnouncement(done, done), null);
});

Deno.test("jobAnnouncement() names at most three changes and counts the rest (a poll after a resync)", () => {
  const t = "2026-11-23T00:00:00Z";
  const after = ["a", "b", "c", "d", "e"].map((id) => row(id, "completed", 100, t));
  assert.equal(
    jobAnnouncement([], after),
    "Job a completed. Job b completed. Job c completed. 2 more jobs changed.",
  );
  assert.match(
    jobAnnouncement([], after.slice(0, 4)) ?? "",
    /Job c completed\. 1 more job changed\.$/,
  );
});

Deno.test("stalledNotice() sends researchers to their data steward or administrator, operators to the runbook", () => {
  const researcher = stalledNotice(1, 30, false);
  assert.match(researcher, /^1 job has not reported for more than 30 minutes: a worker may/);
  assert.match(researcher, /tell your data steward or administrator which job it is\.$/);
  assert.doesNotMatch(researcher, /docs|runbook/);
  assert.match(
    stalledNotice(2, 1, false),
    /^2 jobs have not reported for more than 1 minute:.*which ones\.$/,
  );
  assert.match(stalledNotice(1, 30, true), /the runbook docs\/operations\/TROUBLESHOOTING\.md\.$/);
});

Deno.test("the job table scrolls in its own labelled region and says when each job last reported", () => {
  const html = renderToString(
    h(JobsLive, {
      jobs: [{ ...row("job-1", "progress", 40, "2026-11-23T06:35:56.322Z"), researchId: "r-1" }],
    }),
  );
  assert.match(
    html,
    /<div class="table-scroll" role="region" aria-label="Table: Recent jobs" tabindex="0"><table class="data"/,
  );
  assert.match(html, /<time datetime="2026-11-23T06:35:56.322Z"[^>]*>2026-11-23 06:35:56 UTC</);
});
