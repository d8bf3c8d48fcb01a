/**
 * Flag and experiment keys share one namespace, also under concurrency: a flag
 * and an experiment created with the same key at the same time through the
 * admin API end with exactly one of them, the other refused with 409 CONFLICT.
 * On PGlite (one connection) the writes serialize anyway; on the real Postgres
 * they run in parallel transactions, which is the case that matters.
 */
import assert from "node:assert/strict";
import { buildTestApp, json } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const TRIALS = 20;

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a flag and an experiment created at once with one key: one wins, the other gets 409`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const admin = await signInAs(app, "ADMIN");
      const headers = admin.headers({ "content-type": "application/json" });
      for (let i = 0; i < TRIALS; i++) {
        const key = `race.key${i}`;
        const [flag, experiment] = await Promise.all([
          app.request(`/api/admin/feature-flags/${key}`, {
            method: "POST",
            headers,
            body: JSON.stringify({ enabled: true }),
          }),
          app.request("/api/admin/experiments", {
            method: "POST",
            headers,
            body: JSON.stringify({ key, enabled: true, variants: { A: { weight: 1 } } }),
          }),
        ]);
        const statuses = [flag.status, experiment.status];
        assert.deepEqual([...statuses].sort(), [200, 409], `trial ${i}: ${statuses.join(", ")}`);
        const loser = flag.status === 409 ? flag : experiment;
        const winner = flag.status === 409 ? experiment : flag;
        assert.equal((await json<{ code: string }>(loser)).code, "CONFLICT");
        await winner.body?.cancel();
      }
      const both = await app.db.query(
        "SELECT f.key FROM feature_flags f JOIN experiments e ON e.key = f.key",
      );
      assert.deepEqual([...both], []);
    } finally {
      await app.dispose();
    }
  });
}
