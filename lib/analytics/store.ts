/**
 * Analytics storage. One statement per batch inserts the events (a repeated
 * `event_id` is skipped) only while the user's analytics consent is in force,
 * maintains the daily roll-ups from exactly the rows inserted, and writes a
 * governance-log row for each redacted event, so the summary reads only
 * roll-ups and never scans `analytics_events`. Ingestion and erasure of one
 * user are serialised by a per-user advisory lock, so an erasure never misses
 * a batch written under a consent check that preceded the withdrawal. The audited
 * deletions (erasure, retention) run only in {@link AnalyticsStore.transaction}, so each
 * commits with its audit entry (written on the same transaction) or not at all.
 */
// consent.ts, not mod.ts: the consent store imports this file (USER_EVENTS_LOCK_CLASS).
import { CONSENT_POLICIES } from "../consent/consent.ts";
import type { Connection, Db, Queryable } from "../db/mod.ts";
import { sqlState } from "../db/mod.ts";
import type { PhiFinding } from "../phi/mod.ts";
import { EXPOSURE_EVENT, EXPOSURE_KEYS, TIMING_PROPERTIES } from "./allowlist.ts";
import { CLOCK_SKEW_MS, ERASE_AUDIT_ACTION } from "./erasure.ts";

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
  /** People first assigned to the variant (each person once, in the variant first shown). */
  exposures: number;
  /**
   * People moved (re-drawn) into the variant after theirs was switched off or removed, whose
   * exposure to the variant they left is stored (counted in its `exposures`), so not exposures
   * here. A re-drawn person with no stored exposure (assigned before consenting, or erased since)
   * is counted in `exposures` of the new variant instead.
   */
  movedIn: number;
}

/** Whose batch it is and what the request says about Global Privacy Control. */
export interface ConsentGate {
  /** Every row of the batch must belong to this user. */
  userId: string;
  /** `Sec-GPC: 1` on the request (false for server-originated events). */
  gpc: boolean;
  /**
   * Who says when the events happened: a client's batch (its `ts`, within the clock skew) or
   * the server recording its own (`createdAt`). Decides which events survive an erasure.
   */
  origin: "client" | "server";
  /**
   * The grant the batch's consent check saw (`granted_at`); when given, the batch is stored only
   * while that very grant is in force: not under a newer one recorded after a withdrawal that
   * came between the check and the insert (the batch belongs to the consent that ended).
   */
  grantedAt?: Date | null;
}

export interface InsertOutcome {
  /** False when analytics consent was not in force as the rows were written: none was stored. */
  consented: boolean;
  /** The event ids actually inserted (the others were duplicates, or refused without consent). */
  inserted: Set<string>;
  /**
   * The event ids not stored because they are not shown to have happened after the user's
   * latest analytics erasure (erasure.ts); they are not in `inserted`.
   */
  beforeErasure: Set<string>;
}

export interface AnalyticsStore {
  /**
   * Inserts a batch in the same statement that checks the user's analytics consent (the
   * newest row granted to the policy in force, and the GPC rule) and the erasure rule
   * (erasure.ts: after an erasure, only events shown to have happened after it), holding the
   * user's ingestion lock so an erasure waits for it.
   */
  insertBatch(
    rows: EventRow[],
    redactions: RedactionDetails[],
    gate: ConsentGate,
  ): Promise<InsertOutcome>;
  counts(range: DayRange, by: "event" | "day" | "mode"): Promise<CountRow[]>;
  distinctUsers(range: DayRange): Promise<number>;
  timings(range: DayRange): Promise<TimingRow[]>;
  exposures(range: DayRange): Promise<ExposureRow[]>;
  /**
   * Whether the user has a stored exposure to the experiment: an `experiment.assigned` event
   * counted in `exposures` (not a move). A re-draw is recorded as a move only then, else the
   * person would be counted in no variant's exposures (assigned before consenting, or erased).
   */
  hasExposure(userId: string, experimentKey: string): Promise<boolean>;
  /** Whether an account with this id exists. */
  userExists(userId: string): Promise<boolean>;
  /**
   * Deletes roll-up rows of days before `cutoffDay` and rows emptied by erasure (anonymous
   * daily counts, not audited; idempotent).
   */
  pruneRollups(cutoffDay: string): Promise<void>;
  /**
   * Runs `fn` in one transaction with the store's deletions on it: commits when `fn` resolves,
   * rolls back when it throws. Write the change's audit entry on `tx` inside `fn`. A deadlock
   * or serialization failure rolls the whole transaction back and runs `fn` again (at most
   * three times in all), so `fn` must touch nothing but the transaction. Nothing in `fn` may use
   * the pool (embedded PGlite has one connection, held by `fn`).
   */
  transaction<T>(fn: (store: AnalyticsTransaction) => Promise<T>): Promise<T>;
}

