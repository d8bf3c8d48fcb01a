/**
 * A job's stall mark follows its last callback, not its last change: a worker that repeats a
 * callback (alive, no new progress) clears the mark in the API, the stalled list, the gauge and
 * the /jobs page, without an event. And a job's times never move backwards when the clocks of
 * the instances that took its callbacks differ.
 */
import assert from "node:assert/strict";
import { jobCallback } from "./helpers/jobs.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

interface JobAnswer {
  job: {
    status: string;
    progress: number;
    updatedAt: string;
    lastReportedAt: string;
    stalled: boolean;
  };
  changed: boolean;
}

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] a repeated callback of a live worker clears "stalled" (API, list, gauge, page) and publishes nothing`,
    ...opts,
    async fn() {
      const start = Date.UTC(2026, 10, 1, 9);
      const clock = manualClock(start);
      const app = await buildTestApp({
        testDb: await target.open(),
        clock,
        env: { JOB_STALL_AFTER_MINUTES: "1", SESSION_IDLE_MINUTES: "240" },
      });
      try {
        const events: AppEvent[] = [];
        app.services.bus.subscribe("jobs", (e) => events.push(e));
        const writer = await createToken(app, { scopes: ["jobs:write"] });
        const reader = await createToken(app, { scopes: ["jobs:read", "metrics:read"] });
        const get = async <T>(path: string) => {
          const response = await app.request(path, {
            headers: { authorization: `Bearer ${reader}` },
          });
          assert.equal(response.status, 200, path);
          return await json<T>(response);
        };
        const report = async (id: string, body: unknown) => {
          const response = await jobCallback(app, writer, id, body);
          assert.equal(response.status, 200);
          return await json<JobAnswer>(response);
        };
        await report("hb", { status: "started" });
        await report("hb", { status: "progress", progress: 40 });
        await report("fin", { status: "completed" });
        const changedAt = new Date(start).toISOString();

        clock.advance(2 * 60_000);
        assert.equal((await get<{ stalled: boolean }>("/api/jobs/hb")).stalled, true);
        assert.equal(await app.services.jobs.watchStalled(), 1);
        const published = events.length;

        // The worker is alive, still at 40 %: a repeat. Nothing changes, but it has reported.
        const repeat = await report("hb", { status: "progress", progress: 40 });
        const reportedAt = new Date(clock.now()).toISOString();
        assert.equal(repeat.changed, false);
        assert.equal(repeat.job.stalled, false);
        assert.equal(repeat.job.updatedAt, changedAt, "the last change keeps its time");
        assert.equal(repeat.job.lastReportedAt, reportedAt);
        const one = await get<JobAnswer["job"]>("/api/jobs/hb");
        assert.deepEqual([one.stalled, one.updatedAt, one.lastReportedAt], [
          false,
          changedAt,
          reportedAt,
        ]);
        assert.deepEqual((await get<{ jobs: unknown[] }>("/api/jobs?stalled=true")).jobs, []);
        assert.equal(await app.services.jobs.watchStalled(), 0);
        const steward = await signInAs(app, "STEWARD");
        const page = await (await app.request("/jobs", { headers: steward.headers() })).text();
        assert.doesNotMatch(page, /data-testid="jobs-stalled"/);
        assert.equal(events.length, published, "a repeat publishes no event");

        // An out-of-order callback (started after progress) is a report too.
        clock.advance(2 * 60_000);
        const late = await report("hb", { status: "started" });
        assert.deepEqual([late.changed, late.job.status, late.job.stalled], [
          false,
          "progress",
          false,
        ]);

        // A finished job is never stalled; a callback after it leaves it as it was.
        const finished = await get<JobAnswer["job"]>("/api/jobs/fin");
        clock.advance(60_000);
        const after = await report("fin", { status: "progress", progress: 10 });
        assert.equal(after.changed, false);
        assert.equal(after.job.lastReportedAt, finished.lastReportedAt);

        // Silent again past the threshold: stalled again.
        clock.advance(2 * 60_000);
        assert.deepEqual(
          (await get<{ jobs: Array<{ id: string }> }>("/api/jobs?stalled=true")).jobs.map((j) =>
            j.id
          ),
          ["hb"],
        );
        assert.equal(events.length, published);
      } finally {
        await app.dispose();
      }
    },
  });

  Deno.test({
    name:
      `[${target.name}] a job's updatedAt and lastReportedAt never move backwards across instances whose clocks differ`,
    ...opts,
    async fn() {
      const testDb = await target.open();
      const t = Date.UTC(2026, 10, 1, 9);
      const clockA = manualClock(t);
      const clockB = manualClock(t - 10_000); // B's clock 10 s behind A's
      const env = { RATE_LIMIT_PER_MIN: "0", JOB_STALL_AFTER_MINUTES: "1" };
      const shared = { db: testDb.db, cleanup: () => Promise.resolve() };
      const a = await buildTestApp({ testDb: shared, clock: clockA, env });
      const b = await buildTestApp({ testDb: shared, clock: clockB, env });
      try {
        const first = await a.services.jobs.report("skew", { status: "progress", progress: 10 });
        clockA.advance(1000);
        clockB.advance(1000);
        const second = await b.services.jobs.report("skew", { status: "progress", progress: 20 });
        assert.equal(second.changed, true);
        assert.equal(second.job.progress, 20);
        assert.equal(second.job.updatedAt, first.job.updatedAt, "updatedAt kept, not moved back");
        assert.equal(second.job.lastReportedAt, first.job.lastReportedAt);
        // A repeat on B neither.
        const repeat = await b.services.jobs.report("skew", { status: "progress", progress: 20 });
        assert.equal(repeat.job.lastReportedAt, first.job.lastReportedAt);
        // 55 s after B's callback A reads the job (threshold 1 minute): not stalled.
        clockA.advance(55_000);
        assert.equal((await a.services.jobs.get("skew")).stalled, false);
        clockA.advance(10_000);
        assert.equal((await a.services.jobs.get("skew")).stalled, true);
      } finally {
        await b.dispose();
        await a.dispose();
        await testDb.cleanup();
      }
    },
  });
}
