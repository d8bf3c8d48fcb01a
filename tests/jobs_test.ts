import assert from "node:assert/strict";
import { jobCallback } from "./helpers/jobs.ts";
import type { AppEvent } from "../lib/realtime/types.ts";
import { manualClock } from "../lib/clock.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] job callbacks upsert the job, publish job.* on topic jobs, and are idempotent`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const events: AppEvent[] = [];
        app.services.bus.subscribe("jobs", (e) => events.push(e));
        const token = await createToken(app, { scopes: ["jobs:write"] });

        const started = await jobCallback(app, token, "job-7", {
          status: "started",
          researchId: "study-3",
        });
        assert.equal(started.status, 200);
        assert.match(started.headers.get("content-type") ?? "", /application\/json/);
        const first = await json<{ job: Record<string, unknown>; changed: boolean }>(started);
        assert.equal(first.changed, true);
        assert.equal(first.job.status, "started");
        assert.equal(first.job.researchId, "study-3");
        assert.ok(first.job.startedAt);

        const sequence = [
          { status: "progress", progress: 40 },
          { status: "progress", progress: 40 }, // repeat
          { status: "progress", progress: 20 }, // late, lower
          { status: "started" }, // late
          { status: "completed" },
          { status: "progress", progress: 90 }, // after completion
          { status: "failed" }, // after completion
        ];
        const changed: boolean[] = [];
        for (const body of sequence) {
          const response = await jobCallback(app, token, "job-7", body);
          assert.equal(response.status, 200);
          changed.push((await json<{ changed: boolean }>(response)).changed);
        }
        assert.deepEqual(changed, [true, false, false, false, true, false, false]);
        assert.deepEqual(events.map((e) => e.type), [
          "job.started",
          "job.progress",
          "job.completed",
        ]);
        assert.deepEqual(events.at(-1)!.payload, {
          jobId: "job-7",
          status: "completed",
          progress: 100,
          researchId: "study-3",
        });
        assert.ok(events.every((e) => e.topic === "jobs"));

        const reader = await signInAs(app, "RESEARCHER");
        const one = await app.request("/api/jobs/job-7", { headers: reader.headers() });
        assert.equal(one.status, 200);
        const stored = await json(one);
        assert.equal(stored.status, "completed");
        assert.equal(stored.progress, 100);
        assert.ok(stored.finishedAt);
        const list = await json<{ jobs: Array<{ id: string }> }>(
          await app.request("/api/jobs", { headers: reader.headers() }),
        );
        assert.deepEqual(list.jobs.map((j) => j.id), ["job-7"]);
        const missing = await app.request("/api/jobs/nope", { headers: reader.headers() });
        assert.equal(missing.status, 404);
        assert.equal((await json(missing)).code, "NOT_FOUND");
      } finally {
        await app.dispose();
      }
    },
  });
}