/** The store's deletions on one open transaction, and that transaction (for the audit entry). */
export interface AnalyticsTransaction {
  /** The transaction itself: pass it to `audit.record(entry, tx)`. */
  readonly tx: Connection;
  /** Whether an account with this id exists. */
  userExists(userId: string): Promise<boolean>;
  /**
   * Deletes a user's events and takes them out of the roll-ups; returns how many. First takes
   * the user's ingestion lock exclusively, held until the transaction ends: it waits for the
   * user's batches in flight, so events written under an earlier consent check go too, and a
   * batch waiting behind it sees the withdrawal (and this deletion's audit entry committed).
   */
  eraseUser(userId: string): Promise<number>;
  /** Deletes up to `limit` events created before `cutoff`; returns how many. */
  deleteOlderThan(cutoff: Date, limit: number): Promise<number>;
  /**
   * Deletes the governance-log rows of redacted events (`analytics.phi_redacted`) written
   * before `cutoff`: they name the user and the event, so they leave with the events' retention.
   * Returns how many.
   */
  deleteRedactionRecordsOlderThan(cutoff: Date): Promise<number>;
}

const COLUMNS = 12;
const TIMING_SQL = TIMING_PROPERTIES.map((p) => `'${p}'`).join(", ");

/**
 * Advisory lock class of a user's analytics (`pg_advisory_xact_lock(class, hashtext(user))`):
 * ingestion holds it shared, erasure exclusive.
 */
export const USER_EVENTS_LOCK_CLASS = 0x41_4e_41_4c; // "ANAL"

/**
 * The properties (`jsonb_each(properties) AS p`) that count in the timing roll-up; shared by
 * the insert and the erasure so they cannot drift.
 */
const TIMING_ROWS = `p.key IN (${TIMING_SQL}) AND jsonb_typeof(p.value) = 'number'`;

/** The events that count as experiment exposures; shared by the insert and the erasure. */
const EXPOSURE_ROWS = `event_name = '${EXPOSURE_EVENT}'
       AND jsonb_typeof(properties -> '${EXPOSURE_KEYS.experiment}') = 'string'
       AND jsonb_typeof(properties -> '${EXPOSURE_KEYS.variant}') = 'string'`;

/** The exposure roll-up key of an event: experiment key and variant (strings, see above). */
const EXPOSURE_KEY = `properties ->> '${EXPOSURE_KEYS.experiment}' AS experiment_key,
       properties ->> '${EXPOSURE_KEYS.variant}' AS variant`;

/**
 * A re-draw among the exposure events (it names the variant the subject left): counted in
 * `moved_in`, not `exposures`, so a moved subject is one exposure; shared by the insert and the
 * erasure.
 */
const REDRAWN = `COALESCE(jsonb_typeof(properties -> '${EXPOSURE_KEYS.reassignedFrom}') = 'string',
       FALSE)`;

/**
 * True when the user's analytics consent is in force, the SQL twin of `analyticsEffective`
 * (lib/consent/consent.ts): the newest analytics row is a grant to the policy version in
 * force and, once GPC was recorded, made at or after it; without a record, a request
 * carrying GPC has no consent. Parameters: user id, policy version, request GPC.
 */
