/**
 * Analytics storage. One statement per batch inserts the events (a repeated
 * `event_id` is skipped), maintains the daily roll-ups from exactly the rows
 * inserted, and writes a governance-log row for each redacted event, so the
 * summary reads only roll-ups and never scans `analytics_events`.
 */
import type { Db } from "../db/mod.ts";
import { sqlState } from "../db/mod.ts";
import type { PhiFinding } from "../phi/mod.ts";
import { EXPOSURE_EVENT, EXPOSURE_KEYS, TIMING_PROPERTIES } from "./allowlist.ts";

/** One event as stored. */
export interface EventRow {
  eventId: string;
  eventName: string;
  userId: string | null;
  sessionId: string | null;
  researchId: string | null;
  mode: "DEMO" | "LIVE";
  properties: Record<string, unknown>;
  phiRedacted: boolean;
  ipHash: string | null;
  userAgent: string | null;
  clientTs: Date | null;
  createdAt: Date;
}

/** The governance-log details of a redacted event: name, finding types and paths, never values. */
export interface RedactionDetails {
  eventId: string;
  eventName: string;
  findings: PhiFinding[];
}

/** An inclusive range of UTC days, `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

export interface CountRow {
  key: string;
  events: number;
  redacted: number;
}

export interface TimingRow {
  eventName: string;
  property: string;
  bucket: number;
  samples: number;
}

export interface ExposureRow {
  experimentKey: string;
  variant: string;
  exposures: number;
}

export interface AnalyticsStore {
  /** Inserts a batch; returns the event ids actually inserted (others were duplicates). */
  insertBatch(rows: EventRow[], redactions: RedactionDetails[]): Promise<Set<string>>;
  counts(range: DayRange, by: "event" | "day" | "mode"): Promise<CountRow[]>;
  distinctUsers(range: DayRange): Promise<number>;
  timings(range: DayRange): Promise<TimingRow[]>;
  exposures(range: DayRange): Promise<ExposureRow[]>;
  /** Deletes a user's events and takes them out of the roll-ups; returns how many. */
  eraseUser(userId: string): Promise<number>;
  /** Whether an account with this id exists. */
  userExists(userId: string): Promise<boolean>;
  /** Deletes up to `limit` events created before `cutoff`; returns how many. */
  deleteOlderThan(cutoff: Date, limit: number): Promise<number>;
  /** Deletes roll-up rows of days before `cutoffDay` and rows emptied by erasure. */
  pruneRollups(cutoffDay: string): Promise<void>;
}

const COLUMNS = 12;
const TIMING_SQL = TIMING_PROPERTIES.map((p) => `'${p}'`).join(", ");
const RETRYABLE = new Set(["40P01", "40001"]);

async function retrying<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (error) {
      // Deadlocks between concurrent roll-up upserts are rare and safe to retry.
      if (attempt >= attempts || !RETRYABLE.has(sqlState(error) ?? "")) throw error;
    }
  }
}

