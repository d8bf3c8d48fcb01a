import assert from "node:assert/strict";
import type { Experiment } from "./experiment.ts";
import { srmCheck } from "./srm.ts";
import { chiSquareSurvival, chiSquareTest, P_VALUE_FLOOR } from "./stats.ts";

// Reference values from SciPy (scipy.stats.chi2.sf / scipy.stats.chisquare).
const SURVIVAL: [number, number, number][] = [
  [148.23, 99, 0.0010000659269003437],
  [10.83, 1, 0.0009986863791802592],
  [3, 2, 0.22313016014842982],
  [50, 30, 0.01240206071890054],
  [0.5, 3, 0.9188914116546758],
  [200, 99, 8.19391189142209e-09],
  [0.001, 1, 0.9747728793699604],
  [25, 4, 5.0309817823062075e-05],
];

Deno.test("chiSquareSurvival() matches SciPy to 1e-9 relative", () => {
  for (const [x, df, expected] of SURVIVAL) {
    const actual = chiSquareSurvival(x, df);
    assert.ok(
      Math.abs(actual - expected) <= expected * 1e-9,
      `chi2.sf(${x}, ${df}) = ${actual}, expected ${expected}`,
    );
  }
});

Deno.test("chiSquareTest() matches SciPy's chisquare", () => {
  const a = chiSquareTest([5100, 4900], [50, 50]);
  assert.equal(a.statistic, 4);
  assert.ok(Math.abs(a.pValue - 0.04550026389635857) < 1e-12);
  const b = chiSquareTest([2600, 2500, 4900], [1, 1, 2]);
  assert.equal(b.df, 2);
  assert.ok(Math.abs(b.statistic - 6) < 1e-12);
  assert.ok(Math.abs(b.pValue - 0.04978706836786395) < 1e-12);
});

Deno.test("chiSquareTest() gives p = 0 when a zero-weight category has assignments", () => {
  assert.equal(chiSquareTest([10, 10, 3], [1, 1, 0]).pValue, 0);
});

const experiment = (weights: Record<string, number>): Pick<Experiment, "variants"> => ({
  variants: Object.entries(weights).map(([key, weight]) => ({ key, weight, config: {} })),
});

Deno.test("srmCheck() flags a 53/47 split of a 50/50 experiment at n=10000", () => {
  const result = srmCheck(experiment({ A: 50, B: 50 }), { A: 5300, B: 4700 });
  assert.equal(result.sufficient, true);
  assert.equal(result.mismatch, true);
  assert.ok(result.pValue! < 1e-8);
});

Deno.test("srmCheck() accepts a 51/49 split at n=10000 (exact p ≈ 0.047 is not below 0.001)", () => {
  const result = srmCheck(experiment({ A: 50, B: 50 }), { A: 5100, B: 4900 });
  assert.equal(result.mismatch, false);
  assert.equal(result.test, "exact");
  // SciPy: binomtest(5100, 10000, 0.5).pvalue; chi-square's p is 0.0455.
  assert.ok(Math.abs(result.pValue! - 0.04658552770494645) < 1e-12, `${result.pValue}`);
  assert.equal(result.statistic, 4);
});

Deno.test("srmCheck() runs chi-square above the exact test's bound (100,000 splits)", () => {
  // 200000 assignments at 50/50: 200001 splits. SciPy: chisquare([100300, 99700]) p = 0.17971.
  const result = srmCheck(experiment({ A: 50, B: 50 }), { A: 100_300, B: 99_700 });
  assert.deepEqual([result.test, result.mismatch], ["chi_square", false]);
  assert.ok(Math.abs(result.pValue! - 0.17971249487899593) < 1e-12, `${result.pValue}`);
  // The last size tested exactly and the first by chi-square, two variants.
  const n = (counted: number) => srmCheck(experiment({ A: 1, B: 1 }), { A: counted, B: 0 }).test;
  assert.deepEqual([n(99_999), n(100_000)], ["exact", "chi_square"]);
  // Three variants: 445 and 446 assignments (C(447, 2) = 99,681 and C(448, 2) = 100,128 splits).
  const three = (counted: number) =>
    srmCheck(experiment({ A: 1, B: 1, C: 1 }), { A: counted, B: 0, C: 0 }).test;
  assert.deepEqual([three(445), three(446)], ["exact", "chi_square"]);
});

