/**
 * The analytics roll-ups recomputed from the raw `analytics_events` rows, so a test can
 * assert that every roll-up (daily counts, day-users, timing buckets, exposures) still
 * equals what its events say, after inserts, erasures and retention.
 */
import assert from "node:assert/strict";
import type { Queryable } from "../../lib/db/mod.ts";

const DAY = "to_char(day, 'YYYY-MM-DD')";
const EVENT_DAY = "to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')";

/** Asserts each roll-up table holds exactly the aggregates of the raw events (no stray rows). */
export async function assertRollupsMatchEvents(db: Queryable): Promise<void> {
  const pairs: [string, string, string][] = [
    [
      "analytics_daily",
      `SELECT ${DAY} AS day, event_name, mode, events, redacted FROM analytics_daily
        WHERE events <> 0 OR redacted <> 0 ORDER BY 1, 2, 3`,
      `SELECT ${EVENT_DAY} AS day, event_name, mode, count(*)::int8 AS events,
              count(*) FILTER (WHERE phi_redacted)::int8 AS redacted
         FROM analytics_events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ],
    [
      "analytics_daily_users",
      `SELECT ${DAY} AS day, user_id FROM analytics_daily_users ORDER BY 1, 2`,
      `SELECT DISTINCT ${EVENT_DAY} AS day, user_id FROM analytics_events
        WHERE user_id IS NOT NULL ORDER BY 1, 2`,
    ],
    [
      "analytics_daily_timing",
      `SELECT ${DAY} AS day, event_name, property, bucket, samples FROM analytics_daily_timing
        WHERE samples <> 0 ORDER BY 1, 2, 3, 4`,
      `SELECT ${EVENT_DAY} AS day, event_name, p.key AS property,
              analytics_timing_bucket(p.value::float8) AS bucket, count(*)::int8 AS samples
         FROM analytics_events CROSS JOIN LATERAL jsonb_each(properties) AS p
        WHERE p.key IN ('duration_ms', 'latency_ms') AND jsonb_typeof(p.value) = 'number'
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    ],
    [
      "analytics_daily_exposure",
      `SELECT ${DAY} AS day, experiment_key, variant, exposures, moved_in
         FROM analytics_daily_exposure
        WHERE exposures <> 0 OR moved_in <> 0 ORDER BY 1, 2, 3`,
      // A re-draw (it names the variant left in reassigned_from) is a move, not an exposure.
      `SELECT ${EVENT_DAY} AS day, properties ->> 'experiment_key' AS experiment_key,
              properties ->> 'variant' AS variant,
              count(*) FILTER (WHERE jsonb_typeof(properties -> 'reassigned_from')
                                     IS DISTINCT FROM 'string')::int8 AS exposures,
              count(*) FILTER (WHERE jsonb_typeof(properties -> 'reassigned_from') = 'string')::int8
                AS moved_in
         FROM analytics_events
        WHERE event_name = 'experiment.assigned'
          AND jsonb_typeof(properties -> 'experiment_key') = 'string'
          AND jsonb_typeof(properties -> 'variant') = 'string'
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ],
  ];
  for (const [table, rollup, raw] of pairs) {
    assert.deepEqual(
      (await db.query(rollup)).map((row) => ({ ...row })),
      (await db.query(raw)).map((row) => ({ ...row })),
      `${table} equals the aggregates of analytics_events`,
    );
  }
}

/** Everything the analytics tables still hold about one user: events and day-user rows. */
export async function leftOfUser(
  db: Queryable,
  userId: string,
): Promise<{ events: number; dayUsers: number }> {
  const [row] = await db.query<{ events: number; day_users: number }>(
    `SELECT (SELECT count(*) FROM analytics_events WHERE user_id = $1)::int8 AS events,
            (SELECT count(*) FROM analytics_daily_users WHERE user_id = $1)::int8 AS day_users`,
    [userId],
  );
  return { events: row!.events, dayUsers: row!.day_users };
}
