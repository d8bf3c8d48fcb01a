/**
 * Raw entries of the Redis event stream, appended as the bus appends them (for tests of what a
 * reader makes of a stream other writers filled or trimmed).
 */
import type { RedisHandle } from "../../lib/redis/client.ts";

/** An XADD of a job event, trimmed like the bus trims when `maxLen` is given. */
export function jobEntry(key: string, jobId: string, maxLen: number | null): string[] {
  return [
    "XADD",
    key,
    ...(maxLen === null ? [] : ["MAXLEN", "~", String(maxLen)]),
    "*",
    "t",
    "job.progress",
    "p",
    "jobs",
    "d",
    JSON.stringify({ jobId, progress: 1 }),
  ];
}

/** Appends `count` job events (`j0`, `j1`, …) in one transaction, read by a reader as one batch. */
export async function appendBurst(
  redis: RedisHandle,
  key: string,
  count: number,
  maxLen: number | null,
): Promise<void> {
  const multi = redis.client.multi();
  for (let i = 0; i < count; i++) multi.addCommand(jobEntry(key, `j${i}`, maxLen));
  await multi.exec();
}
