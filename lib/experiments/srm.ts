/**
 * Sample-ratio mismatch: do the actual assignment counts fit the weights?
 * A chi-square test per experiment; a mismatch (p < 0.001) means the
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
    statistic: null,
    df: null,
    pValue: null,
    mismatch: false,
  });
  if (live.length < 2) return untested("one_variant");
  const enough = weights.every((w) => (counted * w) / weightSum >= SRM_MIN_EXPECTED);
  if (!enough) return untested("too_few");
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
