/** Database I/O of the governance mode: `governance_config['mode']` and `governance_log`. */
import type { Mode } from "../config.ts";
import { type Queryable, READ_ONLY_SQL } from "../db/mod.ts";
import { DatabaseReadOnlyError } from "../errors/mod.ts";
import { parseStoredMode } from "./mode.ts";

/** One row of the governance log, as shown on the console. */
export interface GovernanceLogEntry {
  id: number;
  eventType: string;
  /** The acting user's display name, or the kind of actor when not a user. */
  actor: string;
  details: Record<string, unknown>;
  createdAt: string;
}

/**
 * Reads `governance_config['mode']`; undefined when there is no row, throws when it is invalid.
 * Throws {@link DatabaseReadOnlyError} when the database takes no writes (a failover left
 * DATABASE_URL on a standby, whose copy may be stale): like a failed read, the running instance
 * then fails closed to STANDBY until the database is writable again.
 */
export async function readStoredMode(db: Queryable): Promise<Mode | undefined> {
  const [row] = await db.query<{ value: unknown; present: boolean; read_only: boolean }>(
    `SELECT m.value, m.value IS NOT NULL AS present, ${READ_ONLY_SQL} AS read_only
     FROM (SELECT 1) AS one
     LEFT JOIN (SELECT value FROM governance_config WHERE key = 'mode') AS m ON true`,
  );
  if (row?.read_only) throw new DatabaseReadOnlyError();
  return row?.present ? parseStoredMode(row.value) : undefined;
}

/** Advisory lock class of the stored mode (`pg_advisory_xact_lock(class, 0)`). */
const MODE_LOCK_CLASS = 0x4d_4f_44_45; // "MODE"

/**
 * Serializes mode changes across instances until the transaction ends: a change reads the mode
 * it replaces only after the one before it has committed, so the audit rows, the governance log
 * and the events chain (and an identical concurrent request finds nothing to change). An advisory
 * lock rather than `FOR UPDATE`: there may be no row yet (the configured default), and a missing
 * row cannot be locked. Two-int form with a class of our own, apart from the one-int locks
 * (migrations) and the other classes (flag keys, analytics users). Only meaningful inside a
 * transaction.
 */
export async function lockStoredMode(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1::int, 0)", [MODE_LOCK_CLASS]);
}

/** Stores the mode (upsert), recording which user changed it (null for a token or the system). */
export async function writeStoredMode(
  db: Queryable,
  mode: Mode,
  userId: string | null,
): Promise<void> {
  await db.query(
    `INSERT INTO governance_config (key, value, updated_by, updated_at)
     VALUES ('mode', $1::jsonb, $2, now())
     ON CONFLICT (key) DO UPDATE
       SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [{ mode }, userId],
  );
}

/** Appends a governance log row. `details` holds enums and identifiers only. */
export async function appendGovernanceLog(
  db: Queryable,
  entry: { eventType: string; userId: string | null; details: Record<string, unknown> },
): Promise<void> {
  await db.query(
    "INSERT INTO governance_log (event_type, actor_id, details) VALUES ($1, $2, $3::jsonb)",
    [entry.eventType, entry.userId, entry.details],
  );
}

/** The newest governance log rows, newest first. */
export async function listGovernanceLog(
  db: Queryable,
  limit: number,
): Promise<GovernanceLogEntry[]> {
  const rows = await db.query<{
    id: number;
    event_type: string;
    display_name: string | null;
    details: Record<string, unknown> | null;
    created_at: Date;
  }>(
    `SELECT g.id, g.event_type, u.display_name, g.details, g.created_at
       FROM governance_log g LEFT JOIN users u ON u.id = g.actor_id
      ORDER BY g.created_at DESC, g.id DESC
      LIMIT $1`,
    [limit],
  );
  return rows.map((row) => {
    const details = row.details ?? {};
    const actorType = typeof details.actorType === "string" ? details.actorType : "system";
    return {
      id: Number(row.id),
      eventType: row.event_type,
      actor: row.display_name || actorType,
      details,
      createdAt: new Date(row.created_at).toISOString(),
    };
  });
}
