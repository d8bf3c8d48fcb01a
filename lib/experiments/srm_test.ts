/**
 * The sample-ratio check after a variant was switched off (weight 0): its stored assignments are
 * people who have not come back since (each is re-drawn by the current weights on the next visit,
 * see redraw_test.ts), expected after the change and not a fault. The test runs over the variants
 * with weight > 0 only; the leftover is counted apart. Pure.
 */
import assert from "node:assert/strict";
import type { Experiment } from "./experiment.ts";
import { SRM_THRESHOLD, srmCheck } from "./srm.ts";
import { chiSquareTest, lnGamma } from "./stats.ts";

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
    test: null,
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

/** ln P(counts) under `weights`, straight from the multinomial formula with log-gamma. */
function lnProbability(counts: readonly number[], weights: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  const sum = weights.reduce((a, b) => a + b, 0);
  return counts.reduce(
    (ln, x, i) => ln + x * Math.log(weights[i]! / sum) - lnGamma(x + 1),
    lnGamma(n + 1),
  );
}

/** Every split of n over k categories. */
function* splits(n: number, k: number): Generator<number[]> {
  if (k === 1) {
    yield [n];
    return;
  }
  for (let x = 0; x <= n; x++) for (const rest of splits(n - x, k - 1)) yield [x, ...rest];
}

/** The exact p-value by brute force: P(a split no more likely than `counts`), ties within 1e-7. */
function bruteForceExact(counts: readonly number[], weights: readonly number[]): number {
  const observed = lnProbability(counts, weights);
  let p = 0;
  for (const split of splits(counts.reduce((a, b) => a + b, 0), counts.length)) {
    const ln = lnProbability(split, weights);
    if (ln <= observed + 1e-7) p += Math.exp(ln);
  }
  return p;
}

Deno.test("srmCheck(): 38/12 at 90/10 is no mismatch: the exact binomial p is 0.0032, though chi-square's is 0.00097", () => {
  // Expected 45/5 (every expected count >= SRM_MIN_EXPECTED, so the check runs). Chi-square 10.9,
  // p = 0.00097 < 0.001: before, a "Sample ratio mismatch" warning. The exact two-sided binomial
  // test: P(a split of 50 at 0.9/0.1 no more likely than 38/12) = 0.0032199 (SciPy binomtest:
  // 0.0032199211359099067), above the 0.001 threshold.
  const exact = bruteForceExact([38, 12], [90, 10]);
  assert.ok(Math.abs(exact - 0.0032199211359099067) < 1e-12, `${exact}`);
  const chiSquare = chiSquareTest([38, 12], [90, 10]).pValue;
  assert.ok(chiSquare < SRM_THRESHOLD && exact >= SRM_THRESHOLD, `${chiSquare} ${exact}`);
  const result = srmCheck(experiment({ A: 90, B: 10 }), { A: 38, B: 12 });
  assert.deepEqual([result.outcome, result.mismatch, result.test], ["tested", false, "exact"]);
  assert.ok(Math.abs(result.pValue! - exact) < exact * 1e-9, `${result.pValue}`);
  // The same split at the threshold's other side: 37/13 is p = 0.0010046, still no warning.
  const edge = srmCheck(experiment({ A: 90, B: 10 }), { A: 37, B: 13 });
  assert.equal(edge.mismatch, false);
  assert.ok(Math.abs(edge.pValue! - bruteForceExact([37, 13], [90, 10])) < 1e-12);
});

Deno.test("srmCheck(): with three variants the exact multinomial test decides: 32/5/13 at 80/10/10 is p = 0.0027", () => {
  // Expected 40/5/5. Chi-square p = 0.00075 (a warning before); the exact multinomial p, summed
  // over all 1326 splits of 50, is 0.0026671.
  const exact = bruteForceExact([32, 5, 13], [80, 10, 10]);
  assert.ok(Math.abs(exact - 0.002667071721771557) < 1e-12, `${exact}`);
  assert.ok(chiSquareTest([32, 5, 13], [80, 10, 10]).pValue < SRM_THRESHOLD);
  const result = srmCheck(experiment({ A: 80, B: 10, C: 10 }), { A: 32, B: 5, C: 13 });
  assert.deepEqual([result.outcome, result.mismatch, result.test], ["tested", false, "exact"]);
  assert.ok(Math.abs(result.pValue! - exact) < exact * 1e-9, `${result.pValue}`);
  // A real mismatch stays one: 30/0/20 (exact p = 1.1e-8).
  const off = srmCheck(experiment({ A: 80, B: 10, C: 10 }), { A: 30, B: 0, C: 20 });
  assert.equal(off.mismatch, true);
  const offExact = bruteForceExact([30, 0, 20], [80, 10, 10]);
  assert.ok(Math.abs(off.pValue! - offExact) < offExact * 1e-9, `${off.pValue} ${offExact}`);
  // And the exact test sees what chi-square missed: all 50 in A is p = 0.00032 (chi-square 0.0019).
  const allA = srmCheck(experiment({ A: 80, B: 10, C: 10 }), { A: 50, B: 0, C: 0 });
  assert.equal(allA.mismatch, true);
  assert.ok(Math.abs(allA.pValue! - 0.0003231515290587416) < 1e-12, `${allA.pValue}`);
});
