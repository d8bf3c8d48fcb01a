/**
 * Job retention: finished jobs (completed, failed) last changed before the cutoff (the start of
 * the UTC day JOB_RETENTION_DAYS ago), and unfinished ones that have not reported since before it
 * (their worker is gone: they read as stalled and would count in jobs_stalled for ever), are
 * deleted by an hourly chore, in batches, each batch with its audit entry. An unfinished job that
 * reported since the cutoff is kept, however old its last change. Before, nothing ever deleted a
 * job. PGlite and Postgres, on the app's injected clock.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import { createJobService } from "../lib/jobs/mod.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { dbTargets, freshPglite } from "./helpers/db.ts";
import { reportJobs } from "./helpers/jobs.ts";
import { until } from "./helpers/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12); // 2026-03-10 12:00 UTC

const jobIds = async (app: Pick<TestApp, "db">) =>
  (await app.db.query<{ id: string }>("SELECT id FROM jobs ORDER BY id")).map((r) => r.id);

const retentionAudits = async (app: Pick<TestApp, "db">) => [
  ...(await app.db.query<{ actor_type: string; target_type: string; after: unknown }>(
    `SELECT actor_type, target_type, after FROM audit_log
      WHERE action = 'job.retention_cleanup' ORDER BY id`,
  )),
];

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] retention deletes finished jobs past JOB_RETENTION_DAYS and keeps newer ones, and unfinished ones that reported since the cutoff however old their last change`,
    ...opts,
    async fn() {
      const clock = manualClock(START);
      const app = await buildTestApp({
        testDb: await target.open(),
        clock,
        env: { JOB_RETENTION_DAYS: "365" },
      });
      try {
        const worker = await createToken(app, { scopes: ["jobs:write"] });
        const reader = await createToken(app, { scopes: ["jobs:read"] });
        // 2026-03-10: two jobs finish, one starts and then only repeats itself (alive, no
        // further: its last change stays on this day).
        await reportJobs(app, worker, [
          ["old_done", { status: "completed", researchId: "study_1" }],
          ["old_failed", { status: "started" }],
          ["old_failed", { status: "failed", progress: 30 }],
          ["old_running", { status: "progress", progress: 10 }],
        ]);
        // The run below is on 2027-03-12 12:00: its cutoff is 2026-03-12T00:00Z (365 days back,
        // whole UTC days). One job finishes 1 ms before it, one on it, one long after.
        const cutoff = Date.UTC(2026, 2, 12);
        clock.set(cutoff - 1);
        await reportJobs(app, worker, [["edge_before", { status: "completed" }]]);
        clock.set(cutoff);
        await reportJobs(app, worker, [["edge_on", { status: "failed" }]]);
        clock.set(START + 200 * DAY);
        await reportJobs(app, worker, [
          ["recent_done", { status: "completed" }],
          ["old_running", { status: "progress", progress: 10 }],
        ]);

        clock.set(START + 367 * DAY);
        const result = await app.services.jobs.cleanup();
        assert.deepEqual(result, { deleted: 3, unfinished: 0, cutoff: "2026-03-12" });
        assert.deepEqual(await jobIds(app), ["edge_on", "old_running", "recent_done"]);

        // The unfinished job changed a year ago but reported since the cutoff: it is still
        // there, and reads as stalled (silent for 167 days).
        const running = await app.request("/api/jobs/old_running", {
          headers: { authorization: `Bearer ${reader}` },
        });
        assert.equal(running.status, 200);
        const body = await json<{ status: string; stalled: boolean }>(running);
        assert.equal(body.status, "progress");
        assert.equal(body.stalled, true);
        const gone = await app.request("/api/jobs/old_done", {
          headers: { authorization: `Bearer ${reader}` },
        });
        assert.equal(gone.status, 404);
        await gone.body?.cancel();

        // One audit entry for the one batch, by the system; the count, the cutoff instant and
        // the retention, no job id.
        assert.deepEqual(await retentionAudits(app), [{
          actor_type: "system",
          target_type: "jobs",
          after: {
            deletedJobs: 3,
            unfinishedJobs: 0,
            cutoffAt: "2026-03-12T00:00:00.000Z",
            retentionDays: 365,
          },
        }]);
        // One log line with the count, naming no job or research id.
        const lines = app.logs.filter((line) => line.includes("jobs retention cleanup"));
        assert.equal(lines.length, 1);
        const line = JSON.parse(lines[0]!);
        assert.equal(line.deleted, 3);
        assert.equal(line.cutoffAt, "2026-03-12T00:00:00.000Z");
        for (const id of ["old_done", "old_failed", "edge_before", "study_1"]) {
          assert.ok(!app.logs.some((l) => l.includes(id)), `${id} logged`);
        }

        // Idempotent: a second run deletes nothing, audits nothing and logs nothing.
        assert.deepEqual(await app.services.jobs.cleanup(), {
          deleted: 0,
          unfinished: 0,
          cutoff: "2026-03-12",
        });
        assert.equal((await retentionAudits(app)).length, 1);
        assert.equal(app.logs.filter((l) => l.includes("jobs retention cleanup")).length, 1);
        // A later callback for a deleted job's id starts a new job (the old one is gone).
        await reportJobs(app, worker, [["old_done", { status: "started" }]]);
        const again = await app.services.jobs.get("old_done");
        assert.equal(again.status, "started");
        assert.equal(again.researchId, null);
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] a run over more finished jobs than one batch deletes them all, one audited transaction per batch`,
    ...opts,
    async fn() {
      const clock = manualClock(START + 400 * DAY);
      const app = await buildTestApp({ testDb: await target.open(), clock });
      try {
        const old = new Date(START);
        // 10 finished jobs past the retention (365 days), 2 unfinished ones among them in the
        // index order (changed as long ago, but reported yesterday: kept), and 1 finished
        // recently.
        await app.db.query(
          `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at, finished_at)
           SELECT 'job_' || lpad(n::text, 3, '0'),
                  CASE WHEN n % 2 = 0 THEN 'completed' ELSE 'failed' END, 100,
                  $1::timestamptz, $1::timestamptz + n * interval '1 minute',
                  $1::timestamptz + n * interval '1 minute', $1::timestamptz + n * interval '1 minute'
             FROM generate_series(1, 10) AS n`,
          [old],
        );
        await app.db.query(
          `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
           VALUES ('stuck_a', 'started', 0, $1, $1, $2), ('stuck_b', 'progress', 50, $1, $1, $2),
                  ('fresh', 'completed', 100, $2, $2, $2)`,
          [old, new Date(START + 399 * DAY)],
        );
        const jobs = createJobService({
          db: app.db,
          bus: app.services.bus,
          clock,
          audit: app.services.audit,
          retentionDays: 365,
          retentionBatch: 3,
        });
        assert.deepEqual(await jobs.cleanup(), {
          deleted: 10,
          unfinished: 0,
          cutoff: "2026-04-14",
        });
        assert.deepEqual(await jobIds(app), ["fresh", "stuck_a", "stuck_b"]);
        // Four batches (3 + 3 + 3 + 1), each committed with its own entry; the entries sum to
        // the run's total.
        const audits = await retentionAudits(app);
        assert.deepEqual(
          audits.map((a) => (a.after as { deletedJobs: number }).deletedJobs),
          [3, 3, 3, 1],
        );

        // An exact multiple of the batch: the last, empty, round writes no entry.
        await app.db.query(
          `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
           SELECT 'more_' || n, 'completed', 100, $1, $1, $1 FROM generate_series(1, 6) AS n`,
          [old],
        );
        assert.deepEqual(await jobs.cleanup(), { deleted: 6, unfinished: 0, cutoff: "2026-04-14" });
        assert.deepEqual(
          (await retentionAudits(app)).slice(4).map((a) =>
            (a.after as { deletedJobs: number }).deletedJobs
          ),
          [3, 3],
        );
        assert.deepEqual(await jobIds(app), ["fresh", "stuck_a", "stuck_b"]);
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] retention deletes unfinished jobs that have not reported since before the cutoff (their worker is gone), audited, and the stalled gauge clears`,
    ...opts,
    async fn() {
      const clock = manualClock(START);
      const app = await buildTestApp({
        testDb: await target.open(),
        clock,
        env: { JOB_RETENTION_DAYS: "365", JOB_STALL_AFTER_MINUTES: "30" },
      });
      try {
        const worker = await createToken(app, { scopes: ["jobs:write"] });
        const reader = await createToken(app, { scopes: ["jobs:read", "metrics:read"] });
        // 2026-03-10: one job finishes; two start and their worker dies (never heard from again);
        // one reports progress and then only repeats itself.
        await reportJobs(app, worker, [
          ["old_done", { status: "completed" }],
          ["dead_started", { status: "started", researchId: "study_9" }],
          ["dead_progress", { status: "progress", progress: 40 }],
          ["alive_repeating", { status: "progress", progress: 10 }],
        ]);
        // A job left queued (as a job is stored before its first callback applies), and one
        // written before migration 0011 or by the previous release (no last_reported_at).
        await app.db.query(
          `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
           VALUES ('dead_queued', 'queued', 0, $1, $1, $1),
                  ('dead_legacy', 'started', 0, $1, $1, NULL)`,
          [new Date(START)],
        );
        // The run below is on 2027-03-12 12:00: its cutoff is 2026-03-12T00:00Z. One worker
        // reports 1 ms before the cutoff and dies; the repeating one reports on the cutoff.
        const cutoff = Date.UTC(2026, 2, 12);
        clock.set(cutoff - 1);
        await reportJobs(app, worker, [["dead_edge", { status: "started" }]]);
        clock.set(cutoff);
        await reportJobs(app, worker, [["alive_repeating", { status: "progress", progress: 10 }]]);
        clock.set(START + 300 * DAY);
        await reportJobs(app, worker, [["recent_running", { status: "started" }]]);

        clock.set(START + 367 * DAY);
        // Before the run, every unfinished job is stalled: 5 whose worker is gone, 2 alive.
        assert.equal(await app.services.jobs.watchStalled(), 7);

        const result = await app.services.jobs.cleanup();
        assert.deepEqual(result, { deleted: 6, unfinished: 5, cutoff: "2026-03-12" });
        assert.deepEqual(await jobIds(app), ["alive_repeating", "recent_running"]);
        const gone = await app.request("/api/jobs/dead_started", {
          headers: { authorization: `Bearer ${reader}` },
        });
        assert.equal(gone.status, 404);
        await gone.body?.cancel();

        // The gauge falls to the jobs that reported since the cutoff: the alert can clear.
        assert.equal(await app.services.jobs.watchStalled(), 2);
        const metrics = await (await app.request("/metrics", {
          headers: { authorization: `Bearer ${reader}` },
        })).text();
        assert.match(metrics, /^jobs_stalled 2$/m);

        // Audited as the other deletions: one entry for the batch, by the system, the count of
        // unfinished jobs among the deleted, no job id.
        assert.deepEqual(await retentionAudits(app), [{
          actor_type: "system",
          target_type: "jobs",
          after: {
            deletedJobs: 6,
            unfinishedJobs: 5,
            cutoffAt: "2026-03-12T00:00:00.000Z",
            retentionDays: 365,
          },
        }]);
        const lines = app.logs.filter((line) => line.includes("jobs retention cleanup"));
        assert.equal(lines.length, 1);
        const line = JSON.parse(lines[0]!);
        assert.deepEqual([line.deleted, line.unfinished], [6, 5]);
        for (const id of ["dead_started", "dead_edge", "study_9"]) {
          assert.ok(!app.logs.some((l) => l.includes(id)), `${id} logged`);
        }

        // A callback from a worker that comes back after all starts a new job under that id.
        await reportJobs(app, worker, [["dead_progress", { status: "progress", progress: 50 }]]);
        const again = await app.services.jobs.get("dead_progress");
        assert.deepEqual([again.status, again.progress, again.stalled], ["progress", 50, false]);
      } finally {
        await app.dispose();
      }
    },
  });
}

Deno.test({
  name:
    "the app schedules job retention: an instance started after the retention deletes old finished jobs at its chores' first run",
  ...opts,
  async fn() {
    const testDb = await freshPglite();
    try {
      await testDb.db.query(
        `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
         VALUES ('done', 'completed', 100, $1, $1, $1), ('running', 'started', 0, $1, $1, $2)`,
        [new Date(START), new Date(START + 365 * DAY)],
      );
      const app = await buildTestApp({
        testDb,
        clock: manualClock(START + 366 * DAY),
        choresFirstRunDelayMs: () => 50,
      });
      try {
        await until(
          async () => (await jobIds(app)).length === 1,
          "the job retention chore's first run",
        );
        assert.deepEqual(await jobIds(app), ["running"]);
        assert.equal((await retentionAudits(app)).length, 1, "the run is audited");
      } finally {
        await app.close();
      }
    } finally {
      await testDb.cleanup();
    }
  },
});
