/**
 * The sample-ratio check after a variant was switched off (weight 0): its stored assignments are
 * people who have not come back since (each is re-drawn by the current weights on the next visit,
 * see redraw_test.ts), expected after the change and not a fault. The test runs over the variants
 * with weight > 0 only; the leftover is counted apart. Pure.
 */
import assert from "node:assert/strict";
import type { Experiment } from "./experiment.ts";
import { srmCheck } from "./srm.ts";

const experiment = (weights: Record<string, number>): Pick<Experiment, "variants"> => ({
  variants: Object.entries(weights).map(([key, weight]) => ({ key, weight, config: {} })),
});

Deno.test("srmCheck(): a 50/50 experiment switched to 1/0 with leftover rows is no mismatch", () => {
  const result = srmCheck(experiment({ A: 1, B: 0 }), { A: 5000, B: 5000 });
  assert.deepEqual(result, {
    total: 10_000,
    counted: 5000,
    removed: 0,
    zeroWeight: 5000,
    outcome: "one_variant",
    sufficient: false,
    statistic: null,
    df: null,
    pValue: null,
    mismatch: false,
  });
});

Deno.test("srmCheck(): with an arm switched off, the live arms are tested against their weights", () => {
  // 500/500 fits 1/1; the 100 left in C are counted apart, not tested.
  const fits = srmCheck(experiment({ A: 1, B: 1, C: 0 }), { A: 500, B: 500, C: 100 });
  assert.deepEqual(
    [fits.outcome, fits.mismatch, fits.counted, fits.zeroWeight, fits.total, fits.df],
    ["tested", false, 1000, 100, 1100, 1],
  );
  assert.equal(fits.pValue, 1);
  // A real mismatch among the live arms is still one, whatever sits in the switched-off arm.
  const off = srmCheck(experiment({ A: 1, B: 1, C: 0 }), { A: 5300, B: 4700, C: 100 });
  assert.deepEqual([off.outcome, off.mismatch, off.counted, off.zeroWeight], [
    "tested",
    true,
    10_000,
    100,
  ]);
  assert.ok(off.pValue! < 1e-8);
});

Deno.test("srmCheck(): too few live assignments stay too few, however many are left over", () => {
  const result = srmCheck(experiment({ A: 1, B: 1, C: 0 }), { A: 2, B: 3, C: 9000 });
  assert.deepEqual([result.outcome, result.mismatch, result.counted, result.zeroWeight], [
    "too_few",
    false,
    5,
    9000,
  ]);
});

Deno.test("srmCheck(): total splits into live, switched-off and removed", () => {
  const result = srmCheck(experiment({ A: 1, B: 1, C: 0 }), { A: 50, B: 50, C: 7, X: 3 });
  assert.deepEqual([result.total, result.counted, result.zeroWeight, result.removed], [
    110,
    100,
    7,
    3,
  ]);
  assert.equal(result.total, result.counted + result.zeroWeight + result.removed);
});