Deno.test({
  name: "job callbacks refuse invalid input with 400 and write nothing",
  ...opts,
  async fn() {
    const app = await buildTestApp();
    try {
      const token = await createToken(app, { scopes: ["jobs:write"] });
      const cases: Array<[string, unknown]> = [
        ["job-1", { status: "exploded" }],
        ["job-1", { status: "progress", progress: 101 }],
        ["job-1", { status: "progress", progress: 4.5 }],
        ["job-1", { status: "started", note: "free text" }],
        ["job-1", { status: "started", researchId: "Jane Doe" }],
        ["job-1", { status: "started", researchId: "jane@example.org" }],
        ["a%20b", { status: "started" }],
        // Identifier-shaped PHI: these would reach every open event stream.
        ["415-555-0132", { status: "started" }],
        ["job-1", { status: "started", researchId: "MRN-00482913" }],
      ];
      for (const [id, body] of cases) {
        const response = await jobCallback(app, token, id, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
        const text = await response.text();
        assert.equal(JSON.parse(text).code, "VALIDATION_FAILED");
        // The planted values, not their digits alone: the random request id may hold "555".
        assert.doesNotMatch(text, /Jane|example\.org|free text|415-555|00482913/);
      }
      // A worker team learns the id itself is the problem (before: "may hold only identifiers").
      const phiId = await jobCallback(app, token, "415-555-0132", { status: "started" });
      const detail = (await json<{ detail: string }>(phiId)).detail;
      assert.match(detail, /reads as PHI/);
      assert.doesNotMatch(detail, /415-555/);
      const rows = await app.db.query("SELECT id FROM jobs");
      assert.equal(rows.length, 0);
      const reader = await createToken(app, { scopes: ["jobs:read"] });
      const forbidden = await jobCallback(app, reader, "job-1", { status: "started" });
      assert.equal(forbidden.status, 403);
      await forbidden.body?.cancel();
    } finally {
      await app.dispose();
    }
  },
});

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] concurrent callbacks for a new job never leave it behind its furthest status`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const token = await createToken(app, { scopes: ["jobs:write"] });
        for (let round = 0; round < 5; round++) {
          const id = `race-${round}`;
          const responses = await Promise.all([
            jobCallback(app, token, id, { status: "completed" }),
            jobCallback(app, token, id, { status: "progress", progress: 30 }),
            jobCallback(app, token, id, { status: "started" }),
          ]);
          for (const response of responses) {
            assert.equal(response.status, 200);
            await response.body?.cancel();
          }
          const rows = await app.db.query<{ status: string; progress: number }>(
            "SELECT status, progress FROM jobs WHERE id = $1",
            [id],
          );
          assert.deepEqual([...rows], [{ status: "completed", progress: 100 }]);
        }
      } finally {
        await app.dispose();
      }
    },
  });
}

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] an unfinished job silent past JOB_STALL_AFTER_MINUTES reads as stalled until it reports again`,
    ...opts,
    async fn() {
      const clock = manualClock(Date.UTC(2026, 10, 1, 9));
      const app = await buildTestApp({
        testDb: await target.open(),
        clock,
        env: { JOB_STALL_AFTER_MINUTES: "30", SESSION_IDLE_MINUTES: "240" },
      });
      try {
        const writer = await createToken(app, { scopes: ["jobs:write"] });
        const reader = await createToken(app, { scopes: ["jobs:read", "metrics:read"] });
        const get = async <T>(path: string) => {
          const response = await app.request(path, {
            headers: { authorization: `Bearer ${reader}` },
          });
          assert.equal(response.status, 200, path);
          return await json<T>(response);
        };
        type Listed = { jobs: Array<{ id: string; stalled: boolean }> };
        const stalledIds = async (query = "") =>
          (await get<Listed>(`/api/jobs${query}`)).jobs.filter((j) => j.stalled).map((j) => j.id);

        for (
          const [id, body] of [
            ["quiet", { status: "started" }],
            ["done", { status: "started" }],
            ["done", { status: "completed" }],
          ] as const
        ) {
          assert.equal((await jobCallback(app, writer, id, body)).status, 200);
        }
        clock.advance(20 * 60_000);
        await jobCallback(app, writer, "recent", { status: "progress", progress: 10 });

        // 30 minutes on the dot is not yet stalled; a minute later it is.
        clock.advance(10 * 60_000);
        assert.deepEqual(await stalledIds(), []);
        assert.equal(await app.services.jobs.watchStalled(), 0);
        clock.advance(60_000);
        assert.deepEqual(await stalledIds(), ["quiet"]);
        assert.deepEqual((await get<Listed>("/api/jobs?stalled=true")).jobs.map((j) => j.id), [
          "quiet",
        ]);
        assert.equal((await get<{ stalled: boolean }>("/api/jobs/quiet")).stalled, true);
        assert.equal((await get<{ stalled: boolean }>("/api/jobs/done")).stalled, false);

        // The watch sets the gauge and warns (with a count, no job ids).
        assert.equal(await app.services.jobs.watchStalled(), 1);
        const metrics = await (await app.request("/metrics", {
          headers: { authorization: `Bearer ${reader}` },
        })).text();
        assert.match(metrics, /^jobs_stalled 1$/m);
        const warning = app.logs.find((line) => line.includes("jobs stalled"));
        assert.ok(warning, "a warning is logged");
        assert.doesNotMatch(warning, /quiet/);

        // The page says so, next to the job.
        const steward = await signInAs(app, "STEWARD");
        const page = await (await app.request("/jobs", { headers: steward.headers() })).text();
        assert.match(page, /data-testid="jobs-stalled"/);
        assert.match(page, /1 job has/);
        assert.match(page, /title="No report for more than 30 minutes"/);

        // A late report still applies and clears it.
        const late = await jobCallback(app, writer, "quiet", { status: "progress", progress: 50 });
        const after = await json<{ job: { stalled: boolean; progress: number }; changed: boolean }>(
          late,
        );
        assert.deepEqual([after.changed, after.job.progress, after.job.stalled], [true, 50, false]);
        assert.deepEqual(await stalledIds("?stalled=true"), []);
        assert.equal(await app.services.jobs.watchStalled(), 0);
        const cleared = await (await app.request("/metrics", {
          headers: { authorization: `Bearer ${reader}` },
        })).text();
        assert.match(cleared, /^jobs_stalled 0$/m);
        const clearedPage = await (await app.request("/jobs", { headers: steward.headers() }))
          .text();
        assert.doesNotMatch(clearedPage, /data-testid="jobs-stalled"/);
      } finally {
        await app.dispose();
      }
    },
  });
}

Deno.test({
  name: "JOB_STALL_AFTER_MINUTES=0 never marks a job stalled; ?stalled takes true or false only",
  ...opts,
  async fn() {
    const clock = manualClock();
    const app = await buildTestApp({ clock, env: { JOB_STALL_AFTER_MINUTES: "0" } });
    try {
      const writer = await createToken(app, { scopes: ["jobs:write"] });
      const reader = await createToken(app, { scopes: ["jobs:read"] });
      await jobCallback(app, writer, "old", { status: "started" });
      clock.advance(30 * 24 * 3_600_000);
      const headers = { authorization: `Bearer ${reader}` };
      const list = await json<{ jobs: Array<{ stalled: boolean }> }>(
        await app.request("/api/jobs", { headers }),
      );
      assert.deepEqual(list.jobs.map((j) => j.stalled), [false]);
      const stalled = await json<{ jobs: unknown[] }>(
        await app.request("/api/jobs?stalled=true", { headers }),
      );
      assert.deepEqual(stalled.jobs, []);
      assert.equal(await app.services.jobs.watchStalled(), 0);

      const bad = await app.request("/api/jobs?stalled=maybe", { headers });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get("content-type") ?? "", /application\/problem\+json/);
      assert.equal((await json(bad)).code, "VALIDATION_FAILED");
    } finally {
      await app.dispose();
    }
  },
});
