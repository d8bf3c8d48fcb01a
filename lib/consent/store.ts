/**
 * Consent storage: an append-only history in `user_consents` (the newest row
 * per user and type is the current state) and the first time a privacy signal
 * (GPC) was seen for a user, in `privacy_signals`. A history row is appended only in
 * {@link ConsentStore.transaction}, so it commits with its audit entry (written on the same
 * transaction) or not at all.
 */
import { USER_EVENTS_LOCK_CLASS } from "../analytics/store.ts";
import type { Connection, Db, Queryable } from "../db/mod.ts";
import type { ConsentMethod, ConsentState, ConsentType, LegalBasis } from "./consent.ts";

/** One row of a user's consent history. */
export interface ConsentRow {
  consentType: ConsentType;
  state: Exclude<ConsentState, "none">;
  purpose: string;
  legalBasis: LegalBasis;
  policyVersion: string;
  method: ConsentMethod;
  grantedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface AnalyticsRow {
  consent: ConsentRow | null;
  gpcFirstSeenAt: Date | null;
}

/** Current analytics states among active accounts (for the consent rate). */
export interface ConsentStats {
  activeUsers: number;
  granted: number;
  declined: number;
  revoked: number;
}

export interface ConsentStore {
  /** The newest row per consent type for a user. */
  current(userId: string): Promise<ConsentRow[]>;
  /** The newest analytics row and the GPC first-seen time, in one query. */
  analytics(userId: string): Promise<AnalyticsRow>;
  /** The user's history, newest first. */
  history(userId: string, limit: number): Promise<ConsentRow[]>;
  /** Records that GPC was seen (first time only); returns the first-seen time. */
  recordGpc(userId: string, at: Date): Promise<Date>;
  /** Counts per latest state; `granted` only where the grant is in force. */
  stats(currentPolicyVersion: string): Promise<ConsentStats>;
  /**
   * Runs `fn` in one transaction with the store's writes on it: commits when `fn` resolves,
   * rolls back when it throws. Write the change's audit entry on `tx` inside `fn`. Nothing in
   * `fn` may use the pool (embedded PGlite has one connection, held by `fn`).
   */
  transaction<T>(fn: (store: ConsentTransaction) => Promise<T>): Promise<T>;
}

/** The store's writes on one open transaction, and that transaction (for the audit entry). */
export interface ConsentTransaction {
  /** The transaction itself: pass it to `audit.record(entry, tx)`. */
  readonly tx: Connection;
  /**
   * Locks the user's consent of one type until the transaction ends, then reads its newest row
   * and the GPC first-seen time: a change decided from these is decided from what the previous
   * writer of the same user and type committed (concurrent grants or withdrawals queue here).
   */
  lockCurrent(userId: string, consentType: ConsentType): Promise<AnalyticsRow>;
  /**
   * Takes the user's analytics ingestion lock exclusively until the transaction ends, then
   * returns the newest `created_at` among the user's stored analytics events (null: none). It
   * waits for the user's batches in flight (they hold the lock shared while they write), and a
   * batch arriving later waits for this transaction and then sees what it wrote: a withdrawal
   * stamped after this call is not earlier than any event stored under the consent it ends.
   */
  lockEvents(userId: string): Promise<Date | null>;
  /** Appends a row to the history. */
  append(userId: string, row: ConsentRow): Promise<void>;
}

type RawRow = {
  consent_type: ConsentType;
  state: ConsentRow["state"];
  purpose: string;
  legal_basis: LegalBasis;
  policy_version: string;
  method: ConsentMethod;
  granted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
};

const COLUMNS =
  "consent_type, state, purpose, legal_basis, policy_version, method, granted_at, revoked_at, created_at";

function toRow(raw: RawRow): ConsentRow {
  return {
    consentType: raw.consent_type,
    state: raw.state,
    purpose: raw.purpose,
    legalBasis: raw.legal_basis,
    policyVersion: raw.policy_version,
    method: raw.method,
    grantedAt: raw.granted_at,
    revokedAt: raw.revoked_at,
    createdAt: raw.created_at,
  };
}

/**
 * Advisory lock class of a user's consent of one type
 * (`pg_advisory_xact_lock(class, hashtext(user || ':' || type))`).
 */
const CONSENT_LOCK_CLASS = 0x43_4f_4e_53; // "CONS"

/** The newest row of one consent type and the GPC first-seen time, on `db`. */
async function latestOf(db: Queryable, userId: string, consentType: ConsentType) {
  const rows = await db.query<Partial<RawRow> & { gpc_first_seen_at: Date | null }>(
    `SELECT c.*, s.first_seen_at AS gpc_first_seen_at
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (
         SELECT ${COLUMNS} FROM user_consents
          WHERE user_id = $1 AND consent_type = $2
          ORDER BY seq DESC LIMIT 1
       ) AS c ON TRUE
       LEFT JOIN privacy_signals s ON s.user_id = $1 AND s.signal = 'gpc'`,
    [userId, consentType],
  );
  const row = rows[0];
  return {
    consent: row?.state ? toRow(row as RawRow) : null,
    gpcFirstSeenAt: row?.gpc_first_seen_at ?? null,
  };
}

/** Appends a row to a user's consent history, on `db` (a transaction). */
async function appendRow(db: Queryable, userId: string, row: ConsentRow): Promise<void> {
  await db.query(
    `INSERT INTO user_consents
         (user_id, consent_type, state, purpose, legal_basis, policy_version, method,
          granted_at, revoked_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      userId,
      row.consentType,
      row.state,
      row.purpose,
      row.legalBasis,
      row.policyVersion,
      row.method,
      row.grantedAt,
      row.revokedAt,
      row.createdAt,
    ],
  );
}

/** The Postgres/PGlite consent store. */
export function createConsentStore(db: Db): ConsentStore {
  return {
    async current(userId) {
      const rows = await db.query<RawRow>(
        `SELECT DISTINCT ON (consent_type) ${COLUMNS}
           FROM user_consents WHERE user_id = $1
          ORDER BY consent_type, seq DESC`,
        [userId],
      );
      return rows.map(toRow);
    },

    analytics(userId) {
      return latestOf(db, userId, "analytics");
    },

    async history(userId, limit) {
      const rows = await db.query<RawRow>(
        `SELECT ${COLUMNS} FROM user_consents WHERE user_id = $1 ORDER BY seq DESC LIMIT $2`,
        [userId, limit],
      );
      return rows.map(toRow);
    },

    async recordGpc(userId, at) {
      const rows = await db.query<{ first_seen_at: Date }>(
        // DO UPDATE (a no-op) rather than DO NOTHING: it waits for a concurrent first insert
        // and returns the stored time, which a separate SELECT in this statement cannot see.
        `INSERT INTO privacy_signals (user_id, signal, first_seen_at) VALUES ($1, 'gpc', $2)
         ON CONFLICT (user_id, signal) DO UPDATE SET first_seen_at = privacy_signals.first_seen_at
         RETURNING first_seen_at`,
        [userId, at],
      );
      return rows[0]?.first_seen_at ?? at;
    },

    async stats(currentPolicyVersion) {
      const rows = await db.query<{
        active_users: number;
        granted: number;
        declined: number;
        revoked: number;
      }>(
        // "granted" counts grants in force: to the current text, and not overridden by a
        // Global Privacy Control signal seen after them (as analyticsEffective() decides).
        `SELECT count(*)::int8 AS active_users,
                count(*) FILTER (
                  WHERE c.state = 'granted' AND c.policy_version = $1
                    AND (g.first_seen_at IS NULL OR c.granted_at >= g.first_seen_at)
                )::int8 AS granted,
                count(*) FILTER (WHERE c.state = 'declined')::int8 AS declined,
                count(*) FILTER (WHERE c.state = 'revoked')::int8 AS revoked
           FROM users u
           LEFT JOIN LATERAL (
             SELECT state, policy_version, granted_at FROM user_consents
              WHERE user_id = u.id AND consent_type = 'analytics'
              ORDER BY seq DESC LIMIT 1
           ) AS c ON TRUE
           LEFT JOIN privacy_signals g ON g.user_id = u.id AND g.signal = 'gpc'
          WHERE u.active`,
        [currentPolicyVersion],
      );
      const row = rows[0];
      return {
        activeUsers: row?.active_users ?? 0,
        granted: row?.granted ?? 0,
        declined: row?.declined ?? 0,
        revoked: row?.revoked ?? 0,
      };
    },

    transaction(fn) {
      return db.transaction((tx) =>
        fn({
          tx,
          append: (userId, row) => appendRow(tx, userId, row),
          async lockCurrent(userId, consentType) {
            await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))", [
              CONSENT_LOCK_CLASS,
              `${userId}:${consentType}`,
            ]);
            return await latestOf(tx, userId, consentType);
          },
          async lockEvents(userId) {
            // Exclusive, in its own statement: the read below, a later statement, then sees
            // the rows of the batches it waited for (analytics_events_user_created_idx).
            await tx.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))", [
              USER_EVENTS_LOCK_CLASS,
              userId,
            ]);
            const rows = await tx.query<{ newest: Date | null }>(
              "SELECT max(created_at) AS newest FROM analytics_events WHERE user_id = $1::text",
              [userId],
            );
            return rows[0]?.newest ?? null;
          },
        })
      );
    },
  };
}
