/**
 * Chi-square goodness of fit, for the sample-ratio-mismatch check (and the
 * bucketing tests). Pure numerics, no dependencies.
 */

const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** The regularized upper incomplete gamma function Q(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) {
    // Series for P(a, x); Q = 1 − P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lnGamma(a)));
  }
  // Continued fraction (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/**
 * The smallest p-value reported. A p-value is never 0 for a finite statistic, but far out in the
 * tail (chi-square above about 1380 at df = 1) the double-precision computation underflows to 0;
 * such a p-value, and any below 1e-300, is reported as this floor, which then reads "1e-300 or
 * smaller".
 */
export const P_VALUE_FLOOR = 1e-300;

/** P(X ≥ statistic) for X ~ χ²(df), at least P_VALUE_FLOOR for a finite statistic. */
export function chiSquareSurvival(statistic: number, df: number): number {
  if (df <= 0) return 1;
  if (statistic === Infinity) return 0;
  return Math.max(gammaQ(df / 2, statistic / 2), P_VALUE_FLOOR);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Goodness of fit of `observed` counts to `expected` proportions (any
 * positive scale). Categories with expected weight 0 and a non-zero count
 * make the fit impossible (p = 0, the only case of an exact 0); otherwise the p-value is at least
 * P_VALUE_FLOOR.
 */
export function chiSquareTest(
  observed: readonly number[],
  weights: readonly number[],
): ChiSquareResult {
  const n = observed.reduce((a, b) => a + b, 0);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < observed.length; i++) {
    const o = observed[i] ?? 0;
    const w = weights[i] ?? 0;
    if (w <= 0) {
      if (o > 0) return { statistic: Infinity, df: Math.max(1, observed.length - 1), pValue: 0 };
      continue;
    }
    categories++;
    const e = (n * w) / totalWeight;
    statistic += ((o - e) * (o - e)) / e;
  }
  const df = categories - 1;
  return { statistic, df, pValue: df > 0 ? chiSquareSurvival(statistic, df) : 1 };
}