/** The insert statement for `count` events and `redactions` governance rows. */
export function insertStatement(count: number, redactions: number): string {
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = (n: number) => `$${i * COLUMNS + n}`;
    values.push(
      `(${p(1)}::uuid, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}::jsonb, ${
        p(8)
      }::boolean, ` +
        `${p(9)}, ${p(10)}, ${p(11)}::timestamptz, ${p(12)}::timestamptz)`,
    );
  }
  const base = count * COLUMNS;
  const red: string[] = [];
  for (let j = 0; j < redactions; j++) {
    red.push(`($${base + j * 2 + 1}::uuid, $${base + j * 2 + 2}::jsonb)`);
  }
  const governance = redactions === 0 ? "" : `,
  gov AS (
    INSERT INTO governance_log (event_type, actor_id, details, created_at)
    SELECT 'analytics.phi_redacted', ins.user_id, red.details, ins.created_at
      FROM ins JOIN (VALUES ${red.join(", ")}) AS red (event_id, details)
        ON red.event_id = ins.event_id
  )`;
  return `WITH ins AS (
    INSERT INTO analytics_events
      (event_id, event_name, user_id, session_id, research_id, mode, properties, phi_redacted,
       ip_hash, user_agent, client_ts, created_at)
    VALUES ${values.join(", ")}
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id, event_name, user_id, mode, properties, phi_redacted, created_at,
              (created_at AT TIME ZONE 'UTC')::date AS day
  ),
  daily AS (
    INSERT INTO analytics_daily AS a (day, event_name, mode, events, redacted)
    SELECT day, event_name, mode, count(*), count(*) FILTER (WHERE phi_redacted)
      FROM ins GROUP BY day, event_name, mode ORDER BY day, event_name, mode
    ON CONFLICT (day, event_name, mode) DO UPDATE
      SET events = a.events + EXCLUDED.events, redacted = a.redacted + EXCLUDED.redacted
  ),
  users AS (
    INSERT INTO analytics_daily_users (day, user_id)
    SELECT DISTINCT day, user_id FROM ins WHERE user_id IS NOT NULL ORDER BY day, user_id
    ON CONFLICT DO NOTHING
  ),
  timing AS (
    INSERT INTO analytics_daily_timing AS t (day, event_name, property, bucket, samples)
    SELECT ins.day, ins.event_name, p.key, analytics_timing_bucket(p.value::float8), count(*)
      FROM ins CROSS JOIN LATERAL jsonb_each(ins.properties) AS p
     WHERE p.key IN (${TIMING_SQL}) AND jsonb_typeof(p.value) = 'number'
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, event_name, property, bucket) DO UPDATE
      SET samples = t.samples + EXCLUDED.samples
  ),
  exposure AS (
    INSERT INTO analytics_daily_exposure AS x (day, experiment_key, variant, exposures)
    SELECT day, properties ->> '${EXPOSURE_KEYS.experiment}', properties ->> '${EXPOSURE_KEYS.variant}', count(*)
      FROM ins
     WHERE event_name = '${EXPOSURE_EVENT}'
       AND jsonb_typeof(properties -> '${EXPOSURE_KEYS.experiment}') = 'string'
       AND jsonb_typeof(properties -> '${EXPOSURE_KEYS.variant}') = 'string'
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, experiment_key, variant) DO UPDATE
      SET exposures = x.exposures + EXCLUDED.exposures
  )${governance}
  SELECT event_id::text AS event_id FROM ins`;
}

