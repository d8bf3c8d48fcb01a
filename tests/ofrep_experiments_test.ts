/**
 * Experiments through OFREP agree with the experiments API: a user's persisted
 * (sticky) assignment wins over the hash in single and bulk evaluation, also
 * after the weights change, and OFREP itself persists nothing. On PGlite and,
 * when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { pickVariant } from "../lib/experiments/assign.ts";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, signInAs } from "./helpers/auth.ts";
import { countingQueries, dbTargets } from "./helpers/db.ts";

const ACTOR = { actor: { type: "system" as const } };

interface Success {
  key: string;
  value?: string;
  reason: string;
  variant?: string;
  metadata: { kind: string; evaluationReason: string; version: number };
}

function ofrep(app: TestApp, token: string, path: string, targetingKey: string) {
  return app.request(`/ofrep/v1/evaluate/flags${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ context: { targetingKey } }),
  });
}

async function single(app: TestApp, token: string, key: string, targetingKey: string) {
  const response = await ofrep(app, token, `/${key}`, targetingKey);
  assert.equal(response.status, 200);
  return await json<Success>(response);
}

async function bulk(app: TestApp, token: string, targetingKey: string) {
  const response = await ofrep(app, token, "", targetingKey);
  assert.equal(response.status, 200);
  const { flags } = await json<{ flags: Success[] }>(response);
  return new Map(flags.map((f) => [f.key, f]));
}

/**
 * Moves nearly all weight of `key` to `variant` (so the hash gives nearly everyone `variant`); the
 * other keeps weight 1, as a variant switched off (weight 0) is taken away from its subjects.
 */
