/**
 * Experiment assignment counts at scale: saving one experiment reads that experiment's counts
 * only, and neither a save, the experiments list, /experiments nor the experiments API counts the
 * assignments table (a GROUP BY over every assignment took seconds at millions of rows). The
 * counts they show come from `experiment_assignment_counts`, kept by triggers (migration 0014),
 * and equal a GROUP BY over `experiment_assignments` after concurrent assignments, redraws,
 * deletions of users and of an experiment (ON DELETE CASCADE), deletions by hand and a TRUNCATE.
 * On PGlite and, when TEST_DATABASE_URL is set, on Postgres (parallel connections).
 */
import assert from "node:assert/strict";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";
import { countingQueries, dbTargets } from "./helpers/db.ts";
import { createAssignmentStore } from "../lib/experiments/store.ts";
import { systemClock } from "../lib/clock.ts";
import type { Queryable } from "../lib/db/mod.ts";

const ACTOR = { actor: { type: "system" as const } };

/** A query touching an assignments table without narrowing it to one experiment. */
const UNNARROWED = /\bexperiment_assignment(?:s|_counts)\b(?![\s\S]*\bexperiment_key\s*=)/;
/** A query reading the assignments table itself (not the counts). */
const ASSIGNMENTS_READ = /\bFROM\s+experiment_assignments\b/i;

async function groupBy(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.query<{ experiment_key: string; variant: string; n: number }>(
    `SELECT experiment_key, variant, count(*)::int AS n FROM experiment_assignments
     GROUP BY experiment_key, variant`,
  );
  return Object.fromEntries(
    rows.map((r) => [`${r.experiment_key}/${r.variant}`, Number(r.n)] as const).sort(),
  );
}

