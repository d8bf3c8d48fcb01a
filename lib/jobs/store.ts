/** Database I/O of jobs. */
import type { Queryable } from "../db/mod.ts";
import type { Job, JobStatus, JobTransition } from "./job.ts";

interface JobRow {
  id: string;
  research_id: string | null;
  status: JobStatus;
  progress: number;
  created_at: Date;
  updated_at: Date;
  last_reported_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    researchId: row.research_id,
    status: row.status,
    progress: Number(row.progress),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    lastReportedAt: iso(row.last_reported_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

/**
 * When a job last reported: its last callback, or its last change if later. The column is NULL
 * for rows written before migration 0011 or by an instance of the previous release (GREATEST
 * skips NULL), and a change by such an instance moves updated_at only.
 */
const LAST_REPORTED = "GREATEST(updated_at, last_reported_at)";

const COLUMNS = "id, research_id, status, progress, created_at, updated_at, " +
  `${LAST_REPORTED} AS last_reported_at, started_at, finished_at`;

/**
 * Stores a job as `queued` unless it exists (inside a transaction), so that the row is there
 * for `findJob(…, true)` to lock: concurrent first callbacks then queue on the lock and each
 * decides from the job as the one before it left it, not from "no job". A callback refused
 * afterwards rolls the insert back with its transaction.
 */
export async function ensureJob(db: Queryable, id: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO jobs (id, status, progress, created_at, updated_at, last_reported_at)
     VALUES ($1, 'queued', 0, $2, $2, $2)
     ON CONFLICT (id) DO NOTHING`,
    [id, now],
  );
}

/** One job, locked for update when `forUpdate` (inside a transaction). */
export async function findJob(
  db: Queryable,
  id: string,
  forUpdate = false,
): Promise<Job | undefined> {
  const rows = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM jobs WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

const RANK = (column: string) =>
  `CASE ${column} WHEN 'queued' THEN 0 WHEN 'started' THEN 1 WHEN 'progress' THEN 2 ELSE 3 END`;

/**
 * Inserts or updates a job with a transition; returns the stored job, or
 * undefined when a concurrent callback already moved the job as far or
 * further (the update only ever moves a job forward, and never lowers its progress).
 * Its times never move backwards either: a callback taken by an instance whose clock is behind
 * the one that wrote the job before keeps the later time (GREATEST).
 */
export async function writeJob(
  db: Queryable,
  id: string,
  transition: JobTransition,
  now: Date,
): Promise<Job | undefined> {
  const rows = await db.query<JobRow>(
    `INSERT INTO jobs (id, research_id, status, progress, created_at, updated_at, last_reported_at, started_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $5, $5, CASE WHEN $6 THEN $5::timestamptz END, CASE WHEN $7 THEN $5::timestamptz END)
     ON CONFLICT (id) DO UPDATE SET
       research_id = COALESCE(jobs.research_id, EXCLUDED.research_id),
       status = EXCLUDED.status,
       progress = GREATEST(jobs.progress, EXCLUDED.progress),
       updated_at = GREATEST(jobs.updated_at, EXCLUDED.updated_at),
       last_reported_at = GREATEST(jobs.updated_at, jobs.last_reported_at, EXCLUDED.last_reported_at),
       started_at = COALESCE(jobs.started_at, EXCLUDED.started_at),
       finished_at = COALESCE(jobs.finished_at, EXCLUDED.finished_at)
     WHERE jobs.status NOT IN ('completed', 'failed')
       AND ${RANK("EXCLUDED.status")} >= ${RANK("jobs.status")}
       AND (EXCLUDED.status <> jobs.status OR EXCLUDED.progress > jobs.progress)
     RETURNING ${COLUMNS}`,
    [
      id,
      transition.researchId,
      transition.status,
      transition.progress,
      now,
      transition.start,
      transition.finish,
    ],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/**
 * Records that an unfinished job reported at `now` although its callback changed nothing (a
 * repeat, or one that arrived out of order): the stall check reads this time, so a live worker
 * that repeats itself is not taken for a dead one. Never moves the time backwards. Returns the
 * stored job, or undefined when it is finished (a finished job never stalls and is left as it
 * was) or absent.
 */
export async function touchJob(db: Queryable, id: string, now: Date): Promise<Job | undefined> {
  const rows = await db.query<JobRow>(
    `UPDATE jobs SET last_reported_at = GREATEST(updated_at, last_reported_at, $2)
     WHERE id = $1 AND status NOT IN ('completed', 'failed')
     RETURNING ${COLUMNS}`,
    [id, now],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** Unfinished jobs only ever match the stall filter (finished ones never stall). */
const UNFINISHED = "status NOT IN ('completed', 'failed')";

/**
 * The most recently updated jobs, newest first; with `status`, in that status only; with
 * `reportedBefore`, only unfinished jobs that last reported before it (the stalled ones).
 */
export async function listJobs(
  db: Queryable,
  options: { limit: number; status?: JobStatus | undefined; reportedBefore?: Date | undefined },
): Promise<Job[]> {
  const params: unknown[] = [options.limit];
  const where: string[] = [];
  if (options.status) where.push(`status = $${params.push(options.status)}`);
  if (options.reportedBefore) {
    where.push(UNFINISHED, `${LAST_REPORTED} < $${params.push(options.reportedBefore)}`);
  }
  const rows = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM jobs${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
     ORDER BY updated_at DESC, id LIMIT $1`,
    params,
  );
  return rows.map(toJob);
}

/** How many unfinished jobs last reported before `reportedBefore`. */
export async function countUnfinishedBefore(
  db: Queryable,
  reportedBefore: Date,
): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM jobs WHERE ${UNFINISHED} AND ${LAST_REPORTED} < $1`,
    [reportedBefore],
  );
  return Number(rows[0]?.n ?? 0);
}

/** What one retention statement deleted: all jobs, and the unfinished ones among them. */
export interface JobsDeleted {
  deleted: number;
  unfinished: number;
}

/**
 * Deletes up to `limit` jobs past the retention `cutoff`, oldest change first, and says how many
 * (and how many of them were unfinished): finished jobs (`completed`, `failed`) last changed
 * before it, and unfinished ones that have not reported since before it (their last callback,
 * `GREATEST(updated_at, last_reported_at)`: a worker silent that long is gone, and the job would
 * read as stalled for ever). An unfinished job that reported since the cutoff is kept, however old
 * its last change. Both predicates imply `updated_at < cutoff`, so the scan walks jobs_updated_idx
 * from its oldest end and stops at `limit` rows. The picked rows are locked (`FOR UPDATE SKIP
 * LOCKED`; a locked one waits for the next run), and the lock re-checks an unfinished row a
 * callback committed meanwhile, so a job that has just reported is not deleted.
 */
export async function deleteExpiredBefore(
  db: Queryable,
  cutoff: Date,
  limit: number,
): Promise<JobsDeleted> {
  const rows = await db.query<{ deleted: number | string; unfinished: number | string }>(
    `WITH doomed AS (
       SELECT id FROM jobs
        WHERE updated_at < $1::timestamptz
          AND (status IN ('completed', 'failed') OR ${LAST_REPORTED} < $1::timestamptz)
        ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ),
     del AS (DELETE FROM jobs j USING doomed WHERE j.id = doomed.id RETURNING j.status)
     SELECT count(*)::int8 AS deleted,
            count(*) FILTER (WHERE status NOT IN ('completed', 'failed'))::int8 AS unfinished
       FROM del`,
    [cutoff, limit],
  );
  return { deleted: Number(rows[0]?.deleted ?? 0), unfinished: Number(rows[0]?.unfinished ?? 0) };
}
