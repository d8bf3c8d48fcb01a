/**
 * The exact goodness-of-fit test of counts to weights, for the sample-ratio check at small
 * samples, where the chi-square approximation is too small a p-value with unbalanced weights
 * (90/10 with 38/12 assignments: chi-square p = 0.00097, exact p = 0.0032). Two categories: the
 * exact two-sided binomial test; more: the exact multinomial test. Both sum the probability, under
 * the weights, of every split of the same total no more likely than the observed one (the
 * "minimum likelihood" p-value of R's binom.test and SciPy's binomtest, with their relative
 * tolerance of 1e-7 for ties). Pure numerics, no dependencies.
 */
import { P_VALUE_FLOOR } from "./stats.ts";

/**
 * The most splits the exact test enumerates: srmCheck runs it when the splits of its total over
 * its variants, C(n + k − 1, k − 1), are at most this many, and the chi-square test above. Two
 * variants: up to 99,999 assignments; three: 445; four: 82; five: 36; six: 23.
 */
export const EXACT_MAX_SPLITS = 100_000;

/**
 * The number of ways `n` assignments split over `k` categories, C(n + k − 1, k − 1), or Infinity
 * once it exceeds `cap` (computed without overflow, at most k steps).
 */
export function splitCount(n: number, k: number, cap = EXACT_MAX_SPLITS): number {
  if (k <= 1) return 1;
  // C(n + j, j) for j = 1 … k − 1, each step an exact integer while it stays below 2^53.
  let count = 1;
  for (let j = 1; j < k; j++) {
    count = (count * (n + j)) / j;
    if (count > cap) return Infinity;
  }
  return Math.round(count);
}

/** ln(1 + 1e-7): outcomes up to this much (relatively) more likely than the observed are ties. */
const TIE = Math.log1p(1e-7);
/** Below e^-750 of the scale, exp() underflows to 0: such splits add nothing to either sum. */
const NEGLIGIBLE = -750;

/**
 * The exact p-value of `observed` counts under `weights` (any positive scale): the probability
 * of a split no more likely than the observed one. A category with weight 0 and a non-zero count
 * makes the fit impossible (p = 0); otherwise the p-value is at least P_VALUE_FLOOR and at most 1,
 * exactly 1 when no split is more likely than the observed. Enumerates every split of the total:
 * call it only when `splitCount` is small (see EXACT_MAX_SPLITS).
 */
export function exactMultinomialTest(
  observed: readonly number[],
  weights: readonly number[],
): number {
  const counts: number[] = [];
  const shares: number[] = [];
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] ?? 0;
    const w = weights[i] ?? 0;
    if (w <= 0) {
      if (o > 0) return 0;
      continue;
    }
    counts.push(o);
    shares.push(w);
  }
  const k = counts.length;
  if (k < 2) return 1;
  const n = counts.reduce((a, b) => a + b, 0);
  const weightSum = shares.reduce((a, b) => a + b, 0);
  const lnP = shares.map((w) => Math.log(w / weightSum));
  // ln x! for x = 0 … n, summed with compensation (Neumaier) so the error does not grow with n.
  const lnFact = new Float64Array(n + 1);
  let sum = 0;
  let carry = 0;
  for (let x = 2; x <= n; x++) {
    const add = Math.log(x);
    const next = sum + add;
    carry += Math.abs(sum) >= add ? (sum - next) + add : (add - next) + sum;
    sum = next;
    lnFact[x] = sum + carry;
  }
  // ln P(split) up to the constant ln n!, which cancels below.
  const term = (x: number, i: number) => x * lnP[i]! - lnFact[x]!;
  const lnObserved = counts.reduce((sum, x, i) => sum + term(x, i), 0);
  // Probabilities are taken relative to a split near the mode, so neither sum overflows.
  const scale = term(Math.round(n * Math.exp(lnP[0]!)), 0) +
    lnP.slice(1).reduce((sum, _, j) => sum + term(Math.round(n * Math.exp(lnP[j + 1]!)), j + 1), 0);
  const limit = lnObserved + TIE;
  let atMost = 0; // splits no more likely than the observed
  let more = 0; // splits more likely
  const [lnA, lnB, wA, wB] = [lnP[k - 2]!, lnP[k - 1]!, shares[k - 2]!, shares[k - 1]!];
  const walk = (i: number, left: number, partial: number): void => {
    if (i < k - 2) {
      for (let x = 0; x <= left; x++) walk(i + 1, left - x, partial + term(x, i));
      return;
    }
    // The last two categories share what is left. ln P is concave in x here, so the loop walks
    // out from the most likely x both ways and stops where a split's probability is below
    // e^-750 of the scale: exp() is 0 there, and beyond it too.
    const mode = Math.round((left * wA) / (wA + wB));
    for (let x = mode; x <= left; x++) if (!add(partial, x, left)) break;
    for (let x = mode - 1; x >= 0; x--) if (!add(partial, x, left)) break;
  };
  /** Adds the split (…, x, left − x) to its sum; false when its probability is negligible. */
  const add = (partial: number, x: number, left: number): boolean => {
    const ln = partial + x * lnA - lnFact[x]! + (left - x) * lnB - lnFact[left - x]!;
    if (ln - scale < NEGLIGIBLE) return false;
    if (ln <= limit) atMost += Math.exp(ln - scale);
    else more += Math.exp(ln - scale);
    return true;
  };
  walk(0, n, 0);
  if (more === 0) return 1;
  // Normalising by the sum over all splits cancels the rounding in the factorials.
  return Math.min(1, Math.max(atMost / (atMost + more), P_VALUE_FLOOR));
}
