/**
 * Readies a database restored from a backup before any instance serves from it
 * (`deno task restore-prepare`, docs/operations/BACKUPS_AND_RESTORE.md).
 *
 * A backup brings back its own moment: sessions signed out since, a governance mode that may
 * be LIVE, access that was ended later. So, in one transaction with its audit entry:
 * - every session ends (users sign in again; an ended session must not come back);
 * - the stored governance mode becomes STANDBY (writes and ingestion wait until someone has
 *   checked the restored state and sets LIVE deliberately), with a governance log entry;
 * - one `system.restore_prepared` entry marks in the audit log where the backup's history
 *   ends, so entries after it are known to be written after the restore. Run again on a copy
 *   already prepared (its newest entry is such a marker: a first run whose Redis step failed,
 *   say), it keeps the first marker's boundary: the newest id is then the first marker's own,
 *   and reporting it would make the operator's export of the old database (`id > N`) drop a
 *   change made there after the backup;
 * - the database gets a new deployment id (lib/realtime/deployment.ts): a copy of production's
 *   backup restored for staging must not pass for production on a shared event stream.
 */
import type { AuditLog } from "./audit/mod.ts";
import type { Mode } from "./config.ts";
import type { Db, Queryable } from "./db/mod.ts";
import { appendGovernanceLog, readStoredMode, writeStoredMode } from "./governance/store.ts";
import { renewDeploymentId } from "./realtime/deployment.ts";

export interface RestorePreparation {
  /** The newest audit entry the backup holds (null: none): later ones were written after it. */
  lastAuditIdInBackup: number | null;
  sessionsEnded: number;
  /** The mode stored before this run (null when none was stored: the configured default applied). */
  previousMode: Mode | null;
  /**
   * The id of the first `system.restore_prepared` marker when this copy had been prepared
   * already (its boundary is the one kept); null on a first run.
   */
  preparedBefore: number | null;
}

/** The boundary an earlier run recorded, when the audit log's newest entry is its marker. */
async function earlierPreparation(
  db: Queryable,
): Promise<{ lastAuditIdInBackup: number | null; markerId: number } | undefined> {
  const [newest] = await db.query<{ id: string | number; action: string; after: unknown }>(
    "SELECT id, action, after FROM audit_log ORDER BY id DESC LIMIT 1",
  );
  if (newest?.action !== "system.restore_prepared") return undefined;
  const after = (newest.after ?? {}) as Record<string, unknown>;
  const boundary = after.lastAuditIdInBackup;
  if (boundary !== null && typeof boundary !== "number") return undefined;
  // A marker of a re-run points at the first one; a first run's marker is the first.
  const first = typeof after.preparedBefore === "number" ? after.preparedBefore : Number(newest.id);
  return { lastAuditIdInBackup: boundary, markerId: first };
}

/** Whether the database holds this application's tables (a restored copy does; an empty one not). */
export async function holdsApplicationData(db: Db): Promise<boolean> {
  const [row] = await db.query<{ found: string | null }>(
    "SELECT to_regclass('audit_log')::text AS found",
  );
  return row?.found !== null && row?.found !== undefined;
}

/** A backup label an operator may give: a file name or a timestamp, never free text. */
export const BACKUP_LABEL = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}$/;

export async function prepareRestoredDatabase(
  db: Db,
  audit: AuditLog,
  options: { backupLabel?: string } = {},
): Promise<RestorePreparation> {
  if (options.backupLabel !== undefined && !BACKUP_LABEL.test(options.backupLabel)) {
    throw new RangeError("The backup label must be a file name or a timestamp");
  }
  return await db.transaction(async (tx) => {
    const earlier = await earlierPreparation(tx);
    const [newest] = await tx.query<{ id: string | number | null }>(
      "SELECT max(id) AS id FROM audit_log",
    );
    const lastAuditIdInBackup = earlier
      ? earlier.lastAuditIdInBackup
      : newest?.id === null || newest?.id === undefined
      ? null
      : Number(newest.id);
    const preparedBefore = earlier?.markerId ?? null;
    const [ended] = await tx.query<{ n: string | number }>(
      "WITH ended AS (DELETE FROM sessions RETURNING 1) SELECT count(*) AS n FROM ended",
    );
    const sessionsEnded = Number(ended?.n ?? 0);
    const previousMode = (await readStoredMode(tx)) ?? null;
    if (previousMode !== "STANDBY") {
      await writeStoredMode(tx, "STANDBY", null);
      await appendGovernanceLog(tx, {
        eventType: "mode_change",
        userId: null,
        details: { from: previousMode, to: "STANDBY", actorType: "system", reason: "restore" },
      });
    }
    // Renewed again on a re-run: no instance has started on the copy yet, so no one holds it.
    await renewDeploymentId(tx);
    const preparation = { lastAuditIdInBackup, sessionsEnded, previousMode, preparedBefore };
    await audit.record({
      actor: { type: "system" },
      action: "system.restore_prepared",
      target: { type: "database" },
      before: { mode: previousMode },
      after: {
        lastAuditIdInBackup,
        sessionsEnded,
        previousMode,
        // Only on a re-run, so a first run's marker keeps its shape.
        ...(preparedBefore !== null ? { preparedBefore } : {}),
        mode: "STANDBY",
        // Under an id key: the audit log's PHI scrub leaves identifiers whole, and a dump's
        // name holds its date (already checked to be a file name or timestamp).
        ...(options.backupLabel !== undefined ? { backupId: options.backupLabel } : {}),
      },
    }, tx);
    return preparation;
  });
}
