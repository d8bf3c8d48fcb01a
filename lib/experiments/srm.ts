/**
 * Sample-ratio mismatch: do the actual assignment counts fit the weights?
 * A chi-square test per experiment; a mismatch (p < 0.001) means the
 * assignment or the logging is broken, or the weights changed mid-run, and any
 * outcome analysis of the experiment is not to be trusted until the cause is
 * found. Pure.
 */
import type { Experiment } from "./experiment.ts";
import { chiSquareTest } from "./stats.ts";

/** p-value below which the admin page warns. */
export const SRM_THRESHOLD = 0.001;
/** Below this expected count in some variant the test is not meaningful. */
export const SRM_MIN_EXPECTED = 5;

/**
 * `tested`: the chi-square ran; `too_few`: some variant expects fewer than
 * SRM_MIN_EXPECTED; `one_variant`: a single variant takes every assignment,
 * so there is no ratio to check; `zero_weight_assigned`: variants whose weight
 * is now 0 hold assignments, which no draw under these weights gives (a
 * mismatch whatever the sample size).
 */
export type SrmOutcome = "tested" | "too_few" | "one_variant" | "zero_weight_assigned";

export interface SrmResult {
  /** Every stored assignment of the experiment. */
  total: number;
  /** Assignments to the variants defined now: what the check is about. */
  counted: number;
  /** Assignments to variants no longer defined, left out of the check. */
  removed: number;
  /** Of `counted`, assignments to variants whose weight is now 0. */
  zeroWeight: number;
  outcome: SrmOutcome;
  /** False when there is nothing to conclude (`too_few`, `one_variant`). */
  sufficient: boolean;
  /** The chi-square statistic, when the test ran. */
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
  const counted = observed.reduce((a, b) => a + b, 0);
  const zeroWeight = observed.reduce((sum, o, i) => sum + (weights[i] === 0 ? o : 0), 0);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const base = { total, counted, removed: total - counted, zeroWeight };
  const untested = (outcome: SrmOutcome, mismatch: boolean): SrmResult => ({
    ...base,
    outcome,
    sufficient: mismatch,
    statistic: null,
    df: null,
    pValue: mismatch ? 0 : null,
    mismatch,
  });
  if (zeroWeight > 0) return untested("zero_weight_assigned", true);
  if (weights.filter((w) => w > 0).length < 2) return untested("one_variant", false);
  const enough = weights.every((w) => w === 0 || (counted * w) / weightSum >= SRM_MIN_EXPECTED);
  if (!enough) return untested("too_few", false);
  const test = chiSquareTest(observed, weights);
  return {
    ...base,
    outcome: "tested",
    sufficient: true,
    statistic: test.statistic,
    df: test.df,
    pValue: test.pValue,
    mismatch: test.pValue < SRM_THRESHOLD,
  };
}
