/**
 * Switching a variant off (weight 0) takes it away from the subjects already in it: the variant
 * endpoint re-draws them by the current weights and stores the new variant, OFREP answers the
 * same re-drawn variant (also before the endpoint stored it), and nobody is answered the
 * switched-off variant again. On PGlite and, when configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken, type Session, signInAs } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";
import { variantOf } from "./helpers/experiments.ts";

const ACTOR = { actor: { type: "system" as const } };
const KEY = "exp.switch";

const variant = (app: TestApp, session: Session) => variantOf(app, session, KEY);

async function ofrep(app: TestApp, token: string, targetingKey: string) {
  const call = (path: string) =>
    app.request(`/ofrep/v1/evaluate/flags${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ context: { targetingKey } }),
    });
  const one = await call(`/${KEY}`);
  assert.equal(one.status, 200);
  const single = await json<{ value: string }>(one);
  const all = await call("");
  assert.equal(all.status, 200);
  const { flags } = await json<{ flags: { key: string; value: string }[] }>(all);
  const bulk = flags.find((f) => f.key === KEY)!;
  assert.equal(bulk.value, single.value, "single and bulk agree");
  return single.value;
}

async function stored(app: TestApp, userId: string): Promise<string[]> {
  return (await app.db.query<{ variant: string }>(
    "SELECT variant FROM experiment_assignments WHERE experiment_key = $1 AND user_id = $2",
    [KEY, userId],
  )).map((row) => row.variant);
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] a variant switched off (weight 0) is taken away from its subjects, on every call and through OFREP`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const token = await createToken(app, { scopes: ["flags:evaluate"] });
      await app.services.experiments.set({
        key: KEY,
        enabled: true,
        variants: { a: { weight: 50 }, b: { weight: 50 } },
      }, ACTOR);
      // Two users stored in b.
      const inB: Session[] = [];
      for (let i = 0; i < 60 && inB.length < 2; i++) {
        const session = await signInAs(app, "RESEARCHER");
        if ((await variant(app, session)).variant === "b") inB.push(session);
      }
      assert.equal(inB.length, 2, "two users landed in b");
      const [first, second] = inB as [Session, Session];

      await app.services.experiments.set({
        key: KEY,
        enabled: true,
        variants: { a: { weight: 50 }, b: { weight: 0 }, c: { weight: 50 } },
        version: app.services.experiments.get(KEY)!.version,
      }, ACTOR);

      // The endpoint re-draws and stores; every later call and OFREP agree.
      const moved = await variant(app, first);
      assert.notEqual(moved.variant, "b");
      assert.equal(moved.reason, "SPLIT");
      assert.deepEqual(await stored(app, first.user.id), [moved.variant]);
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await variant(app, first), { ...moved, reason: "STICKY" });
      }
      assert.equal(await ofrep(app, token, first.user.id), moved.variant);

      // OFREP first (nothing stored yet but b): the same re-draw the endpoint then stores.
      const remote = await ofrep(app, token, second.user.id);
      assert.notEqual(remote, "b");
      assert.deepEqual(await stored(app, second.user.id), ["b"], "OFREP persists nothing");
      assert.equal((await variant(app, second)).variant, remote);
      assert.equal(await ofrep(app, token, second.user.id), remote);
    } finally {
      await app.dispose();
    }
  });
}
