/**
 * Job callbacks racing on one database: a job's progress never decreases and a terminal
 * transition is audited once, also when the callbacks arrive together for a job not yet stored.
 */
import assert from "node:assert/strict";
import { jobCallback } from "./helpers/jobs.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { until } from "./helpers/wait.ts";
import { createAuditLog } from "../lib/audit/mod.ts";
import { systemClock } from "../lib/clock.ts";
import { createJobService } from "../lib/jobs/mod.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const target of dbTargets()) {
  Deno.test({
    name: `[${target.name}] a failed callback racing a new job's progress never lowers it`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const token = await createToken(app, { scopes: ["jobs:write"] });
        // PGlite runs one transaction at a time; the real Postgres races.
        const rounds = target.name === "postgres" ? 30 : 4;
        for (let round = 0; round < rounds; round++) {
          const id = `fail-race-${round}`;
          const bodies = [
            { status: "progress", progress: 90 },
            { status: "failed", progress: 10 },
          ];
          // Both orders: the failed callback first or second.
          if (round % 2) bodies.reverse();
          const responses = await Promise.all(
            bodies.map((body) => jobCallback(app, token, id, body)),
          );
          const answers = [];
          for (const response of responses) {
            assert.equal(response.status, 200);
            answers.push(await json<{ changed: boolean; job: { status: string } }>(response));
          }
          const [row] = await app.db.query<{ status: string; progress: number }>(
            "SELECT status, progress FROM jobs WHERE id = $1",
            [id],
          );
          const progressAnswer = answers[bodies.findIndex((b) => b.status === "progress")]!;
          const failedAnswer = answers[bodies.findIndex((b) => b.status === "failed")]!;
          // Whichever came first, the failed callback moves the job (to failed) ...
          assert.equal(failedAnswer.changed, true, `round ${round}`);
          // ... and keeps the progress of one applied before it (a progress callback applied
          // after it would have found the job finished and changed nothing).
          const expected = progressAnswer.changed ? 90 : 10;
          assert.deepEqual(row, { status: "failed", progress: expected }, `round ${round}`);
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
      `[${target.name}] a job's completion or failure is audited once, naming the reporting token by id; progress is not`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const { token, secret } = await app.services.auth.createToken(
          { name: "worker", scopes: ["jobs:write"] },
          { type: "system" },
        );
        const jobs = createJobService({
          db: app.db,
          bus: app.services.bus,
          clock: systemClock,
          audit: createAuditLog({ db: app.db }),
        });
        const by = {
          // As routes give it: actorOf(principal) of a token is { type: "token", id: token id }.
          actor: { type: "token" as const, id: token.id },
          requestId: "req-1",
        };
        await jobs.report("audited-1", { status: "started", researchId: "study_1" }, by);
        await jobs.report("audited-1", { status: "progress", progress: 40 }, by);
        await Promise.all([
          jobs.report("audited-1", { status: "completed" }, by),
          jobs.report("audited-1", { status: "completed" }, by),
        ]);
        await jobs.report("audited-1", { status: "failed" }, by); // after completion: no change
        await jobs.report("audited-2", { status: "progress", progress: 70 }, by);
        await jobs.report("audited-2", { status: "failed", progress: 10 }, by);

        const rows = await app.db.query<{
          actor_type: string;
          actor_id: string;
          action: string;
          target_type: string;
          target_id: string;
          after: Record<string, unknown>;
          request_id: string;
        }>(
          `SELECT actor_type, actor_id, action, target_type, target_id, after, request_id
             FROM audit_log WHERE action LIKE 'job.%' ORDER BY id`,
        );
        assert.deepEqual(
          rows.map((r) => [r.action, r.target_type, r.target_id, r.actor_type, r.actor_id]),
          [
            ["job.complete", "job", "audited-1", "token", token.id],
            ["job.fail", "job", "audited-2", "token", token.id],
          ],
        );
        assert.deepEqual(rows[0]!.after, {
          status: "completed",
          progress: 100,
          researchId: "study_1",
        });
        assert.equal(rows[0]!.request_id, "req-1");
        assert.equal(rows[1]!.after.progress, 70);
        const text = JSON.stringify(await app.db.query("SELECT * FROM audit_log"));
        assert.ok(!text.includes(secret), "the token's secret is never written");
      } finally {
        await app.dispose();
      }
    },
  });
}

for (const target of dbTargets()) {
  Deno.test({
    name:
      `[${target.name}] through the route, a completed callback is audited with the reporting token as actor`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const { token, secret } = await app.services.auth.createToken(
          { name: "worker", scopes: ["jobs:write"] },
          { type: "system" },
        );
        for (const body of [{ status: "progress", progress: 30 }, { status: "completed" }]) {
          const response = await jobCallback(app, secret, "route-audited", body);
          assert.equal(response.status, 200);
          await response.body?.cancel();
        }
        const rows = await app.db.query<{ action: string; actor_type: string; actor_id: string }>(
          "SELECT action, actor_type, actor_id FROM audit_log WHERE action LIKE 'job.%'",
        );
        assert.deepEqual([...rows], [{
          action: "job.complete",
          actor_type: "token",
          actor_id: token.id,
        }]);
      } finally {
        await app.dispose();
      }
    },
  });
}

for (const target of dbTargets().filter((t) => t.name === "postgres")) {
  Deno.test({
    name:
      `[${target.name}] a callback that waits on a job the retention deletes meanwhile starts a new job under its id, audited, not a 500`,
    ...opts,
    async fn() {
      const app = await buildTestApp({ testDb: await target.open() });
      try {
        const token = await createToken(app, { scopes: ["jobs:write"] });
        for (const body of [{ status: "completed" }, { status: "progress", progress: 30 }]) {
          // An unfinished job whose worker went silent (retention deletes such a job once it
          // has been silent for JOB_RETENTION_DAYS).
          await app.db.query(
            `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
             VALUES ('gone', 'started', 0, now(), now(), now())`,
          );
          let answer: Promise<Response> | undefined;
          // As retention does: lock the row, delete it, and commit while the callback waits on
          // the lock.
          await app.db.transaction(async (tx) => {
            const [holder] = await tx.query<{ pid: number }>(
              "SELECT pg_backend_pid() AS pid FROM jobs WHERE id = 'gone' FOR UPDATE",
            );
            answer = jobCallback(app, token, "gone", body);
            await until(async () => {
              const [row] = await app.db.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE $1::int = ANY (pg_blocking_pids(pid))`,
                [holder!.pid],
              );
              return row?.n === 1;
            }, `the ${body.status} callback waiting on the job's lock`);
            await tx.query("DELETE FROM jobs WHERE id = 'gone'");
          });
          const response = await answer!;
          assert.equal(response.status, 200, body.status);
          const result = await json<{ changed: boolean; job: { status: string } }>(response);
          assert.deepEqual([result.changed, result.job.status], [true, body.status]);
          const rows = await app.db.query<{ status: string }>(
            "SELECT status FROM jobs WHERE id = 'gone'",
          );
          assert.deepEqual([...rows], [{ status: body.status }]);
          await app.db.query("DELETE FROM jobs WHERE id = 'gone'");
        }
        // The completion is audited from the new job's start (queued).
        const [audit] = await app.db.query<{ before: unknown }>(
          "SELECT before FROM audit_log WHERE action = 'job.complete' AND target_id = 'gone'",
        );
        assert.deepEqual(audit?.before, { status: "queued", progress: 0 });
      } finally {
        await app.dispose();
      }
    },
  });
}
