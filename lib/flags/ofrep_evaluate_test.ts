import assert from "node:assert/strict";
import type { Assignment } from "../experiments/assign.ts";
import type { Experiment } from "../experiments/experiment.ts";
import { buildSnapshot, type EvalContext, evaluate } from "./evaluate.ts";
import type { Flag } from "./flag.ts";
import { flagFixture } from "./flag_fixture.ts";
import { createOfrepEvaluator } from "./ofrep_evaluate.ts";

/** Flags at version 3, as OFREP would have served them after two changes. */
const flag = (key: string, fields: Partial<Flag> = {}): Flag =>
  flagFixture(key, { version: 3, ...fields });

const checkout: Experiment = {
  key: "checkout.v2",
  enabled: true,
  description: null,
  variants: [{ key: "a", weight: 50, config: {} }, { key: "b", weight: 50, config: {} }],
  requiredModes: [],
  version: 7,
  updatedAt: "2026-01-01T00:00:00.000Z",
  updatedBy: null,
};

const LIVE: EvalContext = { mode: "LIVE", environment: "production" };

function evaluator(overrides: Record<string, boolean> = {}) {
  const snapshot = buildSnapshot({
    flags: [flag("new.dash"), flag("half", { rolloutPercent: 50 })],
    experiments: [checkout],
    overrides,
    loadedAt: 0,
  });
  const assignCalls: { keys: readonly string[]; targetingKey: string | undefined }[] = [];
  const evaluate_ = createOfrepEvaluator({
    contextFor: (subject) => ({ ...LIVE, ...subject }),
    evaluate: (key, context) => evaluate(snapshot, key, context, snapshot.overrides),
    assignRemote: (keys, targetingKey) => {
      assignCalls.push({ keys, targetingKey });
      const out = new Map<string, Assignment>();
      for (const key of keys) {
        // As the experiment service: no targeting key, no id to assign by.
        out.set(
          key,
          targetingKey === undefined
            ? { experimentKey: key, variant: null, config: null, reason: "NO_ID" }
            : { experimentKey: key, variant: "b", config: {}, reason: "SPLIT" },
        );
      }
      return Promise.resolve(out);
    },
  });
  return { snapshot, assignCalls, ...evaluate_ };
}

Deno.test("resultsFor(): flags and experiments in the order asked, unknown keys left out", async () => {
  const { snapshot, assignCalls, resultsFor } = evaluator();
  const results = await resultsFor(snapshot, ["checkout.v2", "ghost", "new.dash"], {
    targetingKey: "u-1",
  });
  assert.deepEqual(results, [
    {
      key: "checkout.v2",
      value: "b",
      reason: "SPLIT",
      variant: "b",
      metadata: { kind: "experiment", evaluationReason: "SPLIT", version: 7 },
    },
    {
      key: "new.dash",
      value: true,
      reason: "STATIC",
      variant: "on",
      metadata: { kind: "flag", evaluationReason: "STATIC", version: 3 },
    },
  ]);
  // Experiments are assigned in one call, for the experiment keys only.
  assert.deepEqual(assignCalls, [{ keys: ["checkout.v2"], targetingKey: "u-1" }]);
});

Deno.test("resultsFor(): no experiment asked, no assignment read", async () => {
  const { snapshot, assignCalls, resultsFor } = evaluator();
  await resultsFor(snapshot, ["new.dash"], { targetingKey: undefined });
  assert.deepEqual(assignCalls, []);
});

Deno.test("resultsFor(): a percentage rollout without a targeting key answers off (fail closed), as the app's own evaluation does", async () => {
  const { snapshot, resultsFor } = evaluator();
  // An error here would make the SDKs return the caller's code default, which may be `true`.
  assert.deepEqual(await resultsFor(snapshot, ["half"], { targetingKey: undefined }), [{
    key: "half",
    value: false,
    reason: "DEFAULT",
    variant: "off",
    metadata: { kind: "flag", evaluationReason: "ROLLOUT", version: 3 },
  }]);
});

Deno.test("resultsFor(): an experiment without a targeting key still asks for one", async () => {
  const { snapshot, resultsFor } = evaluator();
  const [result] = await resultsFor(snapshot, ["checkout.v2"], { targetingKey: undefined });
  assert.equal(
    result && "errorCode" in result ? result.errorCode : undefined,
    "TARGETING_KEY_MISSING",
  );
});

Deno.test("overrideOnly(): only a FEATURE_<KEY> override answers without a snapshot", () => {
  assert.deepEqual(evaluator({ FEATURE_NEW_DASH: false }).overrideOnly("new.dash"), {
    key: "new.dash",
    value: false,
    reason: "STATIC",
    variant: "off",
    metadata: { kind: "flag", evaluationReason: "OVERRIDE" },
  });
  assert.equal(evaluator().overrideOnly("new.dash"), undefined);
});