export function consentInForceSql(user: string, version: string, gpc: string): string {
  return `EXISTS (
      SELECT 1
        FROM (SELECT state, policy_version, granted_at FROM user_consents
               WHERE user_id = ${user}::text AND consent_type = 'analytics'
               ORDER BY seq DESC LIMIT 1) AS c
        LEFT JOIN privacy_signals s ON s.user_id = ${user}::text AND s.signal = 'gpc'
       WHERE c.state = 'granted' AND c.granted_at IS NOT NULL
         AND c.policy_version = ${version}::text
         AND CASE WHEN s.first_seen_at IS NULL THEN NOT ${gpc}::boolean
                  ELSE c.granted_at >= s.first_seen_at END
    )`;
}

/**
 * The user's latest analytics erasure (null: never), from the erasure's audit entry: its
 * `erasedAt` (the app clock, as the events' times are), else the entry's `created_at`. The
 * audit log is append-only and kept, so the moment outlives the events and their ids.
 * Parameter: user id.
 */
export function latestErasureSql(user: string): string {
  return `(SELECT max(CASE
              WHEN a.after ->> 'erasedAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$'
              THEN (a.after ->> 'erasedAt')::timestamptz
              ELSE a.created_at END)
      FROM audit_log a
     WHERE a.target_type = 'user' AND a.target_id = ${user}::text
       AND a.action = '${ERASE_AUDIT_ACTION}')`;
}

/**
 * True when an event may be stored after the user's latest erasure `erasedAt` (a timestamptz,
 * null when never erased): the SQL twin of `occurredAfterErasure` (erasure.ts), kept equal by a
 * unit test. A client's event needs a ts at or after the erasure plus the clock skew (no ts:
 * refused); the server's own events are judged by their created_at, on the server clock.
 */
export function occurredAfterErasureSql(
  erasedAt: string,
  server: string,
  clientTs: string,
  createdAt: string,
): string {
  return `(${erasedAt} IS NULL OR COALESCE(CASE WHEN ${server}::boolean
             THEN ${createdAt} >= ${erasedAt}
             ELSE ${clientTs} >= ${erasedAt} + interval '${CLOCK_SKEW_MS} milliseconds' END, FALSE))`;
}

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

/**
 * The insert statement for `count` events and `redactions` governance rows. The last five
 * parameters are the gate (user id, policy version, request GPC, server origin, the grant the
 * check saw or null): without consent in force (that grant, when given) nothing is inserted, and after an erasure only events shown to have happened
 * after it are (erasure.ts). Answers one row `{kind: "consent", consented}`, one
 * `{kind: "inserted", event_id}` per inserted event and one `{kind: "before_erasure", event_id}`
 * per event refused by the erasure rule.
 */
export function insertStatement(count: number, redactions: number): string {
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = (n: number) => `$${i * COLUMNS + n}`;
    values.push(
      `(${p(1)}::uuid, ${p(2)}::text, ${p(3)}::text, ${p(4)}::text, ${p(5)}::text, ${p(6)}::text, ${
        p(7)
      }::jsonb, ${p(8)}::boolean, ` +
        `${p(9)}::text, ${p(10)}::text, ${p(11)}::timestamptz, ${p(12)}::timestamptz)`,
    );
  }
  const base = count * COLUMNS;
  const red: string[] = [];
  for (let j = 0; j < redactions; j++) {
    red.push(`($${base + j * 2 + 1}::uuid, $${base + j * 2 + 2}::jsonb)`);
  }
  const gate = base + redactions * 2;
  const governance = redactions === 0 ? "" : `,
  gov AS (
    INSERT INTO governance_log (event_type, actor_id, details, created_at)
    SELECT '${REDACTION_LOG_EVENT}', ins.user_id, red.details, ins.created_at
      FROM ins JOIN (VALUES ${red.join(", ")}) AS red (event_id, details)
        ON red.event_id = ins.event_id
  )`;
  return `WITH consent AS (
    SELECT ${consentInForceSql(`$${gate + 1}`, `$${gate + 2}`, `$${gate + 3}`)}
       AND ($${gate + 5}::timestamptz IS NULL OR $${gate + 5}::timestamptz = (
             SELECT granted_at FROM user_consents
              WHERE user_id = $${gate + 1}::text AND consent_type = 'analytics'
              ORDER BY seq DESC LIMIT 1)) AS ok
  ),
  erasure AS (SELECT ${latestErasureSql(`$${gate + 1}`)} AS at),
  v AS (
    SELECT * FROM (VALUES ${values.join(", ")})
        AS v (event_id, event_name, user_id, session_id, research_id, mode, properties,
              phi_redacted, ip_hash, user_agent, client_ts, created_at)
  ),
  fresh AS (
    SELECT v.* FROM v CROSS JOIN erasure e
     WHERE ${occurredAfterErasureSql("e.at", `$${gate + 4}`, "v.client_ts", "v.created_at")}
  ),
  ins AS (
    INSERT INTO analytics_events
      (event_id, event_name, user_id, session_id, research_id, mode, properties, phi_redacted,
       ip_hash, user_agent, client_ts, created_at)
    SELECT * FROM fresh
     WHERE (SELECT ok FROM consent)
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
     WHERE ${TIMING_ROWS}
     GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, event_name, property, bucket) DO UPDATE
      SET samples = t.samples + EXCLUDED.samples
  ),
  exposure AS (
    INSERT INTO analytics_daily_exposure AS x (day, experiment_key, variant, exposures, moved_in)
    SELECT day, ${EXPOSURE_KEY}, count(*) FILTER (WHERE NOT ${REDRAWN}),
           count(*) FILTER (WHERE ${REDRAWN})
      FROM ins
     WHERE ${EXPOSURE_ROWS}
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (day, experiment_key, variant) DO UPDATE
      SET exposures = x.exposures + EXCLUDED.exposures, moved_in = x.moved_in + EXCLUDED.moved_in
  )${governance}
  SELECT 'consent' AS kind, NULL::text AS event_id, ok AS consented FROM consent
  UNION ALL
  SELECT 'inserted', event_id::text, NULL FROM ins
  UNION ALL
  SELECT 'before_erasure', v.event_id::text, NULL FROM v
   WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = v.event_id)`;
}

