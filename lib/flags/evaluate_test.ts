import assert from "node:assert/strict";
import { chiSquareTest } from "../experiments/stats.ts";
import { buildSnapshot, type EvalContext, evaluate, evaluateAll } from "./evaluate.ts";
import { explain } from "./explain.ts";
import type { Flag } from "./flag.ts";
import { flagFixture } from "./flag_fixture.ts";
import { bucketOf } from "./hash.ts";

const flag = flagFixture;

function snapshotOf(flags: Flag[], overrides: Record<string, boolean> = {}) {
  return buildSnapshot({ flags, experiments: [], overrides, loadedAt: 0 });
}

const LIVE: EvalContext = { userId: "u-1", mode: "LIVE", environment: "production" };

Deno.test("evaluate() applies FEATURE_<KEY> first, with reason OVERRIDE, even for a disabled flag", () => {
  const snapshot = snapshotOf([flag("new.dash-board", { enabled: false })], {
    FEATURE_NEW_DASH_BOARD: true,
  });
  const result = evaluate(snapshot, "new.dash-board", LIVE, snapshot.overrides);
  assert.deepEqual(result, {
    key: "new.dash-board",
    value: true,
    reason: "OVERRIDE",
    bucket: null,
    version: 1,
  });
});

Deno.test("evaluate() honours an override for a flag that is not stored", () => {
  const snapshot = snapshotOf([]);
  const result = evaluate(snapshot, "ghost", LIVE, { FEATURE_GHOST: false });
  assert.equal(result.reason, "OVERRIDE");
  assert.equal(result.value, false);
});

Deno.test("evaluate() returns false with FLAG_NOT_FOUND for an unknown flag", () => {
  const result = evaluate(snapshotOf([]), "nope", LIVE, {});
  assert.deepEqual(result, {
    key: "nope",
    value: false,
    reason: "FLAG_NOT_FOUND",
    bucket: null,
    version: null,
  });
});

Deno.test("evaluate() fails closed with ERROR when no snapshot was ever loaded", () => {
  assert.equal(evaluate(null, "anything", LIVE, {}).reason, "ERROR");
  assert.equal(evaluate(null, "anything", LIVE, {}).value, false);
  assert.deepEqual(evaluateAll(null, LIVE), []);
});

Deno.test("evaluate() returns false with DISABLED for a disabled flag, before any gate", () => {
  const snapshot = snapshotOf([
    flag("f", { enabled: false, requiredModes: ["DEMO"], targetUsers: ["u-1"] }),
  ]);
  assert.equal(evaluate(snapshot, "f", LIVE, {}).reason, "DISABLED");
});

Deno.test("evaluate() returns false with reason MODE_GATED in STANDBY", () => {
  const snapshot = snapshotOf([
    flag("f", { requiredModes: ["DEMO", "LIVE"], targetUsers: ["u-1"] }),
  ]);
  const result = evaluate(snapshot, "f", { ...LIVE, mode: "STANDBY" }, {});
  assert.equal(result.value, false);
  assert.equal(result.reason, "MODE_GATED");
  assert.equal(evaluate(snapshot, "f", LIVE, {}).value, true);
});

Deno.test("evaluate() returns false with ENVIRONMENT_GATED outside the target environments", () => {
  const snapshot = snapshotOf([
    flag("f", { targetEnvironments: ["staging"], targetUsers: ["u-1"] }),
  ]);
  assert.equal(evaluate(snapshot, "f", LIVE, {}).reason, "ENVIRONMENT_GATED");
  assert.equal(
    evaluate(snapshot, "f", { ...LIVE, environment: "staging" }, {}).reason,
    "TARGETING_MATCH",
  );
});

Deno.test("evaluate() turns a flag on for a target user at 0% rollout (TARGETING_MATCH)", () => {
  const snapshot = snapshotOf([flag("f", { rolloutPercent: 0, targetUsers: ["u-1"] })]);
  assert.equal(evaluate(snapshot, "f", LIVE, {}).reason, "TARGETING_MATCH");
  const other = evaluate(snapshot, "f", { ...LIVE, userId: "u-2" }, {});
  assert.deepEqual([other.value, other.reason], [false, "ROLLOUT"]);
});

Deno.test("evaluate() is STATIC at 100% and ROLLOUT at 0%", () => {
  const snapshot = snapshotOf([flag("all"), flag("none", { rolloutPercent: 0 })]);
  const anonymous = { mode: "LIVE", environment: "production" } as const;
  assert.deepEqual(
    [
      evaluate(snapshot, "all", anonymous, {}).value,
      evaluate(snapshot, "all", anonymous, {}).reason,
    ],
    [true, "STATIC"],
  );
  assert.equal(evaluate(snapshot, "none", LIVE, {}).reason, "ROLLOUT");
});