async function allWeightTo(app: TestApp, key: string, variant: "a" | "b") {
  await app.services.experiments.set({
    key,
    enabled: true,
    variants: {
      a: { weight: variant === "a" ? 10_000 : 1 },
      b: { weight: variant === "b" ? 10_000 : 1 },
    },
    version: app.services.experiments.get(key)!.version,
  }, ACTOR);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] OFREP experiments: a sticky assignment wins over the hash after the weights change, single and bulk`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.flags.set("plain.flag", { enabled: true }, ACTOR);
      for (const key of ["exp.one", "exp.two"]) {
        await app.services.experiments.set({
          key,
          enabled: true,
          variants: { a: { weight: 50 }, b: { weight: 50 } },
        }, ACTOR);
      }
      // The app assigns a signed-in user to both experiments (persisted).
      const user = await signInAs(app, "RESEARCHER");
      const userId = user.user.id;
      const assigned = new Map<string, "a" | "b">();
      for (const key of ["exp.one", "exp.two"]) {
        const response = await app.request(`/api/experiments/${key}/variant`, {
          headers: user.headers(),
        });
        assert.equal(response.status, 200);
        const { variant, reason } = await json<{ variant: "a" | "b"; reason: string }>(response);
        assert.equal(reason, "SPLIT");
        assigned.set(key, variant);
      }
      // OFREP already reports it as the stored assignment.
      const before = await single(app, token, "exp.one", userId);
      assert.deepEqual(
        [before.value, before.reason, before.metadata.evaluationReason],
        [assigned.get("exp.one"), "SPLIT", "STICKY"],
      );

      // Nearly all weight moves to the other variant: the hash now says the other one for all but
      // 1 in 10 001 ids; the STICKY reasons below show the stored variant answered either way.
      for (const [key, variant] of assigned) {
        await allWeightTo(app, key, variant === "a" ? "b" : "a");
      }
      const api = await json<{ variant: string; reason: string }>(
        await app.request("/api/experiments/exp.one/variant", { headers: user.headers() }),
      );
      assert.deepEqual([api.variant, api.reason], [assigned.get("exp.one"), "STICKY"]);
      for (const [key, variant] of assigned) {
        const one = await single(app, token, key, userId);
        assert.deepEqual(
          [one.value, one.variant, one.reason, one.metadata.evaluationReason],
          [variant, variant, "SPLIT", "STICKY"],
          key,
        );
      }
      const all = await bulk(app, token, userId);
      for (const [key, variant] of assigned) {
        assert.deepEqual(all.get(key), await single(app, token, key, userId), key);
        assert.equal(all.get(key)!.value, variant);
      }
      assert.equal(all.get("plain.flag")!.value, true);

      // Someone never assigned follows the weights, and OFREP persists nothing for them.
      const stranger = await single(app, token, "exp.one", "stranger-1");
      assert.deepEqual(
        [stranger.value, stranger.metadata.evaluationReason],
        [assigned.get("exp.one") === "a" ? "b" : "a", "SPLIT"],
      );
      const rows = await app.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM experiment_assignments WHERE user_id <> $1 OR user_id IS NULL",
        [userId],
      );
      assert.equal(Number(rows[0]!.n), 0);

      // A disabled experiment answers no value, whatever was stored.
      await app.services.experiments.set({
        key: "exp.two",
        enabled: false,
        variants: { a: { weight: 1 }, b: { weight: 1 } },
        version: app.services.experiments.get("exp.two")!.version,
      }, ACTOR);
      const disabled = await single(app, token, "exp.two", userId);
      assert.deepEqual(
        [disabled.value, disabled.reason, disabled.metadata.evaluationReason],
        [undefined, "DISABLED", "DISABLED"],
      );
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] OFREP experiments: an assignment made after an evaluation is STICKY at once and stays through a weight change`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.experiments.set({
        key: "exp",
        enabled: true,
        variants: { a: { weight: 50 }, b: { weight: 50 } },
      }, ACTOR);
      const user = await signInAs(app, "RESEARCHER");
      const userId = user.user.id;
      // Evaluated remotely before the app ever assigned the user: the hash.
      const first = (await bulk(app, token, userId)).get("exp")!;
      assert.equal(first.metadata.evaluationReason, "SPLIT");
      // The app assigns the user now (the same variant: same hash, same weights).
      const api = await json<{ variant: string; reason: string }>(
        await app.request("/api/experiments/exp/variant", { headers: user.headers() }),
      );
      assert.deepEqual([api.variant, api.reason], [first.value, "SPLIT"]);
      const after = (await bulk(app, token, userId)).get("exp")!;
      assert.deepEqual([after.value, after.metadata.evaluationReason], [first.value, "STICKY"]);
      await allWeightTo(app, "exp", first.value === "a" ? "b" : "a");
      const moved = await single(app, token, "exp", userId);
      assert.deepEqual([moved.value, moved.metadata.evaluationReason], [first.value, "STICKY"]);
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] OFREP experiments: one read of a subject's assignments serves every experiment until something changes`, async () => {
    // The real database, with its reads of experiment_assignments counted.
    const counted = countingQueries(await target.open(), /FROM experiment_assignments/);
    const app = await buildTestApp({ testDb: counted, env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      for (const key of ["e1", "e2", "e3", "e4"]) {
        await app.services.experiments.set({
          key,
          enabled: true,
          variants: { a: { weight: 1 }, b: { weight: 1 } },
        }, ACTOR);
      }
      counted.reads = 0;
      const first = await bulk(app, token, "subject-1");
      assert.equal(first.size, 4);
      assert.equal(counted.reads, 1, "one read for four experiments");
      await bulk(app, token, "subject-1");
      await single(app, token, "e3", "subject-1");
      assert.equal(counted.reads, 1, "nothing changed: no further read");
      await bulk(app, token, "subject-2");
      assert.equal(counted.reads, 2, "another subject: its own read");
      await app.services.experiments.set({
        key: "e1",
        enabled: true,
        variants: { a: { weight: 1 }, b: { weight: 2 } },
        version: 1,
      }, ACTOR);
      counted.reads = 0;
      await bulk(app, token, "subject-1");
      assert.equal(counted.reads, 1, "an experiment changed: read again");
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] OFREP experiments: when assignments cannot be read, the hash answers (no error)`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.experiments.set({
        key: "exp",
        enabled: true,
        variants: { a: { weight: 1 }, b: { weight: 1 } },
      }, ACTOR);
      await app.db.exec("ALTER TABLE experiment_assignments RENAME TO experiment_assignments_gone");
      const expected = pickVariant(app.services.experiments.get("exp")!, "u-1")!.key;
      const one = await single(app, token, "exp", "u-1");
      assert.deepEqual([one.value, one.metadata.evaluationReason], [expected, "SPLIT"]);
      assert.equal((await bulk(app, token, "u-1")).get("exp")!.value, expected);
      assert.equal(
        app.logs.filter((line) => line.includes("experiment assignments not read")).length,
        1,
        "logged once, not per request",
      );
      await app.db.exec("ALTER TABLE experiment_assignments_gone RENAME TO experiment_assignments");
    } finally {
      await app.dispose();
    }
  });
}