/** The governance-log event type of a redacted event (written by the insert above). */
export const REDACTION_LOG_EVENT = "analytics.phi_redacted";

/**
 * The erasure statement: deletes a user's events ($1), takes them out of the roll-ups, and
 * deletes the governance-log rows of the user's redacted events, which name the user and the
 * event id (matched by either, so a row whose actor was nulled goes with its event too). The ids
 * are one array (`= ANY (ARRAY(…))`), not `IN (SELECT …)`: an OR with a sub-select can only be a
 * filter over the whole log, an OR of two indexable conditions reads the two partial indexes of
 * migration 0010.
 */
export const ERASE_STATEMENT = `WITH del AS (
    DELETE FROM analytics_events WHERE user_id = $1
    RETURNING event_id, event_name, mode, properties, phi_redacted,
              (created_at AT TIME ZONE 'UTC')::date AS day
  ),
  redactions AS (
    DELETE FROM governance_log
     WHERE event_type = '${REDACTION_LOG_EVENT}'
       AND (actor_id = $1
            OR details ->> 'eventId' = ANY (ARRAY(SELECT event_id::text FROM del WHERE phi_redacted)))
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
             WHERE ${TIMING_ROWS}
             GROUP BY 1, 2, 3, 4) AS x
     WHERE t.day = x.day AND t.event_name = x.event_name
       AND t.property = x.property AND t.bucket = x.bucket
  ),
  exposure AS (
    UPDATE analytics_daily_exposure e SET exposures = e.exposures - x.n, moved_in = e.moved_in - x.r
      FROM (SELECT day, ${EXPOSURE_KEY}, count(*) FILTER (WHERE NOT ${REDRAWN}) AS n,
                   count(*) FILTER (WHERE ${REDRAWN}) AS r
              FROM del WHERE ${EXPOSURE_ROWS} GROUP BY 1, 2, 3) AS x
     WHERE e.day = x.day AND e.experiment_key = x.experiment_key AND e.variant = x.variant
  ),
  users AS (DELETE FROM analytics_daily_users WHERE user_id = $1)
  SELECT count(*)::int8 AS deleted FROM del`;

/** Takes the user's ingestion/erasure lock for the rest of the transaction. */
async function lockUserEvents(tx: Connection, userId: string, exclusive: boolean) {
  const fn = exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared";
  await tx.query(`SELECT ${fn}($1::int, hashtext($2::text))`, [USER_EVENTS_LOCK_CLASS, userId]);
}

