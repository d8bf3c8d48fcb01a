-- Jobs: the time of a job's last callback, apart from the time of its last change. A worker that
-- repeats a callback (alive, no new progress) changes nothing, so updated_at stays; the stall
-- check (API `stalled`, `?stalled=true`, the jobs_stalled gauge, /jobs) must still see that it
-- reported, or a live job reads as stalled. Every accepted callback of an unfinished job sets
-- this column; a finished job keeps it as it was.
--
-- NULL where no callback has been recorded in it yet: rows written before this migration, and
-- rows written by an instance of the previous release during a roll-out (which does not know the
-- column). Readers take GREATEST(updated_at, last_reported_at), which skips NULL, so no backfill
-- is needed and a job updated by an older instance is not read as silent.
ALTER TABLE jobs ADD COLUMN last_reported_at TIMESTAMPTZ;

-- The stall count runs every minute on each instance, over unfinished jobs only.
CREATE INDEX jobs_unfinished_reported_idx ON jobs ((GREATEST(updated_at, last_reported_at)))
  WHERE status NOT IN ('completed', 'failed');
