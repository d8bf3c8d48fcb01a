/**
 * Jobs: their schemas and the pure rule for applying a status callback.
 * Callbacks may repeat or arrive out of order; applying one is idempotent and
 * never moves a job backwards (a completed job does not return to progress,
 * progress never decreases).
 */
import { z } from "@hono/zod-openapi";
import type { EventType } from "../realtime/types.ts";
import { isTerminal } from "./status.ts";

export const JOB_STATUSES = ["queued", "started", "progress", "completed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a callback may report (a job is `queued` only before its first callback). */
export const CALLBACK_STATUSES = ["started", "progress", "completed", "failed"] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** Job and research ids: identifiers only (they ride on events). */
export const JobIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
  message: "Must be 1-128 characters of A-Z, a-z, 0-9, _ . : -",
});

/**
 * What the API reference says of both ids beyond the pattern: the payload guard's PHI check
 * (lib/jobs/ids.ts), with ids that pass it.
 */
export const PHI_ID_RULE = "An id that reads as PHI to the scanner (a date such as " +
  "2026-11-22, a record-number shape such as MRN00482913, a bare 9-digit number that reads as " +
  "an SSN, a phone number, …) is refused with 400 VALIDATION_FAILED, `errors` naming the " +
  "field, and nothing is stored. Use opaque ids: a UUID, or a counter with a prefix such as " +
  "`run_000123` (a date compacted, `run_20261122`, passes too).";

export const JobCallbackSchema = z.object({
  status: z.enum(CALLBACK_STATUSES),
  progress: z.number().int().min(0).max(100).optional(),
  researchId: JobIdSchema.optional().openapi({
    description: "The research the job belongs to, `^[A-Za-z0-9_.:-]{1,128}$`. " + PHI_ID_RULE,
  }),
}).strict();
export type JobCallback = z.infer<typeof JobCallbackSchema>;

export interface Job {
  id: string;
  researchId: string | null;
  status: JobStatus;
  progress: number;
  createdAt: string;
  /** The last change of status or progress. */
  updatedAt: string;
  /**
   * The last callback, whether or not it changed anything (a repeat too), or the last change
   * if later; a finished job keeps the time it finished. The stall check reads this.
   */
  lastReportedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const RANK: Record<JobStatus, number> = {
  queued: 0,
  started: 1,
  progress: 2,
  completed: 3,
  failed: 3,
};

export { isStalled, isTerminal } from "./status.ts";

/**
 * True when a callback names a research id other than the job's. A job belongs to one research
 * id, set by the first applied callback that names one; a later callback may repeat it or leave
 * it out, but one naming another is refused (a worker mixing up jobs), not silently ignored.
 */
export function researchIdMismatch(
  current: Pick<Job, "researchId"> | undefined,
  callback: Pick<JobCallback, "researchId">,
): boolean {
  return current?.researchId != null && callback.researchId !== undefined &&
    callback.researchId !== current.researchId;
}

/** The fields a callback changes, or null when it changes nothing. */
export interface JobTransition {
  status: JobStatus;
  progress: number;
  researchId: string | null;
  /** Set the start time (first time the job is seen running). */
  start: boolean;
  /** Set the finish time. */
  finish: boolean;
  event: EventType;
}

/**
 * Applies a callback to the current job (undefined when new). Pure.
 *
 * @example
 * applyCallback({ ...job, status: "completed", progress: 100 }, { status: "progress", progress: 40 });
 * // null — a completed job stays completed
 */
export function applyCallback(
  current: Job | undefined,
  callback: JobCallback,
): JobTransition | null {
  const status = current?.status ?? "queued";
  const progress = current?.progress ?? 0;
  const researchId = current?.researchId ?? callback.researchId ?? null;
  if (isTerminal(status)) return null;
  if (RANK[callback.status] < RANK[status]) return null;
  const start = current?.startedAt == null;
  switch (callback.status) {
    case "started":
      if (status === "started" && current) return null;
      return {
        status: "started",
        progress,
        researchId,
        start,
        finish: false,
        event: "job.started",
      };
    case "progress": {
      const next = Math.max(progress, callback.progress ?? progress);
      if (current && status === "progress" && next === progress) return null;
      return {
        status: "progress",
        progress: next,
        researchId,
        start,
        finish: false,
        event: "job.progress",
      };
    }
    case "completed":
      return {
        status: "completed",
        progress: 100,
        researchId,
        start,
        finish: true,
        event: "job.completed",
      };
    case "failed":
      return {
        status: "failed",
        progress: Math.max(progress, callback.progress ?? progress),
        researchId,
        start,
        finish: true,
        event: "job.failed",
      };
  }
}

/** A job as readers see it: what is stored, and whether it has gone quiet. */
export interface JobState extends Job {
  /**
   * True when the job is unfinished and has not reported (`lastReportedAt`) for longer than
   * the stall threshold: its worker may have died. Any later callback clears it, a repeat that
   * changes nothing included; one that changes the job applies as usual.
   */
  stalled: boolean;
}