/** The Postgres/PGlite analytics store. */
export function createAnalyticsStore(db: Db): AnalyticsStore {
  return {
    async insertBatch(rows, redactions) {
      if (rows.length === 0) return new Set();
      const params: unknown[] = [];
      for (const row of rows) {
        params.push(
          row.eventId,
          row.eventName,
          row.userId,
          row.sessionId,
          row.researchId,
          row.mode,
          row.properties,
          row.phiRedacted,
          row.ipHash,
          row.userAgent,
          row.clientTs,
          row.createdAt,
        );
      }
      for (const r of redactions) {
        params.push(r.eventId, {
          eventName: r.eventName,
          eventId: r.eventId,
          findings: r.findings,
        });
      }
      const sql = insertStatement(rows.length, redactions.length);
      const inserted = await retrying(() => db.query<{ event_id: string }>(sql, params));
      return new Set(inserted.map((row) => row.event_id));
    },

    async counts(range, by) {
      const key = by === "event"
        ? "event_name"
        : by === "mode"
        ? "mode"
        : "to_char(day, 'YYYY-MM-DD')";
      const order = by === "day" ? "key" : "events DESC, key";
      return await db.query<CountRow>(
        `SELECT ${key} AS key, sum(events)::int8 AS events, sum(redacted)::int8 AS redacted
           FROM analytics_daily WHERE day BETWEEN $1::date AND $2::date
          GROUP BY 1 HAVING sum(events) > 0 ORDER BY ${order}`,
        [range.from, range.to],
      );
    },

    async distinctUsers(range) {
      // One index probe per account (user_id, day) instead of a distinct over every user-day.
      const rows = await db.query<{ users: number }>(
        `SELECT count(*)::int8 AS users FROM users u
          WHERE EXISTS (
            SELECT 1 FROM analytics_daily_users d
             WHERE d.user_id = u.id AND d.day BETWEEN $1::date AND $2::date
          )`,
        [range.from, range.to],
      );
      return rows[0]?.users ?? 0;
    },

    async timings(range) {
      return await db.query<TimingRow>(
        `SELECT event_name AS "eventName", property, bucket, sum(samples)::int8 AS samples
           FROM analytics_daily_timing WHERE day BETWEEN $1::date AND $2::date
          GROUP BY 1, 2, 3 HAVING sum(samples) > 0 ORDER BY 1, 2, 3`,
        [range.from, range.to],
      );
    },

    async exposures(range) {
      return await db.query<ExposureRow>(
        `SELECT experiment_key AS "experimentKey", variant, sum(exposures)::int8 AS exposures
           FROM analytics_daily_exposure WHERE day BETWEEN $1::date AND $2::date
          GROUP BY 1, 2 HAVING sum(exposures) > 0 ORDER BY 1, 2`,
        [range.from, range.to],
      );
    },

    async eraseUser(userId) {
      const rows = await retrying(() =>
        db.query<{ deleted: number }>(
          `WITH del AS (
             DELETE FROM analytics_events WHERE user_id = $1
             RETURNING event_name, mode, properties, phi_redacted,
                       (created_at AT TIME ZONE 'UTC')::date AS day
           ),
           daily AS (
             UPDATE analytics_daily a SET events = a.events - x.n, redacted = a.redacted - x.r
               FROM (SELECT day, event_name, mode, count(*) AS n,
                            count(*) FILTER (WHERE phi_redacted) AS r
                       FROM del GROUP BY 1, 2, 3) AS x
              WHERE a.day = x.day AND a.event_name = x.event_name AND a.mode = x.mode
           ),
           timing AS (
             UPDATE analytics_daily_timing t SET samples = t.samples - x.n
               FROM (SELECT del.day, del.event_name, p.key AS property,
                            analytics_timing_bucket(p.value::float8) AS bucket, count(*) AS n
                       FROM del CROSS JOIN LATERAL jsonb_each(del.properties) AS p
                      WHERE p.key IN (${TIMING_SQL}) AND jsonb_typeof(p.value) = 'number'
                      GROUP BY 1, 2, 3, 4) AS x
              WHERE t.day = x.day AND t.event_name = x.event_name
                AND t.property = x.property AND t.bucket = x.bucket
           ),
           exposure AS (
             UPDATE analytics_daily_exposure e SET exposures = e.exposures - x.n
               FROM (SELECT day, properties ->> '${EXPOSURE_KEYS.experiment}' AS experiment_key,
                            properties ->> '${EXPOSURE_KEYS.variant}' AS variant, count(*) AS n
                       FROM del WHERE event_name = '${EXPOSURE_EVENT}' GROUP BY 1, 2, 3) AS x
              WHERE e.day = x.day AND e.experiment_key = x.experiment_key AND e.variant = x.variant
           ),
           users AS (DELETE FROM analytics_daily_users WHERE user_id = $1)
           SELECT count(*)::int8 AS deleted FROM del`,
          [userId],
        )
      );
      return rows[0]?.deleted ?? 0;
    },

    async userExists(userId) {
      return (await db.query("SELECT 1 FROM users WHERE id = $1", [userId])).length > 0;
    },

    async deleteOlderThan(cutoff, limit) {
      const rows = await db.query<{ deleted: number }>(
        `WITH doomed AS (
           SELECT id FROM analytics_events WHERE created_at < $1::timestamptz
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ),
         del AS (DELETE FROM analytics_events e USING doomed WHERE e.id = doomed.id RETURNING 1)
         SELECT count(*)::int8 AS deleted FROM del`,
        [cutoff, limit],
      );
      return rows[0]?.deleted ?? 0;
    },

    async pruneRollups(cutoffDay) {
      await db.query(
        "DELETE FROM analytics_daily WHERE day < $1::date OR events <= 0",
        [cutoffDay],
      );
      await db.query("DELETE FROM analytics_daily_users WHERE day < $1::date", [cutoffDay]);
      await db.query(
        "DELETE FROM analytics_daily_timing WHERE day < $1::date OR samples <= 0",
        [cutoffDay],
      );
      await db.query(
        "DELETE FROM analytics_daily_exposure WHERE day < $1::date OR exposures <= 0",
        [cutoffDay],
      );
    },
  };
}
