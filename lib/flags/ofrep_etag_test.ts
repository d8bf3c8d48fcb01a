/**
 * The bulk ETag is the same on every instance for the same answer: an experiment's stored variant
 * (STICKY on an instance that has read the user's assignments, SPLIT on one that has not yet) does
 * not change it; any value, variant, reason or version does.
 */
import assert from "node:assert/strict";
import { bulkEtagOf, experimentResult, type OfrepResult } from "./ofrep.ts";

const sticky = experimentResult("trial.layout", {
  experimentKey: "trial.layout",
  variant: "a",
  config: {},
  reason: "STICKY",
}, 3);
const split = experimentResult("trial.layout", {
  experimentKey: "trial.layout",
  variant: "a",
  config: {},
  reason: "SPLIT",
}, 3);
const flag: OfrepResult = {
  key: "new.dashboard",
  value: true,
  reason: "STATIC",
  variant: "on",
  metadata: { kind: "flag", version: 2 },
};

Deno.test("bulkEtagOf(): a stored variant and the split it came from give one ETag", () => {
  assert.notDeepEqual(sticky, split, "the bodies differ in evaluationReason");
  assert.equal(bulkEtagOf([flag, sticky]), bulkEtagOf([flag, split]));
  assert.match(bulkEtagOf([flag, sticky]), /^"[0-9a-f]{16}"$/);
});

Deno.test("bulkEtagOf(): a different variant, value, reason or version is a different ETag", () => {
  const base = bulkEtagOf([flag, split]);
  const other = experimentResult("trial.layout", {
    experimentKey: "trial.layout",
    variant: "b",
    config: {},
    reason: "STICKY",
  }, 3);
  assert.notEqual(bulkEtagOf([flag, other]), base);
  assert.notEqual(bulkEtagOf([{ ...flag, value: false, variant: "off" }, split]), base);
  assert.notEqual(bulkEtagOf([{ ...flag, reason: "TARGETING_MATCH" }, split]), base);
  assert.notEqual(bulkEtagOf([{ ...flag, metadata: { kind: "flag", version: 3 } }, split]), base);
});
