/**
 * The job service: applies status callbacks (idempotent, never backwards),
 * stores them and publishes `job.*` events on topic `jobs`. Readers see each job with
 * `stalled` (unfinished and silent for longer than the threshold), and a periodic watch
 * keeps a gauge of stalled jobs for alerting.
 *
 * A callback that changes nothing (a repeat, or one out of order) still records when the job
 * reported (`lastReportedAt`), so a live worker that repeats itself clears the stall mark; it
 * publishes no event (pages that show the mark re-read the list, islands/JobsLive.tsx).
 *
 * Retention (`cleanup()`, an hourly chore): finished jobs last changed before the cutoff, and
 * unfinished ones that have not reported since before it (their worker is gone), are deleted in
 * batches, each with its audit entry; an unfinished job that reported since is kept. A run that
 * deleted something publishes one `jobs.deleted` (how many, no ids) on topic `jobs`, so open job
 * lists on every instance read the list again.
 */
import type { AuditActor, AuditLog } from "../audit/mod.ts";
import type { Clock } from "../clock.ts";
import type { Db, Queryable } from "../db/mod.ts";
import { NotFoundError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { EventBus, EventPayload } from "../realtime/types.ts";
import type { Gauge } from "../telemetry/metrics.ts";
import {
  applyCallback,
  isStalled,
  type Job,
  type JobCallback,
  type JobState,
  type JobStatus,
  researchIdMismatch,
} from "./job.ts";
import { callbackIdRefusal, researchIdMismatchError } from "./ids.ts";
import { JOB_RETENTION_BATCH, retentionCutoff } from "./retention.ts";
import {
  countUnfinishedBefore,
  deleteExpiredBefore,
  ensureJob,
  findJob,
  listJobs,
  touchJob,
  writeJob,
} from "./store.ts";

export interface JobUpdate {
  job: JobState;
  /**
   * False when the callback was a repeat or arrived out of order: the job's state is as it was
   * and no event is published; only its `lastReportedAt` moves (unless it is finished).
   */
  changed: boolean;
}

/** Who reported a callback (the API token, or a STEWARD+ user), for the audit log. */
export interface JobReporter {
  actor: AuditActor;
  requestId?: string | undefined;
}

export interface JobListOptions {
  limit: number;
  status?: JobStatus | undefined;
  /** Only the stalled jobs (nothing when the stall check is off). */
  stalled?: boolean | undefined;
}

/** What one retention run deleted, and up to which day (`YYYY-MM-DD`, UTC, exclusive). */
export interface JobCleanupResult {
  deleted: number;
  /** How many of the deleted jobs were unfinished (silent since before the cutoff). */
  unfinished: number;
  cutoff: string;
}

export interface JobService {
  /**
   * Applies a callback. A transition to `completed` or `failed` is audited (`job.complete`,
   * `job.fail`) in the same transaction, naming `by` as the actor; progress is not audited.
   */
  report(id: string, callback: JobCallback, by?: JobReporter): Promise<JobUpdate>;
  get(id: string): Promise<JobState>;
  list(options: JobListOptions): Promise<JobState[]>;
  /**
   * Counts the stalled jobs into the gauge and logs a warning when there are more than at
   * the last count. Returns the count; a failed count (database down) keeps the gauge as
   * it was and returns null, since readiness already reports the database.
   */
  watchStalled(): Promise<number | null>;
  /** The stall threshold in milliseconds (0: off). */
  readonly stallAfterMs: number;
  /**
   * Deletes the jobs past the retention, the start of the UTC day `retentionDays` ago: finished
   * ones (`completed`, `failed`) last changed before it, and unfinished ones that have not
   * reported since before it (a worker silent for the whole retention is gone; such a job would
   * read as stalled, and count in the stalled gauge, for ever). In batches: each batch that
   * deleted something commits with its own audit entry (`job.retention_cleanup`, with how many of
   * them were unfinished), so what committed is audited and a failed entry leaves its batch for
   * the next run. Logs one line when it deleted something (the counts, no ids), and publishes
   * one `jobs.deleted` event on topic `jobs` (`{ deleted }`, no ids; also when a later batch
   * failed, for what committed). Idempotent and safe on several instances at once.
   */
  cleanup(): Promise<JobCleanupResult>;
}

/** The event payload of a job (identifiers, an enum and a number). */
export function jobPayload(job: Job): EventPayload {
  return { jobId: job.id, status: job.status, progress: job.progress, researchId: job.researchId };
}

export interface JobServiceDeps {
  db: Queryable & Pick<Db, "transaction">;
  bus: EventBus;
  clock: Clock;
  logger?: Logger;
  /** Where terminal transitions are audited (none: not audited). */
  audit?: AuditLog;
  /** A job unfinished and silent for longer than this is stalled (0 turns it off). */
  stallAfterMs?: number;
  /** Set to the number of stalled jobs by watchStalled(). */
  stalledGauge?: Gauge;
  /** Finished jobs older than this many days are deleted by cleanup() (default 365). */
  retentionDays?: number;
  /** Jobs deleted per retention statement (default {@link JOB_RETENTION_BATCH}). */
  retentionBatch?: number;
}

export function createJobService(deps: JobServiceDeps): JobService {
  const stallAfterMs = deps.stallAfterMs ?? 0;
  const withStall = (job: Job): JobState => ({
    ...job,
    stalled: isStalled(job, deps.clock.now(), stallAfterMs),
  });
  const stallCutoff = () => new Date(deps.clock.now() - stallAfterMs);
  let lastStalled = 0;
  /**
   * Tells every open job list, on every instance, that jobs were deleted (`jobs.deleted`: a
   * count, no ids), so it reads the list again. A deletion is not undone when the event cannot
   * be published: logged, and pages drop the jobs at their next read.
   */
  const announceDeleted = async (deleted: number) => {
    try {
      await deps.bus.publish({ type: "jobs.deleted", topic: "jobs", payload: { deleted } });
    } catch (error) {
      deps.logger?.warn("jobs deletion not published", {
        errorType: error instanceof Error ? error.name : typeof error,
      });
    }
  };
  return {
    stallAfterMs,
    async report(id, callback, by) {
      // Refuse before writing anything that could not be published (naming the field).
      const refusal = callbackIdRefusal(id, callback.researchId);
      if (refusal) throw refusal;
      const outcome = await deps.db.transaction(async (tx) => {
        // A job keeps its first research id: naming another is refused, nothing written.
        const sameResearch = (job: Job | undefined) => {
          if (researchIdMismatch(job, callback)) throw researchIdMismatchError();
        };
        const now = new Date(deps.clock.now());
        // The row must exist to be locked: a new job is stored as queued first, so concurrent
        // first callbacks wait here and each decides from what the one before it stored.
        await ensureJob(tx, id, now);
        let current = await findJob(tx, id, true);
        if (!current) {
          // Retention deleted the job while this callback waited on its lock (a job silent
          // since before the cutoff, or finished long ago): the callback starts it anew.
          await ensureJob(tx, id, now);
          current = await findJob(tx, id, true);
        }
        sameResearch(current);
        const transition = applyCallback(current, callback);
        // Nothing changes, but the worker has reported: the stall check must see it.
        const unchanged = async () => (await touchJob(tx, id, now)) ?? (await findJob(tx, id))!;
        if (!transition) return { job: await unchanged(), changed: false, event: undefined };
        const job = await writeJob(tx, id, transition, now);
        sameResearch(job);
        if (job && transition.finish) {
          // Who finished a job is on record (a leaked jobs:write token leaves a trace): the
          // token's id, never its secret. Progress updates are frequent and not audited.
          await deps.audit?.record({
            actor: by?.actor ?? { type: "anonymous" },
            action: job.status === "completed" ? "job.complete" : "job.fail",
            target: { type: "job", id },
            before: { status: current!.status, progress: current!.progress },
            after: { status: job.status, progress: job.progress, researchId: job.researchId },
            ...(by?.requestId ? { requestId: by.requestId } : {}),
          }, tx);
        }
        if (!job) {
          const stored = await unchanged();
          sameResearch(stored);
          return { job: stored, changed: false, event: undefined };
        }
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
      return { job: withStall(outcome.job), changed: outcome.changed };
    },
    async get(id) {
      const job = await findJob(deps.db, id);
      if (!job) throw new NotFoundError("No job with this id");
      return withStall(job);
    },
    async list({ limit, status, stalled }) {
      if (stalled && stallAfterMs <= 0) return [];
      const jobs = await listJobs(deps.db, {
        limit,
        status,
        reportedBefore: stalled ? stallCutoff() : undefined,
      });
      return jobs.map(withStall);
    },
    async watchStalled() {
      if (stallAfterMs <= 0) return 0;
      let count: number;
      try {
        count = await countUnfinishedBefore(deps.db, stallCutoff());
      } catch (error) {
        deps.logger?.debug("stalled jobs not counted", {
          errorType: error instanceof Error ? error.name : typeof error,
        });
        return null;
      }
      deps.stalledGauge?.set(count);
      if (count > lastStalled) {
        deps.logger?.warn("jobs stalled", {
          stalled: count,
          stallAfterMinutes: Math.round(stallAfterMs / 60_000),
        });
      }
      lastStalled = count;
      return count;
    },
    async cleanup() {
      const retentionDays = deps.retentionDays ?? 365;
      const cutoff = retentionCutoff(deps.clock.now(), retentionDays);
      const batch = deps.retentionBatch ?? JOB_RETENTION_BATCH;
      let deleted = 0;
      let unfinished = 0;
      // One short transaction per batch (a first run on a large table holds no long lock), each
      // with its audit entry: the usual hourly run fits in one batch and writes one entry.
      const deleteBatches = async () => {
        for (let round = 0; round < 10_000; round++) {
          const n = await deps.db.transaction(async (tx) => {
            const n = await deleteExpiredBefore(tx, cutoff, batch);
            if (n.deleted > 0) {
              await deps.audit?.record({
                actor: { type: "system" },
                action: "job.retention_cleanup",
                target: { type: "jobs" },
                // `cutoffAt`: a technical key, so the audit scrubber keeps the instant.
                after: {
                  deletedJobs: n.deleted,
                  unfinishedJobs: n.unfinished,
                  cutoffAt: cutoff.toISOString(),
                  retentionDays,
                },
              }, tx);
            }
            return n;
          });
          deleted += n.deleted;
          unfinished += n.unfinished;
          if (n.deleted < batch) break;
        }
      };
      try {
        await deleteBatches();
      } finally {
        // What committed is gone, also when a later batch failed: open pages must drop it.
        if (deleted > 0) await announceDeleted(deleted);
      }
      if (deleted > 0) {
        deps.logger?.info("jobs retention cleanup", {
          deleted,
          unfinished,
          cutoffAt: cutoff.toISOString(),
        });
      }
      return { deleted, unfinished, cutoff: cutoff.toISOString().slice(0, 10) };
    },
  };
}
