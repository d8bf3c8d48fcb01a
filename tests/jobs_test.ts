import assert from "node:assert/strict";
import type { AppEvent } from "../lib/realtime/types.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function callback(app: TestApp, token: string, id: string, body: unknown) {
  return app.request(`/api/jobs/${id}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

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

        const started = await callback(app, token, "job-7", {
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
          const response = await callback(app, token, "job-7", body);
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
      ];
      for (const [id, body] of cases) {
        const response = await callback(app, token, id, body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
        const text = await response.text();
        assert.equal(JSON.parse(text).code, "VALIDATION_FAILED");
        assert.doesNotMatch(text, /Jane|example\.org|free text/);
      }
      const rows = await app.db.query("SELECT id FROM jobs");
      assert.equal(rows.length, 0);
      const reader = await createToken(app, { scopes: ["jobs:read"] });
      const forbidden = await callback(app, reader, "job-1", { status: "started" });
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
            callback(app, token, id, { status: "completed" }),
            callback(app, token, id, { status: "progress", progress: 30 }),
            callback(app, token, id, { status: "started" }),
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
