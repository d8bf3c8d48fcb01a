/**
 * OFREP refuses a targeting key holding a NUL character or an unpaired surrogate (text no
 * database column takes) with its own 400 INVALID_CONTEXT, single and bulk, before anything
 * is read: no read of experiment assignments, no warning. Such a key used to reach Postgres,
 * whose refusal was logged as "experiment assignments not read" and then kept the log quiet
 * about a real failure of those reads. On PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { countingQueries, dbTargets } from "./helpers/db.ts";

const ACTOR = { actor: { type: "system" as const } };
const NOT_READ = "experiment assignments not read";

const BAD_KEYS: Array<[string, string]> = [
  ["a NUL", "a\u0000b"],
  ["a lone high surrogate", "a\ud800b"],
  ["a lone low surrogate", "\udc00"],
];

function ofrep(app: TestApp, token: string, path: string, targetingKey: string) {
  return app.request(`/ofrep/v1/evaluate/flags${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    // JSON.stringify writes a lone surrogate as its \u escape: the body is valid JSON.
    body: JSON.stringify({ context: { targetingKey } }),
  });
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] OFREP: a targetingKey with a NUL or an unpaired surrogate is INVALID_CONTEXT, single and bulk, and nothing is read or logged`, async () => {
    const counted = countingQueries(await target.open(), /FROM experiment_assignments/);
    const app = await buildTestApp({ testDb: counted, env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.experiments.set({
        key: "exp",
        enabled: true,
        variants: { a: { weight: 1 }, b: { weight: 1 } },
      }, ACTOR);
      counted.reads = 0;
      for (const [label, key] of BAD_KEYS) {
        const single = await ofrep(app, token, "/exp", key);
        assert.equal(single.status, 400, `${label}: single`);
        const one = await json<{ key: string; errorCode: string; errorDetails: string }>(single);
        assert.equal(one.key, "exp");
        assert.equal(one.errorCode, "INVALID_CONTEXT", `${label}: single`);
        assert.match(one.errorDetails, /NUL characters or unpaired surrogates/);

        const bulk = await ofrep(app, token, "", key);
        assert.equal(bulk.status, 400, `${label}: bulk`);
        const all = await json<{ errorCode: string; errorDetails: string }>(bulk);
        assert.equal(all.errorCode, "INVALID_CONTEXT", `${label}: bulk`);
        assert.match(all.errorDetails, /NUL characters or unpaired surrogates/);
      }
      assert.equal(counted.reads, 0, "no read of experiment assignments");
      assert.deepEqual(app.logs.filter((line) => line.includes("WARN")), []);

      // A real failure of those reads is still logged (the bad keys did not use up the warning).
      await app.db.exec("ALTER TABLE experiment_assignments RENAME TO experiment_assignments_gone");
      assert.equal((await ofrep(app, token, "/exp", "u-1")).status, 200);
      assert.equal(app.logs.filter((line) => line.includes(NOT_READ)).length, 1);
      await app.db.exec("ALTER TABLE experiment_assignments_gone RENAME TO experiment_assignments");
    } finally {
      await app.dispose();
    }
  });

  Deno.test(`[${target.name}] experiments: remote evaluation for an id with a NUL or an unpaired surrogate answers by the hash without asking the database, and logs nothing`, async () => {
    const counted = countingQueries(await target.open(), /FROM experiment_assignments/);
    const app = await buildTestApp({ testDb: counted });
    try {
      await app.services.experiments.set({
        key: "exp",
        enabled: true,
        variants: { a: { weight: 1 }, b: { weight: 1 } },
      }, ACTOR);
      counted.reads = 0;
      for (const [label, key] of BAD_KEYS) {
        const out = await app.services.experiments.assignRemote(["exp"], key);
        assert.equal(out.get("exp")?.reason, "SPLIT", label);
      }
      assert.equal(counted.reads, 0, "no read of experiment assignments");
      assert.deepEqual(app.logs.filter((line) => line.includes("WARN")), []);
    } finally {
      await app.dispose();
    }
  });
}
