import assert from "node:assert/strict";
import { EXACT_MAX_SPLITS, exactMultinomialTest, splitCount } from "./exact.ts";
import { chiSquareTest, P_VALUE_FLOOR } from "./stats.ts";

/** `actual` within `relative` of `expected`. */
function near(actual: number, expected: number, relative: number, label = ""): void {
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * relative,
    `${label} ${actual}, expected ${expected}`,
  );
}

// Reference values from SciPy 1.17 (scipy.stats.binomtest(k, n, p).pvalue).
const BINOMIAL: [number, number, number, number][] = [
  [38, 50, 0.9, 0.0032199211359099067],
  [37, 50, 0.9, 0.001004619861786328],
  [10, 10, 0.5, 0.001953125],
  [100, 220, 0.5, 0.2000922290282712],
  [5100, 10_000, 0.5, 0.04658552770494645],
  [5190, 10_000, 0.5, 0.00015039137291164258],
  [5198, 10_000, 0.5, 7.799431039633598e-05],
];

Deno.test("exactMultinomialTest() with two categories is SciPy's exact two-sided binomial test", () => {
  for (const [k, n, p, expected] of BINOMIAL) {
    near(
      exactMultinomialTest([k, n - k], [p, 1 - p]),
      expected,
      1e-9,
      `binomtest(${k}, ${n}, ${p})`,
    );
  }
});

Deno.test("exactMultinomialTest() with three categories matches a brute-force sum (Python, log-gamma)", () => {
  // Every split of 50 at 0.8/0.1/0.1 no more likely than the observed one, summed in Python.
  near(exactMultinomialTest([32, 5, 13], [80, 10, 10]), 0.002667071721771557, 1e-9);
  near(exactMultinomialTest([30, 7, 13], [80, 10, 10]), 0.0010739910907050466, 1e-9);
  near(exactMultinomialTest([170, 140, 135], [1, 1, 1]), 0.09498460949752843, 1e-9);
});

Deno.test("exactMultinomialTest() is symmetric: mirrored splits under mirrored weights, permuted categories", () => {
  for (const [k, n] of [[3, 10], [10, 10], [27, 50], [4900, 10_000]] as const) {
    assert.equal(
      exactMultinomialTest([k, n - k], [1, 1]),
      exactMultinomialTest([n - k, k], [1, 1]),
      `${k}/${n - k}`,
    );
  }
  near(exactMultinomialTest([38, 12], [90, 10]), exactMultinomialTest([12, 38], [10, 90]), 1e-12);
  const abc = exactMultinomialTest([32, 5, 13], [80, 10, 10]);
  near(exactMultinomialTest([13, 32, 5], [10, 80, 10]), abc, 1e-12);
  near(exactMultinomialTest([5, 13, 32], [10, 10, 80]), abc, 1e-12);
  // 5 and 13 in the two equal arms: the same p as 13 and 5.
  near(exactMultinomialTest([32, 13, 5], [80, 10, 10]), abc, 1e-12);
});

Deno.test("exactMultinomialTest() is exactly 1 at the expected split, and with a tie for the mode", () => {
  assert.equal(exactMultinomialTest([5, 5], [1, 1]), 1);
  assert.equal(exactMultinomialTest([300, 100], [3, 1]), 1);
  assert.equal(exactMultinomialTest([45, 5], [90, 10]), 1);
  assert.equal(exactMultinomialTest([40, 5, 5], [80, 10, 10]), 1);
  assert.equal(exactMultinomialTest([20, 20, 20, 20], [1, 1, 1, 1]), 1);
  // 50/50 over an odd total: the two middle splits are equally likely, both the mode.
  assert.equal(exactMultinomialTest([6, 5], [1, 1]), 1);
  // Any scale of weights.
  assert.equal(exactMultinomialTest([30, 10], [0.75, 0.25]), 1);
});

Deno.test("exactMultinomialTest() agrees with chi-square at large n", () => {
  // Two variants at 50/50 near the bound (99,999 assignments): within 2% relative, from p = 0.06
  // to p = 2.5e-10 (SciPy: 0.0578 against 0.0574, 2.54e-10 against 2.49e-10).
  for (const a of [50_300, 50_700, 51_000]) {
    const observed = [a, 99_999 - a];
    near(
      exactMultinomialTest(observed, [1, 1]),
      chiSquareTest(observed, [1, 1]).pValue,
      0.02,
      `${a}`,
    );
  }
  // Three variants at 445 assignments: within 10% at p between 0.09 and 0.5.
  for (const observed of [[160, 140, 145], [170, 140, 135]]) {
    near(
      exactMultinomialTest(observed, [1, 1, 1]),
      chiSquareTest(observed, [1, 1, 1]).pValue,
      0.1,
      `${observed}`,
    );
  }
});

Deno.test("exactMultinomialTest(): assignments where the weight is 0 make the fit impossible, an empty such category is left out", () => {
  assert.equal(exactMultinomialTest([10, 10, 3], [1, 1, 0]), 0);
  assert.equal(exactMultinomialTest([5, 5, 0], [1, 1, 0]), 1);
  assert.equal(exactMultinomialTest([7], [1]), 1);
});

Deno.test("exactMultinomialTest() never answers 0 for a possible split: far in the tail it is P_VALUE_FLOOR", () => {
  // 60000/39999 at 50/50: the p (about 1e-9000) underflows double precision.
  assert.equal(exactMultinomialTest([60_000, 39_999], [1, 1]), P_VALUE_FLOOR);
  const small = exactMultinomialTest([0, 1000], [1, 1]);
  assert.equal(small, P_VALUE_FLOOR); // 2 × 2^-1000 ≈ 1.9e-301, below the floor
  // Above the floor the value is computed: all 900 in one arm, 2 × 2^-900 = 2.4e-271.
  near(exactMultinomialTest([900, 0], [1, 1]), 2 * 2 ** -900, 1e-9);
});

Deno.test("splitCount() counts the splits C(n + k − 1, k − 1), Infinity past the cap", () => {
  assert.equal(splitCount(50, 2), 51);
  assert.equal(splitCount(50, 3), 1326);
  assert.equal(splitCount(445, 3), 99_681);
  assert.equal(splitCount(446, 3), Infinity);
  assert.equal(splitCount(99_999, 2), EXACT_MAX_SPLITS);
  assert.equal(splitCount(100_000, 2), Infinity);
  assert.equal(splitCount(82, 4), 98_770);
  assert.equal(splitCount(83, 4), Infinity);
  assert.equal(splitCount(36, 5), 91_390);
  assert.equal(splitCount(37, 5), Infinity);
  assert.equal(splitCount(1e9, 9), Infinity);
  assert.equal(splitCount(10, 1), 1);
});