async function counted(db: Queryable): Promise<Record<string, number>> {
  const rows = await db.query<{ experiment_key: string; variant: string; n: number }>(
    `SELECT experiment_key, variant, sum(n)::int AS n FROM experiment_assignment_counts
      GROUP BY experiment_key, variant HAVING sum(n) > 0`,
  );
  return Object.fromEntries(
    rows.map((r) => [`${r.experiment_key}/${r.variant}`, Number(r.n)] as const).sort(),
  );
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] saving one experiment reads its counts only; the list and pages never count the assignments table`, async () => {
    const spied = countingQueries(await target.open(), /./);
    const seen: string[] = [];
    const query = spied.db.query;
    spied.db.query = ((text: string, params?: unknown[]) => {
      seen.push(text);
      return query(text, params);
    }) as typeof query;
    const app = await buildTestApp({ testDb: spied, env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      for (const key of ["exp.one", "exp.two"]) {
        await app.services.experiments.set({
          key,
          enabled: true,
          variants: { A: { weight: 50 }, B: { weight: 50 } },
        }, ACTOR);
      }
      await app.db.exec(`
        INSERT INTO experiment_assignments (experiment_key, session_id, variant)
        SELECT 'exp.one', 's' || g, CASE WHEN g % 3 = 0 THEN 'B' ELSE 'A' END
        FROM generate_series(1, 30) g;
        INSERT INTO experiment_assignments (experiment_key, session_id, variant)
        SELECT 'exp.two', 's' || g, 'B' FROM generate_series(1, 7) g;
      `);

      seen.length = 0;
      const saved = await app.services.experiments.set({
        key: "exp.one",
        enabled: true,
        description: "saved",
        variants: { A: { weight: 50 }, B: { weight: 50 } },
      }, ACTOR);
      const unnarrowed = seen.filter((text) => UNNARROWED.test(text));
      assert.deepEqual(unnarrowed.length, 0, "a save reads one experiment's counts");
      assert.deepEqual(
        saved.variants.map((v) => [v.key, v.assignments]),
        [["A", 20], ["B", 10]],
      );

      seen.length = 0;
      const list = await app.services.experiments.list();
      assert.deepEqual(
        list.map((e) => [e.key, e.variants.map((v) => v.assignments)]).sort(),
        [["exp.one", [20, 10]], ["exp.two", [0, 7]]],
      );
      const admin = await signInAs(app, "ADMIN");
      const page = await app.request("/experiments", { headers: { cookie: admin.cookie } });
      assert.equal(page.status, 200);
      await page.body?.cancel();
      const api = await app.request("/api/admin/experiments", {
        headers: { cookie: admin.cookie },
      });
      assert.equal(api.status, 200);
      await api.body?.cancel();
      assert.deepEqual(seen.filter((text) => ASSIGNMENTS_READ.test(text)), []);
      assert.deepEqual(await counted(app.db), await groupBy(app.db));
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] assignment counts equal a GROUP BY after concurrent assignments, redraws and deletions`, async () => {
    const testDb = await target.open();
    const db = testDb.db;
    try {
      const store = createAssignmentStore({ db, clock: systemClock });
      const keys = ["c.one", "c.two", "c.three"];
      for (const key of keys) {
        await db.query(`INSERT INTO experiments (key, enabled, variants) VALUES ($1, true, '{}')`, [
          key,
        ]);
      }
      const users: string[] = [];
      for (let i = 0; i < 12; i++) {
        const rows = await db.query<{ id: string }>(
          `INSERT INTO users (email) VALUES ($1) RETURNING id`,
          [`counts${i}@example.org`],
        );
        users.push(rows[0]!.id);
      }
      const variants = ["A", "B", "C"];
      const subjects = [
        ...users.map((userId) => ({ userId })),
        ...Array.from({ length: 40 }, (_, i) => ({ sessionId: `sess-${i}` })),
      ];
      // Every subject assigned twice at once per experiment (one insert wins), in parallel.
      await Promise.all(
        keys.flatMap((key, k) =>
          subjects.flatMap((subject, s) => [
            store.insert(key, subject, variants[(s + k) % 3]!),
            store.insert(key, subject, variants[(s + k + 1) % 3]!),
          ])
        ),
      );
      assert.deepEqual(await counted(db), await groupBy(db));
      // Redraws from C (as if removed) to A or B, each raced by a second one, while users are
      // deleted (cascade), sessions' rows deleted by hand and more subjects assigned.
      const redraws = keys.flatMap((key) =>
        subjects.flatMap((subject, s) => [
          store.reassign(key, subject, "C", s % 2 ? "A" : "B"),
          store.reassign(key, subject, "C", s % 2 ? "B" : "A"),
        ])
      );
      await Promise.all([
        ...redraws,
        ...users.slice(0, 5).map((id) => db.query(`DELETE FROM users WHERE id = $1`, [id])),
        db.query(`DELETE FROM experiment_assignments WHERE session_id LIKE 'sess-1%'`),
        ...keys.map((key, k) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              store.insert(key, { sessionId: `late-${i}` }, variants[(i + k) % 3]!)),
          )
        ),
        db.query(
          `UPDATE experiment_assignments SET variant = 'A' WHERE experiment_key = 'c.two' AND variant = 'B'`,
        ),
      ]);
      assert.deepEqual(await counted(db), await groupBy(db));
      assert.equal(
        Object.keys(await groupBy(db)).some((k) => k.endsWith("/C")),
        Object.keys(await counted(db)).some((k) => k.endsWith("/C")),
      );
      // An experiment deleted (its assignments cascade), then recreated: it starts at 0.
      await db.query(`DELETE FROM experiments WHERE key = 'c.one'`);
      await db.query(
        `INSERT INTO experiments (key, enabled, variants) VALUES ('c.one', true, '{}')`,
      );
      await store.insert("c.one", { sessionId: "again" }, "B");
      assert.deepEqual(await counted(db), await groupBy(db));
      assert.equal((await store.counts("c.one")).get("c.one")?.B, 1);
      assert.deepEqual(
        Object.fromEntries(
          [...(await store.counts()).entries()].flatMap(([key, byVariant]) =>
            Object.entries(byVariant).map(([v, n]) => [`${key}/${v}`, n])
          ).sort(),
        ),
        await groupBy(db),
      );
      await db.exec(`TRUNCATE experiment_assignments`);
      assert.deepEqual(await counted(db), {});
    } finally {
      await testDb.cleanup();
    }
  });
}
