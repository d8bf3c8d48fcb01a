/**
 * Job retention: up to when jobs are kept. Pure (no I/O); the service runs
 * the batched deletes (service.ts, `cleanup()`), the store does them (store.ts).
 */

const DAY_MS = 86_400_000;

/** Jobs deleted per retention statement (and transaction) unless told otherwise. */
export const JOB_RETENTION_BATCH = 5000;

/**
 * The retention cutoff at `nowMs`: the start of the UTC day `retentionDays` ago, as analytics
 * retention takes it (whole days, so every run of one day deletes up to the same instant). A
 * finished job whose last change (`updatedAt`) is before it is deleted, and so is an unfinished
 * job whose last report (`lastReportedAt`) is before it.
 *
 * @example
 * retentionCutoff(Date.UTC(2027, 2, 10, 12), 365); // 2026-03-10T00:00:00.000Z
 */
export function retentionCutoff(nowMs: number, retentionDays: number): Date {
  const day = new Date(nowMs - retentionDays * DAY_MS).toISOString().slice(0, 10);
  return new Date(`${day}T00:00:00Z`);
}
