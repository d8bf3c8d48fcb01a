/**
 * The flag form's rollout hint says what the code does (lib/flags/hash.ts, lib/flags/evaluate.ts):
 * buckets 1 to 100, and a user is in the rollout when their bucket is at most the percentage. A
 * user in bucket 50 at rollout 50 gets the flag, one in bucket 51 does not; the hint and the "Why
 * is it on or off?" answer say the same.
 */
import assert from "node:assert/strict";
import { bucketOf, inRollout } from "../lib/flags/hash.ts";
import { buildTestApp } from "./helpers/app.ts";
import { signInAs } from "./helpers/auth.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const KEY = "rollout.check";

/** A user id whose bucket for KEY is `bucket`. */
function idInBucket(bucket: number): string {
  for (let i = 0; i < 100_000; i++) {
    if (bucketOf(KEY, `user-${i}`) === bucket) return `user-${i}`;
  }
  throw new Error(`no id found in bucket ${bucket}`);
}

const text = (html: string) => html.replace(/<!-- -->/g, "").replace(/\s+/g, " ");

Deno.test({
  name: "/flags/:key: the rollout hint matches the code (buckets 1–100, on at bucket ≤ rollout)",
  ...opts,
  async fn() {
    const app = await buildTestApp({ env: { RATE_LIMIT_PER_MIN: "0" } });
    try {
      await app.services.flags.set(KEY, { enabled: true, rolloutPercent: 50 }, {
        actor: { type: "system" },
      });
      const admin = await signInAs(app, "ADMIN");
      const edge = idInBucket(50);
      const outside = idInBucket(51);
      const lowest = idInBucket(1);
      const highest = idInBucket(100);
      // The behaviour the hint must describe.
      assert.equal(inRollout(50, 50), true);
      assert.equal(inRollout(51, 50), false);
      assert.equal(inRollout(100, 100), true);
      assert.equal(inRollout(1, 0), false);
      for (const [id, on] of [[edge, true], [outside, false], [lowest, true], [highest, false]]) {
        const result = app.services.flags.evaluate(KEY, {
          userId: id as string,
          mode: "DEMO",
          environment: "development",
        });
        assert.equal(result.value, on, `${id}: ${on ? "on" : "off"}`);
      }

      const page = text(
        await (await app.request(`/flags/${KEY}?why=1&userId=${edge}&mode=DEMO&env=development`, {
          headers: { cookie: admin.cookie },
        })).text(),
      );
      const hint = page.match(/<span class="field-hint" id="rollout-hint">([^<]*)<\/span>/)?.[1];
      assert.ok(hint, "the rollout hint");
      assert.match(hint, /fixed bucket from 1 to 100/);
      assert.match(hint, /up to and including this number/);
      assert.doesNotMatch(hint, /0 to 99|below this number/);
      assert.match(
        page,
        /is in bucket 50 and the rollout is 50% \(buckets 1–50\), so the flag is on\./,
        "Why is it on or off? agrees",
      );
    } finally {
      await app.dispose();
    }
  },
});