Deno.test("evaluate() splits by the bucket of userId, then sessionId, and is off without an id", () => {
  const snapshot = snapshotOf([flag("split", { rolloutPercent: 50 })]);
  const byUser = evaluate(snapshot, "split", LIVE, {});
  assert.equal(byUser.reason, "SPLIT");
  assert.equal(byUser.bucket, bucketOf("split", "u-1"));
  assert.equal(byUser.value, byUser.bucket! <= 50);
  const bySession = evaluate(snapshot, "split", {
    mode: "LIVE",
    environment: "production",
    sessionId: "s-9",
  }, {});
  assert.equal(bySession.bucket, bucketOf("split", "s-9"));
  const noId = evaluate(snapshot, "split", { mode: "LIVE", environment: "production" }, {});
  assert.deepEqual([noId.value, noId.reason], [false, "ROLLOUT"]);
});

Deno.test("evaluateAll() evaluates every flag in key order", () => {
  const snapshot = snapshotOf([
    flag("b"),
    flag("a", { enabled: false }),
    flag("c", { rolloutPercent: 0 }),
  ]);
  assert.deepEqual(
    evaluateAll(snapshot, LIVE).map((r) => [r.key, r.value, r.reason]),
    [["a", false, "DISABLED"], ["b", true, "STATIC"], ["c", false, "ROLLOUT"]],
  );
});

Deno.test("buildSnapshot() revision changes when a flag's version changes and only then", () => {
  const a = snapshotOf([flag("x"), flag("y")]);
  const b = snapshotOf([flag("y"), flag("x")]);
  const c = snapshotOf([flag("x", { version: 2 }), flag("y")]);
  assert.equal(a.revision, b.revision);
  assert.notEqual(a.revision, c.revision);
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => `user-${i}`);

Deno.test("buckets are uniform: chi-square over 100 buckets on 100k ids does not reject at p < 0.001", () => {
  const counts = new Array<number>(100).fill(0);
  for (const id of ids(100_000)) counts[bucketOf("uniformity.check", id) - 1]!++;
  const test = chiSquareTest(counts, new Array<number>(100).fill(1));
  assert.equal(test.df, 99);
  assert.ok(test.pValue > 0.001, `chi-square ${test.statistic.toFixed(1)}, p = ${test.pValue}`);
  assert.ok(Math.min(...counts) > 850 && Math.max(...counts) < 1150);
});

Deno.test("two flags at 50% are independent: ~25% of users get both, not ~50%", () => {
  const snapshot = snapshotOf([
    flag("checkout.redesign", { rolloutPercent: 50 }),
    flag("search.v2", { rolloutPercent: 50 }),
  ]);
  let both = 0;
  let first = 0;
  const all = ids(100_000);
  for (const userId of all) {
    const ctx = { userId, mode: "LIVE" as const, environment: "production" as const };
    const a = evaluate(snapshot, "checkout.redesign", ctx, {}).value;
    const b = evaluate(snapshot, "search.v2", ctx, {}).value;
    if (a) first++;
    if (a && b) both++;
  }
  const overlap = both / all.length;
  assert.ok(Math.abs(first / all.length - 0.5) < 0.01, `first flag at ${first / all.length}`);
  assert.ok(overlap > 0.24 && overlap < 0.26, `overlap ${overlap}`);
});

Deno.test("raising the rollout never turns a user off (monotonic, 10% → 20% and every step)", () => {
  const steps = Array.from({ length: 11 }, (_, i) => i * 10).map((percent) => ({
    percent,
    snapshot: snapshotOf([flag("ramp", { rolloutPercent: percent })]),
  }));
  let onAt10 = 0;
  let onAt20 = 0;
  for (const userId of ids(20_000)) {
    let wasOn = false;
    for (const { percent, snapshot } of steps) {
      const on = evaluate(snapshot, "ramp", { ...LIVE, userId }, {}).value;
      assert.ok(on || !wasOn, `user turned off at ${percent}%`);
      if (on && percent === 10) onAt10++;
      if (on && percent === 20) onAt20++;
      wasOn = on;
    }
  }
  // The 10% cohort is kept and grown to about 20%.
  assert.ok(onAt10 > 1800 && onAt10 < 2200, `${onAt10} on at 10%`);
  assert.ok(onAt20 > 3800 && onAt20 < 4200, `${onAt20} on at 20%`);
});

Deno.test("explain() says which bucket and rollout decided, without the user id", () => {
  const f = flag("split", { rolloutPercent: 50 });
  const snapshot = snapshotOf([f]);
  const result = evaluate(snapshot, "split", { ...LIVE, userId: "secret-id" }, {});
  const sentence = explain(result, f, { ...LIVE, userId: "secret-id" });
  assert.match(
    sentence,
    new RegExp(`^The user is in bucket ${result.bucket} and the rollout is 50%`),
  );
  assert.ok(!sentence.includes("secret-id"));
  const gated = explain(
    { key: "g", value: false, reason: "MODE_GATED", bucket: null, version: 1 },
    flag("g", { requiredModes: ["DEMO", "LIVE"] }),
    { ...LIVE, mode: "STANDBY" },
  );
  assert.equal(
    gated,
    "The flag only applies in DEMO or LIVE mode and the platform is in STANDBY, so it is off.",
  );
  assert.match(
    explain(
      { key: "a.b", value: true, reason: "OVERRIDE", bucket: null, version: 1 },
      undefined,
      LIVE,
    ),
    /^FEATURE_A_B=true is set/,
  );
});