Deno.test("srmCheck() reports insufficient data instead of testing tiny samples", () => {
  const result = srmCheck(experiment({ A: 50, B: 50 }), { A: 3, B: 0 });
  assert.deepEqual(result, {
    total: 3,
    counted: 3,
    removed: 0,
    zeroWeight: 0,
    outcome: "too_few",
    sufficient: false,
    test: null,
    statistic: null,
    df: null,
    pValue: null,
    mismatch: false,
  });
});

Deno.test("srmCheck() counts assignments to a variant whose weight is now 0 apart, never as a mismatch", () => {
  // Before: any of them was a mismatch (`zero_weight_assigned`) until every such person came
  // back, though switching an arm off leaves exactly that (see srm_test.ts).
  const cases: [Record<string, number>, Record<string, number>, number, string][] = [
    [{ A: 100, B: 0 }, { A: 5000, B: 5000 }, 5000, "one_variant"],
    [{ A: 1, B: 1, C: 0 }, { A: 500, B: 500, C: 100 }, 100, "tested"],
    [{ A: 1, B: 0 }, { A: 2, B: 1 }, 1, "one_variant"],
  ];
  for (const [weights, counts, zeroWeight, outcome] of cases) {
    const result = srmCheck(experiment(weights), counts);
    assert.deepEqual([result.outcome, result.mismatch, result.zeroWeight], [
      outcome,
      false,
      zeroWeight,
    ]);
  }
});

Deno.test("srmCheck() has nothing to check when one variant takes every assignment", () => {
  const result = srmCheck(experiment({ A: 100, B: 0 }), { A: 5000 });
  assert.deepEqual([result.outcome, result.sufficient, result.mismatch], [
    "one_variant",
    false,
    false,
  ]);
});

Deno.test("srmCheck() leaves assignments to removed variants out of the counted total", () => {
  const result = srmCheck(experiment({ A: 50, B: 50 }), { A: 500, B: 500, X: 100_000 });
  assert.deepEqual([result.total, result.counted, result.removed], [101_000, 1000, 100_000]);
  assert.deepEqual([result.outcome, result.mismatch], ["tested", false]);
});

Deno.test("chiSquareSurvival() never answers 0 for a finite statistic: below P_VALUE_FLOOR it answers the floor", () => {
  // 100000 vs 50000 assignments at 50/50: chi-square 16666.7, whose p (about 1e-3620) underflows
  // double precision. Before: pValue 0, shown as "p = 0.0".
  const test = chiSquareTest([100_000, 50_000], [50, 50]);
  assert.ok(Math.abs(test.statistic - 16_666.666666666668) < 1e-6);
  assert.equal(test.pValue, P_VALUE_FLOOR);
  assert.equal(chiSquareSurvival(2000, 1), P_VALUE_FLOOR);
  assert.equal(chiSquareSurvival(1e6, 9), P_VALUE_FLOOR);
  // Above the floor the value is the computed one (SciPy: chi2.sf(1300, 1) = 1.1304e-284).
  const near = chiSquareSurvival(1300, 1);
  assert.ok(
    near > P_VALUE_FLOOR &&
      Math.abs(near - 1.1303728441493301e-284) < 1.1303728441493301e-284 * 1e-9,
    `${near}`,
  );
  // An impossible fit (assignments where the weight is 0) stays exactly 0.
  assert.equal(chiSquareTest([10, 10, 3], [1, 1, 0]).pValue, 0);
});
