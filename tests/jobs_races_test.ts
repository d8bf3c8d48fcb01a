/**
 * Job callbacks racing on one database: a job's progress never decreases and a terminal
 * transition is audited once, also when the callbacks arrive together for a job not yet stored.
 */
import assert from "node:assert/strict";
import { jobCallback } from "./helpers/jobs.ts";
import { buildTestApp, json } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

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
