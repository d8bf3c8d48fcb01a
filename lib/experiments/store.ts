/**
 * Persisted experiment assignments (`experiment_assignments`): one row per
 * experiment and subject. A signed-in user is stored by user id alone (the
 * assignment follows the user across sessions); an anonymous visitor by
 * session id.
 */
import type { Clock } from "../clock.ts";
import type { Queryable } from "../db/mod.ts";

/** Who an assignment belongs to: a user id, or else a session id. */
export interface AssignmentSubject {
  userId?: string | undefined;
  sessionId?: string | undefined;
}

export interface AssignmentStore {
  /** The persisted variant of `subject`, if any. */
  find(experimentKey: string, subject: AssignmentSubject): Promise<string | null>;
  /**
   * A signed-in user's persisted variants among `experimentKeys` (experiment key → variant), in
   * one query: remote evaluation reads every experiment of a subject at once.
   */
  findForUser(experimentKeys: readonly string[], userId: string): Promise<Map<string, string>>;
  /** Persists an assignment; false when one already existed (nothing changed). */
  insert(experimentKey: string, subject: AssignmentSubject, variant: string): Promise<boolean>;
  /**
   * Moves a subject's assignment from `fromVariant` (a variant since removed) to `toVariant`;
   * false when the stored variant is no longer `fromVariant` (moved already, by another request
   * or instance).
   */
  reassign(
    experimentKey: string,
    subject: AssignmentSubject,
    fromVariant: string,
    toVariant: string,
  ): Promise<boolean>;
  /**
   * Assignment counts by experiment and variant (of `experimentKey` alone when given), read from
   * `experiment_assignment_counts`: triggers on `experiment_assignments` keep it in the
   * transaction of every change (migration 0014), so it equals a GROUP BY over the assignments
   * without reading them. Variants with no assignment are absent.
   */
  counts(experimentKey?: string): Promise<Map<string, Record<string, number>>>;
}

function columns(subject: AssignmentSubject): [string | null, string | null] {
  if (subject.userId) return [subject.userId, null];
  return [null, subject.sessionId ?? null];
}

/** Creates the store. */
export function createAssignmentStore(deps: { db: Queryable; clock: Clock }): AssignmentStore {
  const { db, clock } = deps;
  return {
    async find(experimentKey, subject) {
      const [userId, sessionId] = columns(subject);
      if (!userId && !sessionId) return null;
      const rows = await db.query<{ variant: string }>(
        `SELECT variant FROM experiment_assignments
         WHERE experiment_key = $1 AND COALESCE(user_id, '') = $2 AND COALESCE(session_id, '') = $3`,
        [experimentKey, userId ?? "", sessionId ?? ""],
      );
      return rows[0]?.variant ?? null;
    },

    async findForUser(experimentKeys, userId) {
      const out = new Map<string, string>();
      if (experimentKeys.length === 0 || !userId) return out;
      // The same predicate as find() for a user subject, so the unique subject index answers it.
      const rows = await db.query<{ experiment_key: string; variant: string }>(
        `SELECT experiment_key, variant FROM experiment_assignments
         WHERE experiment_key = ANY($1::text[]) AND COALESCE(user_id, '') = $2
           AND COALESCE(session_id, '') = ''`,
        [[...experimentKeys], userId],
      );
      for (const row of rows) out.set(row.experiment_key, row.variant);
      return out;
    },

    async insert(experimentKey, subject, variant) {
      const [userId, sessionId] = columns(subject);
      if (!userId && !sessionId) return false;
      const rows = await db.query(
        `INSERT INTO experiment_assignments (experiment_key, user_id, session_id, variant, assigned_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING
         RETURNING id`,
        [experimentKey, userId, sessionId, variant, new Date(clock.now())],
      );
      return rows.length > 0;
    },

    async reassign(experimentKey, subject, fromVariant, toVariant) {
      const [userId, sessionId] = columns(subject);
      if (!userId && !sessionId) return false;
      const rows = await db.query(
        `UPDATE experiment_assignments SET variant = $5, assigned_at = $6
         WHERE experiment_key = $1 AND COALESCE(user_id, '') = $2 AND COALESCE(session_id, '') = $3
           AND variant = $4
         RETURNING id`,
        [
          experimentKey,
          userId ?? "",
          sessionId ?? "",
          fromVariant,
          toVariant,
          new Date(clock.now()),
        ],
      );
      return rows.length > 0;
    },

    async counts(experimentKey) {
      const rows = experimentKey === undefined
        ? await db.query<{ experiment_key: string; variant: string; n: number | string }>(
          `SELECT experiment_key, variant, sum(n) AS n FROM experiment_assignment_counts
           GROUP BY experiment_key, variant HAVING sum(n) > 0`,
        )
        : await db.query<{ experiment_key: string; variant: string; n: number | string }>(
          `SELECT experiment_key, variant, sum(n) AS n FROM experiment_assignment_counts
           WHERE experiment_key = $1 GROUP BY experiment_key, variant HAVING sum(n) > 0`,
          [experimentKey],
        );
      const out = new Map<string, Record<string, number>>();
      for (const row of rows) {
        const entry = out.get(row.experiment_key) ?? {};
        entry[row.variant] = Number(row.n);
        out.set(row.experiment_key, entry);
      }
      return out;
    },
  };
}
