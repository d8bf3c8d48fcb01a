/**
 * The create forms of /flags and /experiments, posted at once by two administrators with the same
 * key and different settings: exactly one is created (303 ?notice=created, one `*.create` audit
 * entry, its settings stored); the other is refused with the form's "exists already" message
 * beside the key, its typed values kept, and nothing of it written (no `*.update`). The page's
 * own check reads the in-memory snapshot (400 when the other creation is in it already); when
 * neither post has changed it yet, the store refuses the second write under the key lock
 * (`expectNew`: 409). On PGlite (one connection) the writes serialize; on the real Postgres they
 * run in parallel transactions. A row this instance's snapshot does not have yet (written by
 * another instance) shows the store's refusal every time.
 */
import assert from "node:assert/strict";
import { buildTestApp, type TestApp } from "./helpers/app.ts";
import { type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const TRIALS = 20;

function postForm(app: TestApp, session: Session, path: string, fields: [string, string][]) {
  const body = new URLSearchParams([["csrf_token", session.csrfToken], ...fields]);
  return app.request(path, {
    method: "POST",
    headers: { cookie: session.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

async function auditActions(app: TestApp, key: string): Promise<string[]> {
  const rows = await app.db.query<{ action: string }>(
    "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id",
    [key],
  );
  return rows.map((row) => row.action);
}

/** One created (303), the other refused by the page's check (400) or the store's (409). */
function refusedOnce(statuses: number[]): boolean {
  const sorted = [...statuses].sort();
  return sorted[0] === 303 && (sorted[1] === 400 || sorted[1] === 409);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] two create forms of one flag key at once: one created, the other refused with its values kept`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const adminA = await signInAs(app, "ADMIN");
      const adminB = await signInAs(app, "ADMIN");
      for (let i = 0; i < TRIALS; i++) {
        const key = `race.flag${i}`;
        const [a, b] = await Promise.all([
          postForm(app, adminA, "/flags", [
            ["key", key],
            ["scope", "product"],
            ["rollout_percent", "5"],
          ]),
          postForm(app, adminB, "/flags", [
            ["key", key],
            ["enabled", "on"],
            ["scope", "product"],
            ["rollout_percent", "100"],
          ]),
        ]);
        const statuses = [a.status, b.status];
        assert.ok(refusedOnce(statuses), `trial ${i}: ${statuses.join(", ")}`);
        const [winner, loser, won] = a.status === 303 ? [a, b, 5] : [b, a, 100];
        assert.equal(winner.headers.get("location"), `/flags/${key}?notice=created`);
        await winner.body?.cancel();
        const html = await loser.text();
        assert.match(html, /Key: a flag with this key exists already/);
        assert.match(html, /aria-invalid="true"/);
        // The loser's typed rollout is shown again, not the winner's.
        const typed = won === 5 ? "100" : "5";
        assert.match(html, new RegExp(`id="rollout-percent"[^>]*value="${typed}"`));
        assert.deepEqual(await auditActions(app, key), ["flag.create"], `trial ${i}`);
        const stored = app.services.flags.get(key);
        assert.equal(stored?.rolloutPercent, won);
        assert.equal(stored?.enabled, won === 100);
        assert.equal(stored?.version, 1);
      }
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] two create forms of one experiment key at once: one created, the other refused with its values kept`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const adminA = await signInAs(app, "ADMIN");
      const adminB = await signInAs(app, "ADMIN");
      for (let i = 0; i < TRIALS; i++) {
        const key = `race.exp${i}`;
        const [a, b] = await Promise.all([
          postForm(app, adminA, "/experiments", [
            ["key", key],
            ["variants", "control=50\ntreatment=50"],
          ]),
          postForm(app, adminB, "/experiments", [
            ["key", key],
            ["enabled", "on"],
            ["variants", "control=90\nbig=10"],
          ]),
        ]);
        const statuses = [a.status, b.status];
        assert.ok(refusedOnce(statuses), `trial ${i}: ${statuses.join(", ")}`);
        const aWon = a.status === 303;
        const [winner, loser] = aWon ? [a, b] : [b, a];
        assert.equal(winner.headers.get("location"), "/experiments?notice=created");
        await winner.body?.cancel();
        const html = await loser.text();
        assert.match(html, /Key: an experiment with this key exists already\./);
        assert.match(html, /id="new-experiment-key-error"/);
        // The loser's typed variants are shown again in the create form.
        assert.match(html, aWon ? /control=90\s+big=10/ : /control=50\s+treatment=50/);
        assert.deepEqual(await auditActions(app, key), ["experiment.create"], `trial ${i}`);
        const stored = app.services.experiments.get(key);
        assert.deepEqual(
          stored?.variants.map((v) => [v.key, v.weight]),
          aWon ? [["control", 50], ["treatment", 50]] : [["big", 10], ["control", 90]],
        );
        assert.equal(stored?.version, 1);
      }
    } finally {
      await app.dispose();
    }
  });
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a create form whose key another instance created meanwhile: 409, values kept, nothing written`, async () => {
    const app = await buildTestApp({ testDb: await target.open() });
    try {
      const admin = await signInAs(app, "ADMIN");
      // Written as another instance would: this instance's snapshot does not have them yet.
      await app.db.query(
        `INSERT INTO feature_flags (key, enabled, rollout_percent, updated_at, created_at)
         VALUES ('other.flag', true, 100, now(), now())`,
      );
      await app.db.query(
        `INSERT INTO experiments (key, enabled, variants, allocation, updated_at, created_at)
         VALUES ('other.exp', true, '{"control":{},"big":{}}', '{"control":90,"big":10}',
           now(), now())`,
      );
      assert.equal(app.services.flags.get("other.flag"), undefined);
      assert.equal(app.services.experiments.get("other.exp"), undefined);

      const flag = await postForm(app, admin, "/flags", [
        ["key", "other.flag"],
        ["scope", "product"],
        ["rollout_percent", "5"],
      ]);
      assert.equal(flag.status, 409);
      const flagHtml = await flag.text();
      assert.match(flagHtml, /Key: a flag with this key exists already/);
      assert.match(flagHtml, /id="flag-key"[^>]*aria-invalid="true"/);
      assert.match(flagHtml, /id="rollout-percent"[^>]*value="5"/);

      const experiment = await postForm(app, admin, "/experiments", [
        ["key", "other.exp"],
        ["variants", "control=50\ntreatment=50"],
      ]);
      assert.equal(experiment.status, 409);
      const experimentHtml = await experiment.text();
      assert.match(experimentHtml, /Key: an experiment with this key exists already\./);
      assert.match(experimentHtml, /id="new-experiment-key-error"/);
      assert.match(experimentHtml, /control=50\s+treatment=50/);

      assert.deepEqual(await auditActions(app, "other.flag"), []);
      assert.deepEqual(await auditActions(app, "other.exp"), []);
      const flags = await app.db.query<{ rollout_percent: number; version: number }>(
        "SELECT rollout_percent, version FROM feature_flags WHERE key = 'other.flag'",
      );
      assert.deepEqual(flags.map((r) => [Number(r.rollout_percent), Number(r.version)]), [[
        100,
        1,
      ]]);
      const experiments = await app.db.query<{ allocation: unknown; version: number }>(
        "SELECT allocation, version FROM experiments WHERE key = 'other.exp'",
      );
      assert.deepEqual(experiments.map((r) => [r.allocation, Number(r.version)]), [[
        { control: 90, big: 10 },
        1,
      ]]);
    } finally {
      await app.dispose();
    }
  });
}
