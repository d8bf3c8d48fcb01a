/**
 * Job status rules shared by the server and the jobs island (no dependencies, so the
 * island's bundle stays small).
 */

/** True for a status a job never leaves. */
export function isTerminal(status: string): boolean {
  return status === "completed" || status === "failed";
}

/**
 * Whether a job is stalled at `nowMs`: unfinished, and its last callback (`lastReportedAt`, a
 * repeat that changed nothing included) more than `stallAfterMs` ago. A threshold of 0 turns
 * the check off.
 *
 * @example
 * isStalled({ status: "progress", lastReportedAt: "2026-01-01T00:00:00.000Z" },
 *   Date.parse("2026-01-01T00:31:00.000Z"), 30 * 60_000); // true
 */
export function isStalled(
  job: { status: string; lastReportedAt: string },
  nowMs: number,
  stallAfterMs: number,
): boolean {
  if (stallAfterMs <= 0 || isTerminal(job.status)) return false;
  return nowMs - Date.parse(job.lastReportedAt) > stallAfterMs;
}
