/**
 * Timing percentiles from log-bucket histograms (pure). A value v >= 1 ms
 * falls in bucket 1 + floor(log_1.02(v)); values below 1 ms in bucket 0. The
 * database computes the same bucket (`analytics_timing_bucket` in migration
 * 0005) when it maintains the daily roll-up, so p50/p95 over any range come
 * from a few hundred rows, within 1% of the exact value.
 */

/** Bucket growth factor: adjacent bucket bounds differ by 2%. */
export const GAMMA = 1.02;

/** The bucket of a timing value (mirror of the SQL function). */
export function timingBucket(value: number): number {
  if (!(value >= 1)) return 0;
  return 1 + Math.floor(Math.log(value) / Math.log(GAMMA));
}

/** The representative value of a bucket: the midpoint of its bounds (relative error ≤ 1%). */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  const low = GAMMA ** (bucket - 1);
  return (low * (1 + GAMMA)) / 2;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram given as bucket → samples, by the
 * nearest-rank method; null for an empty histogram.
 *
 * @example
 * quantile(new Map([[timingBucket(100), 9], [timingBucket(1000), 1]]), 0.5); // ≈ 100
 */
export function quantile(histogram: ReadonlyMap<number, number>, q: number): number | null {
  let total = 0;
  for (const samples of histogram.values()) total += samples;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return Math.round(bucketValue(bucket) * 100) / 100;
  }
  return null;
}
