/**
 * Sample-ratio mismatch: do the actual assignment counts fit the weights?
 * A goodness-of-fit test per experiment: exact (two variants: the exact two-sided
 * binomial test; more: the exact multinomial test, exact.ts) while the splits of
 * the assignments over the variants number at most EXACT_MAX_SPLITS (100,000:
 * up to 99,999 assignments for two variants, 445 for three, 82 for four), the
 * chi-square test above, where its approximation holds. At small samples with
 * unbalanced weights chi-square's p is too small (90/10 with 38/12: 0.00097
 * against the exact 0.0032), a false warning. A mismatch (p < 0.001) means the
 * assignment or the logging is broken, or the weights changed mid-run, and any
 * outcome analysis of the experiment is not to be trusted until the cause is
 * found. Pure.
 *
 * The test runs over the variants with a weight above 0 only. Assignments still
 * stored in a variant switched off (weight 0) are people who have not come back
 * since: each is re-drawn by the current weights on their next visit (see
 * `redrawVariant` in assign.ts). They are expected after the change, not a
 * fault, and are counted apart (`zeroWeight`), like those in removed variants.
 */
import type { Experiment } from "./experiment.ts";
import { EXACT_MAX_SPLITS, exactMultinomialTest, splitCount } from "./exact.ts";
import { chiSquareTest } from "./stats.ts";

/** p-value below which the admin page warns. */
export const SRM_THRESHOLD = 0.001;
/** Below this expected count in some variant the test is not meaningful. */
export const SRM_MIN_EXPECTED = 5;

/**
 * `tested`: the chi-square ran; `too_few`: some live variant expects fewer than
 * SRM_MIN_EXPECTED; `one_variant`: a single variant has weight above 0, so there
 * is no ratio to check.
 */
export type SrmOutcome = "tested" | "too_few" | "one_variant";

/**
 * The test that gave the p-value: `exact` (binomial for two variants, multinomial for more) while
 * the splits of `counted` over the live variants number at most EXACT_MAX_SPLITS, `chi_square`
 * above.
 */
export type SrmTest = "exact" | "chi_square";

export interface SrmResult {
  /** Every stored assignment of the experiment: `counted + zeroWeight + removed`. */
  total: number;
  /** Assignments to the variants with a weight above 0: what the check is about. */
  counted: number;
  /** Assignments to variants no longer defined, left out of the check. */
  removed: number;
  /** Assignments still stored in variants whose weight is now 0, left out of the check. */
  zeroWeight: number;
  outcome: SrmOutcome;
  /** False when there is nothing to conclude (`too_few`, `one_variant`). */
  sufficient: boolean;
  /** The test that gave `pValue`, when one ran. */
  test: SrmTest | null;
  /** The chi-square statistic, when the test ran (also beside an exact test's p, as a size). */
  statistic: number | null;
  df: number | null;
  /** From `test`. */
  pValue: number | null;
  mismatch: boolean;
}

/** The SRM check of `experiment` for its assignment counts by variant key. */
export function srmCheck(
  experiment: Pick<Experiment, "variants">,
  counts: Readonly<Record<string, number>>,
): SrmResult {
  const live = experiment.variants.filter((variant) => variant.weight > 0);
  const weights = live.map((variant) => variant.weight);
  const observed = live.map((variant) => counts[variant.key] ?? 0);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const counted = observed.reduce((a, b) => a + b, 0);
  const zeroWeight = experiment.variants.reduce(
    (sum, variant) => sum + (variant.weight > 0 ? 0 : counts[variant.key] ?? 0),
    0,
  );
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const base = { total, counted, removed: total - counted - zeroWeight, zeroWeight };
  const untested = (outcome: SrmOutcome): SrmResult => ({
    ...base,
    outcome,
    sufficient: false,
    test: null,
    statistic: null,
    df: null,
    pValue: null,
    mismatch: false,
  });
  if (live.length < 2) return untested("one_variant");
  const enough = weights.every((w) => (counted * w) / weightSum >= SRM_MIN_EXPECTED);
  if (!enough) return untested("too_few");
  const chiSquare = chiSquareTest(observed, weights);
  const exact = splitCount(counted, live.length) <= EXACT_MAX_SPLITS;
  const pValue = exact ? exactMultinomialTest(observed, weights) : chiSquare.pValue;
  return {
    ...base,
    outcome: "tested",
    sufficient: true,
    test: exact ? "exact" : "chi_square",
    statistic: chiSquare.statistic,
    df: chiSquare.df,
    pValue,
    mismatch: pValue < SRM_THRESHOLD,
  };
}
