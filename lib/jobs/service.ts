/**
 * The job service: applies status callbacks (idempotent, never backwards),
 * stores them and publishes `job.*` events on topic `jobs`.
 */
import type { Clock } from "../clock.ts";
import type { Db, Queryable } from "../db/mod.ts";
import { NotFoundError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { EventRefusedError, payloadRefusal } from "../realtime/payload_guard.ts";
import type { EventBus, EventPayload } from "../realtime/types.ts";
import { applyCallback, type Job, type JobCallback, type JobStatus } from "./job.ts";
import { findJob, listJobs, writeJob } from "./store.ts";

export interface JobUpdate {
  job: Job;
  /** False when the callback was a repeat or arrived out of order (nothing written). */
  changed: boolean;
}

export interface JobService {
  report(id: string, callback: JobCallback): Promise<JobUpdate>;
  get(id: string): Promise<Job>;
  list(options: { limit: number; status?: JobStatus | undefined }): Promise<Job[]>;
}

/** The event payload of a job (identifiers, an enum and a number). */
export function jobPayload(job: Job): EventPayload {
  return { jobId: job.id, status: job.status, progress: job.progress, researchId: job.researchId };
}

export function createJobService(
  deps: { db: Queryable & Pick<Db, "transaction">; bus: EventBus; clock: Clock; logger?: Logger },
): JobService {
  return {
    async report(id, callback) {
      // Refuse before writing anything that could not be published.
      const reason = payloadRefusal({ jobId: id, researchId: callback.researchId ?? null });
      if (reason) throw new EventRefusedError(reason);
      const outcome = await deps.db.transaction(async (tx) => {
        const current = await findJob(tx, id, true);
        const transition = applyCallback(current, callback);
        if (!transition) return { job: current!, changed: false, event: undefined };
        const job = await writeJob(tx, id, transition, new Date(deps.clock.now()));
        if (!job) return { job: (await findJob(tx, id))!, changed: false, event: undefined };
        return { job, changed: true, event: transition.event };
      });
      if (outcome.event) {
        try {
          await deps.bus.publish({
            type: outcome.event,
            topic: "jobs",
            payload: jobPayload(outcome.job),
          });
        } catch (error) {
          deps.logger?.warn("job event not published", {
            errorType: error instanceof Error ? error.name : typeof error,
          });
        }
      }
      return { job: outcome.job, changed: outcome.changed };
    },
    async get(id) {
      const job = await findJob(deps.db, id);
      if (!job) throw new NotFoundError("No job with this id");
      return job;
    },
    list: (options) => listJobs(deps.db, options),
  };
}
