/**
 * OFREP without a targeting key. A flag that only targets listed users (rolled out to 0%) answers
 * off, 200 with `false`: without a key no listed user is identified, and an error would make the
 * SDKs return the caller's own code default, which may be `true` — a pilot-only flag switched on
 * for every caller that sends no key. A percentage rollout (with or without target users) cannot
 * bucket without a key and answers off as well (DESIGN rule 7: no id → false, `ROLLOUT`), for the
 * same reason, single and bulk; a flag rolled out to 100% needs no key. An experiment without a
 * key still answers TARGETING_KEY_MISSING (no variant can be guessed). On PGlite and, when
 * configured, the real Postgres.
 */
import assert from "node:assert/strict";
import { buildTestApp, json, type TestApp } from "./helpers/app.ts";
import { createToken } from "./helpers/auth.ts";
import { dbTargets } from "./helpers/db.ts";

const ACTOR = { actor: { type: "system" as const } };
const PATH = "/ofrep/v1/evaluate/flags";

function evaluate(app: TestApp, token: string, path: string, context: Record<string, unknown>) {
  return app.request(path, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ context }),
  });
}

for (const target of dbTargets()) {
  Deno.test(`[${target.name}] OFREP without a targetingKey: a target-only flag and a percentage rollout answer off, an experiment TARGETING_KEY_MISSING, single and bulk`, async () => {
    const app = await buildTestApp({
      testDb: await target.open(),
      env: { RATE_LIMIT_PER_MIN: "0" },
    });
    try {
      const { flags } = app.services;
      await flags.set(
        "vip.only",
        { enabled: true, rolloutPercent: 0, targetUsers: ["vip-1"] },
        ACTOR,
      );
      await flags.set("vip.and.some", {
        enabled: true,
        rolloutPercent: 30,
        targetUsers: ["vip-1"],
      }, ACTOR);
      await flags.set("vip.and.all", {
        enabled: true,
        rolloutPercent: 100,
        targetUsers: ["vip-1"],
      }, ACTOR);
      await flags.set("nobody", { enabled: true, rolloutPercent: 0 }, ACTOR);
      await app.services.experiments.set({
        key: "button.color",
        enabled: true,
        variants: { blue: { weight: 1 }, green: { weight: 1 } },
      }, ACTOR);
      const token = await createToken(app, { scopes: ["flags:evaluate"] });

      const OFF_NO_ID = {
        key: "vip.and.some",
        value: false,
        reason: "DEFAULT",
        variant: "off",
        metadata: { kind: "flag", evaluationReason: "ROLLOUT", version: 1 },
      };
      const some = await evaluate(app, token, `${PATH}/vip.and.some`, {});
      assert.equal(some.status, 200);
      assert.deepEqual(await json(some), OFF_NO_ID);
      const color = await evaluate(app, token, `${PATH}/button.color`, {});
      assert.equal(color.status, 400);
      const body = await json<Record<string, unknown>>(color);
      assert.equal(typeof body.errorDetails, "string");
      assert.deepEqual([body.key, body.errorCode], ["button.color", "TARGETING_KEY_MISSING"]);
      // Only listed users, to everyone, or to nobody: no key needed; off for an unidentified caller.
      const answers = [["vip.only", false], ["vip.and.all", true], ["nobody", false]] as const;
      for (const [key, value] of answers) {
        const response = await evaluate(app, token, `${PATH}/${key}`, {});
        assert.equal(response.status, 200, key);
        assert.equal((await json<{ value: boolean }>(response)).value, value);
      }
      // With a key, the targeting answers.
      const vip = await evaluate(app, token, `${PATH}/vip.only`, { targetingKey: "vip-1" });
      assert.deepEqual(
        [vip.status, (await json<{ value: boolean; reason: string }>(vip)).reason],
        [200, "TARGETING_MATCH"],
      );

      const bulk = await evaluate(app, token, PATH, {});
      assert.equal(bulk.status, 200);
      const byKey = new Map(
        (await json<{ flags: { key: string; errorCode?: string; value?: boolean }[] }>(bulk))
          .flags.map((f) => [f.key, f]),
      );
      assert.deepEqual(
        [byKey.get("vip.only")?.value, byKey.get("vip.only")?.errorCode],
        [false, undefined],
      );
      assert.deepEqual(byKey.get("vip.and.some"), OFF_NO_ID);
      assert.equal(byKey.get("button.color")?.errorCode, "TARGETING_KEY_MISSING");
      assert.deepEqual(
        [byKey.get("vip.and.all")?.value, byKey.get("vip.and.all")?.errorCode],
        [true, undefined],
      );
      assert.deepEqual(
        [byKey.get("nobody")?.value, byKey.get("nobody")?.errorCode],
        [false, undefined],
      );
    } finally {
      await app.dispose();
    }
  });
}
