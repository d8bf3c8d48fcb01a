/**
 * A retention run that deleted jobs says so on the event stream: one `jobs.deleted` event on
 * topic `jobs` (how many, no job or research id), so every open /jobs page, on every instance,
 * re-reads its list. A run that deleted nothing publishes nothing. Before, retention deleted
 * jobs and pushed nothing: an open page with a live stream kept showing a deleted finished job
 * until the page was reloaded. PGlite on the injected clock; two instances on real Postgres and
 * Redis.
 */
import assert from "node:assert/strict";
import { manualClock } from "../lib/clock.ts";
import type { Db, Queryable } from "../lib/db/mod.ts";
import { createJobService } from "../lib/jobs/mod.ts";
import type { AppEvent } from "../lib/realtime/mod.ts";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { hasPostgres, hasRedis, TEST_REDIS_URL } from "./helpers/env.ts";
import { reportJobs } from "./helpers/jobs.ts";
import { startCluster } from "./realtime_cluster.ts";
import { readSse } from "./realtime_sse_reader.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 10, 12); // 2026-03-10 12:00 UTC

/** Finished jobs changed at `at`, `count` of them (ids `<prefix>_<n>`). */
async function oldFinishedJobs(app: Pick<TestApp, "db">, prefix: string, count: number, at: Date) {
  await app.db.query(
    `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at, finished_at)
     SELECT $1 || '_' || n, 'completed', 100, $2, $2, $2, $2 FROM generate_series(1, $3::int) AS n`,
    [prefix, at, count],
  );
}

Deno.test({
  name:
    "a retention run that deleted jobs publishes one jobs.deleted event on topic jobs (a count, no ids), which an open jobs stream receives; a run that deleted nothing publishes none",
  ...opts,
  async fn() {
    const clock = manualClock(START);
    const app = await buildTestApp({ clock, env: { JOB_RETENTION_DAYS: "1" } });
    try {
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      await reportJobs(app, worker, [
        ["old_done", { status: "completed", researchId: "study_7" }],
        ["old_failed", { status: "failed" }],
      ]);
      clock.advance(3 * DAY);
      await reportJobs(app, worker, [["recent_done", { status: "completed" }]]);

      const seen: AppEvent[] = [];
      const unsubscribe = app.services.bus.subscribe("jobs", (event) => seen.push(event));
      const user = await signInAs(app, "RESEARCHER");
      const sse = readSse(await app.request("/api/stream?topic=jobs", { headers: user.headers() }));
      try {
        await sse.until((m) => m.some((x) => x.event === "hello"), "hello");

        assert.deepEqual(await app.services.jobs.cleanup(), {
          deleted: 2,
          unfinished: 0,
          cutoff: "2026-03-12",
        });
        await sse.until(() => sse.events().length >= 1, "the deletion's event");
        const [message] = sse.events();
        assert.equal(message!.event, "jobs.deleted");
        const event = JSON.parse(message!.data) as AppEvent;
        assert.equal(event.id, message!.id);
        assert.equal(event.topic, "jobs");
        assert.deepEqual(event.payload, { deleted: 2 });
        for (const id of ["old_done", "old_failed", "study_7"]) {
          assert.ok(!message!.data.includes(id), `${id} in the event`);
        }

        // Nothing left to delete: no event. A later job event proves none was queued before it.
        assert.deepEqual(await app.services.jobs.cleanup(), {
          deleted: 0,
          unfinished: 0,
          cutoff: "2026-03-12",
        });
        await reportJobs(app, worker, [["next_job", { status: "started" }]]);
        await sse.until(() => sse.events().length >= 2, "the next job's event");
        assert.deepEqual(sse.events().map((m) => m.event), ["jobs.deleted", "job.started"]);
        assert.deepEqual(seen.map((e) => e.type), ["jobs.deleted", "job.started"]);
      } finally {
        unsubscribe();
        await sse.close();
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name: "/jobs after retention deleted every job says there are no jobs to show, nothing more",
  ...opts,
  async fn() {
    const clock = manualClock(START);
    const app = await buildTestApp({ clock, env: { JOB_RETENTION_DAYS: "1" } });
    try {
      const worker = await createToken(app, { scopes: ["jobs:write"] });
      await reportJobs(app, worker, [["old_done", { status: "completed" }]]);
      clock.advance(3 * DAY);
      assert.equal((await app.services.jobs.cleanup()).deleted, 1);
      const user = await signInAs(app, "RESEARCHER");
      const response = await app.request("/jobs", { headers: user.headers() });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      const html = await response.text();
      assert.match(html, /No jobs to show\./);
      // Jobs did report: the page must not say none has.
      assert.doesNotMatch(html, /reported yet/);
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "a retention run over several batches publishes one jobs.deleted event with the run's total, and one that fails after a batch committed still announces what it deleted",
  ...opts,
  async fn() {
    const clock = manualClock(START + 400 * DAY);
    const app = await buildTestApp({ clock });
    try {
      await oldFinishedJobs(app, "old", 7, new Date(START));
      const seen: AppEvent[] = [];
      const unsubscribe = app.services.bus.subscribe("jobs", (event) => seen.push(event));
      try {
        const jobs = createJobService({
          db: app.db,
          bus: app.services.bus,
          clock,
          audit: app.services.audit,
          retentionDays: 365,
          retentionBatch: 3,
        });
        assert.equal((await jobs.cleanup()).deleted, 7);
        assert.deepEqual(seen.map((e) => [e.type, e.topic, e.payload]), [
          ["jobs.deleted", "jobs", { deleted: 7 }],
        ]);

        // The second batch's transaction fails (the database went away): the first one's three
        // deletions committed, and pages must still drop them.
        await oldFinishedJobs(app, "more", 7, new Date(START));
        let transactions = 0;
        const failing: Queryable & Pick<Db, "transaction"> = {
          query: (text, params) => app.db.query(text, params),
          transaction: (fn) => {
            if (++transactions === 2) return Promise.reject(new Error("connection lost"));
            return app.db.transaction(fn);
          },
        };
        const broken = createJobService({
          db: failing,
          bus: app.services.bus,
          clock,
          retentionDays: 365,
          retentionBatch: 3,
        });
        await assert.rejects(() => broken.cleanup(), /connection lost/);
        assert.deepEqual(seen.slice(1).map((e) => [e.type, e.payload]), [
          ["jobs.deleted", { deleted: 3 }],
        ]);
      } finally {
        unsubscribe();
      }
    } finally {
      await app.dispose();
    }
  },
});

Deno.test({
  name:
    "redis: a retention run on instance A announces its deletions to a jobs stream open on instance B",
  ignore: !(hasRedis() && hasPostgres()),
  ...opts,
  async fn() {
    const cluster = await startCluster(TEST_REDIS_URL!, { JOB_RETENTION_DAYS: "1" });
    try {
      const { a, b } = cluster;
      await oldFinishedJobs(a, "old", 2, new Date(Date.now() - 3 * DAY));
      const user = await signInAs(b, "RESEARCHER");
      const sse = readSse(await b.request("/api/stream?topic=jobs", { headers: user.headers() }));
      try {
        await sse.until((m) => m.some((x) => x.event === "hello"), "hello");
        assert.equal((await a.services.jobs.cleanup()).deleted, 2);
        await sse.until(() => sse.events().length >= 1, "the deletion's event on B");
        const [message] = sse.events();
        assert.equal(message!.event, "jobs.deleted");
        assert.deepEqual((JSON.parse(message!.data) as AppEvent).payload, { deleted: 2 });
      } finally {
        await sse.close();
      }
    } finally {
      await cluster.close();
    }
  },
});