async function userExists(db: Queryable, userId: string): Promise<boolean> {
  return (await db.query("SELECT 1 FROM users WHERE id = $1", [userId])).length > 0;
}

/** The analytics store's deletions on `tx`. */
function deletionsOn(tx: Connection): AnalyticsTransaction {
  return {
    tx,
    userExists: (userId) => userExists(tx, userId),

    async eraseUser(userId) {
      // Exclusive, in its own statement: waits for the user's batches in flight; the DELETE, a
      // later statement, then sees their rows.
      await lockUserEvents(tx, userId, true);
      const rows = await tx.query<{ deleted: number }>(ERASE_STATEMENT, [userId]);
      return rows[0]?.deleted ?? 0;
    },

    async deleteOlderThan(cutoff, limit) {
      const rows = await tx.query<{ deleted: number }>(
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

    async deleteRedactionRecordsOlderThan(cutoff) {
      const rows = await tx.query<{ deleted: number }>(
        `WITH del AS (
           DELETE FROM governance_log
            WHERE event_type = '${REDACTION_LOG_EVENT}' AND created_at < $1::timestamptz
           RETURNING 1
         )
         SELECT count(*)::int8 AS deleted FROM del`,
        [cutoff],
      );
      return rows[0]?.deleted ?? 0;
    },
  };
}

/** The Postgres/PGlite analytics store. */
export function createAnalyticsStore(db: Db): AnalyticsStore {
  return {
    async insertBatch(rows, redactions, gate) {
      if (rows.length === 0) {
        return { consented: true, inserted: new Set(), beforeErasure: new Set() };
      }
      if (rows.some((row) => row.userId !== gate.userId)) {
        throw new Error("Every event of a batch must belong to the gated user");
      }
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
      params.push(
        gate.userId,
        CONSENT_POLICIES.analytics.version,
        gate.gpc,
        gate.origin === "server",
        gate.grantedAt ?? null,
      );
      const sql = insertStatement(rows.length, redactions.length);
      // The lock is taken in its own statement, so the insert's snapshot (and its consent
      // check) is taken after any erasure that held it has committed.
      const result = await retrying(() =>
        db.transaction(async (tx) => {
          await lockUserEvents(tx, gate.userId, false);
          return await tx.query<{
            kind: "consent" | "inserted" | "before_erasure";
            event_id: string | null;
            consented: boolean | null;
          }>(sql, params);
        })
      );
      const inserted = new Set<string>();
      const beforeErasure = new Set<string>();
      let consented = false;
      for (const row of result) {
        if (row.kind === "consent") consented = row.consented === true;
        else if (row.kind === "inserted") inserted.add(row.event_id!);
        else beforeErasure.add(row.event_id!);
      }
      return { consented, inserted, beforeErasure };
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
        `SELECT experiment_key AS "experimentKey", variant, sum(exposures)::int8 AS exposures,
                sum(moved_in)::int8 AS "movedIn"
           FROM analytics_daily_exposure WHERE day BETWEEN $1::date AND $2::date
          GROUP BY 1, 2 HAVING sum(exposures) > 0 OR sum(moved_in) > 0 ORDER BY 1, 2`,
        [range.from, range.to],
      );
    },

    async hasExposure(userId, experimentKey) {
      // The user's events by analytics_events_user_created_idx; the roll-up's own rule for an
      // exposure (EXPOSURE_ROWS, not REDRAWN), so the answer matches what the summary counts.
      const rows = await db.query(
        `SELECT 1 FROM analytics_events
          WHERE user_id = $1::text AND ${EXPOSURE_ROWS}
            AND properties ->> '${EXPOSURE_KEYS.experiment}' = $2::text AND NOT ${REDRAWN}
          LIMIT 1`,
        [userId, experimentKey],
      );
      return rows.length > 0;
    },

    userExists: (userId) => userExists(db, userId),

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
        `DELETE FROM analytics_daily_exposure
          WHERE day < $1::date OR (exposures <= 0 AND moved_in <= 0)`,
        [cutoffDay],
      );
    },

    transaction(fn) {
      return retrying(() => db.transaction((tx) => fn(deletionsOn(tx))));
    },
  };
}
