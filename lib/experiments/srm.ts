/**
 * Sample-ratio mismatch: do the actual assignment counts fit the weights?
 * A chi-square test per experiment; a mismatch (p < 0.001) means the
 * assignment or the logging is broken and the experiment's results are not
 * to be trusted. Pure.
 */
import type { Experiment } from "./experiment.ts";
import { chiSquareTest } from "./stats.ts";

/** p-value below which the admin page warns. */
export const SRM_THRESHOLD = 0.001;
/** Below this expected count in some variant the test is not meaningful. */
export const SRM_MIN_EXPECTED = 5;

export interface SrmResult {
  /** Assignments counted. */
  total: number;
  /** False when there are too few assignments for the test. */
  sufficient: boolean;
  statistic: number | null;
  df: number | null;
  pValue: number | null;
  mismatch: boolean;
}

/** The SRM check of `experiment` for its assignment counts by variant key. */
export function srmCheck(
  experiment: Pick<Experiment, "variants">,
  counts: Readonly<Record<string, number>>,
): SrmResult {
  const weights = experiment.variants.map((variant) => variant.weight);
  const observed = experiment.variants.map((variant) => counts[variant.key] ?? 0);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  // Assignments to variants that no longer exist are left out of the fit.
  const counted = observed.reduce((a, b) => a + b, 0);
  const sufficient = weightSum > 0 &&
    weights.every((w) => w === 0 || (counted * w) / weightSum >= SRM_MIN_EXPECTED) &&
    weights.filter((w) => w > 0).length >= 2;
  if (!sufficient) {
    return { total, sufficient, statistic: null, df: null, pValue: null, mismatch: false };
  }
  const test = chiSquareTest(observed, weights);
  return {
    total,
    sufficient,
    statistic: test.statistic,
    df: test.df,
    pValue: test.pValue,
    mismatch: test.pValue < SRM_THRESHOLD,
  };
}
