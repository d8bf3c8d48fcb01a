/**
 * Waiting until an instance's bus has read everything appended to the event stream so far: the
 * `publisher` publishes a marker event and this resolves once `reader` delivers it (the stream is
 * read in order, so everything appended before the marker has been read too).
 */
import type { AppEvent, EventBus } from "../../lib/realtime/types.ts";
import { until } from "./wait.ts";

export async function readUpToNow(
  publisher: EventBus,
  reader: EventBus,
  jobId: string,
): Promise<void> {
  let seen = false;
  const off = reader.subscribe("jobs", (event: AppEvent) => {
    if (event.payload.jobId === jobId) seen = true;
  });
  try {
    await publisher.publish({
      type: "job.progress",
      topic: "jobs",
      payload: { jobId, progress: 1 },
    });
    await until(() => seen, `the reader to read marker ${jobId}`);
  } finally {
    off();
  }
}
