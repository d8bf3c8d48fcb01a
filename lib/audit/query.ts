/** Reading the audit log: filters and cursor pagination (newest first). */
import type { Queryable } from "../db/mod.ts";
import { ValidationError } from "../errors/mod.ts";
import type { ActorType, AuditRecord } from "./audit.ts";

export interface AuditFilter {
  /** The stored actor id (an account's or a token's). */
  actor?: string;
  /** The kind of actor: `system` and `anonymous` entries have no actor id to filter by. */
  actorType?: ActorType;
  /** Exact action, or a prefix ending in "." (e.g. `auth.`). */
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit?: number;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export function encodeCursor(id: number): string {
  return btoa(`audit:${id}`).replace(/=+$/, "");
}

/** The record id a cursor of ours stands for; undefined for anything else (cut short, edited). */
function cursorId(cursor: string): number | undefined {
  try {
    const match = /^audit:(\d{1,18})$/.exec(atob(cursor));
    if (match) return Number(match[1]);
  } catch { /* not base64: not ours */ }
  return undefined;
}

/**
 * Whether `cursor` is one {@link encodeCursor} could have handed out. The page checks it before
 * reading so that a link that was cut short or edited is an error (400), never an empty search.
 */
export function isAuditCursor(cursor: string): boolean {
  return cursorId(cursor) !== undefined;
}

export function decodeCursor(cursor: string): number {
  const id = cursorId(cursor);
  if (id !== undefined) return id;
  throw new ValidationError("The cursor is not valid", [{
    path: "$.cursor",
    message: "Invalid cursor",
  }]);
}

interface Row {
  id: number;
  actor_id: string | null;
  actor_type: ActorType;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: Date;
}

/**
 * How many entries of a time window ({@link windowSpan}) are read through `audit_log_created_idx`
 * before the window counts as wide. Each probe reads at most this many index entries.
 */
export const WINDOW_PROBE_ROWS = 10_000;

/** Largest `bigint`: "no upper bound" for an id. */
const MAX_ID = "9223372036854775807";

/**
 * The least and greatest id of the entries in the time window, as one row `lo, hi` (both NULL
 * when the window is empty), for a query that adds `id BETWEEN lo AND hi` and keeps paging by id.
 *
 * The page is ordered by id, but `from`/`to` filter on `created_at`. Walking the primary key
 * backward and filtering on `created_at` reads every newer entry before the window (a window two
 * years back read the whole log). `created_at` is not monotonic in id (it is the inserting
 * transaction's start time: a long transaction writes a late id with an early time), so the span
 * is the exact minimum and maximum over the window, never guessed from its first or last entries:
 * `id BETWEEN lo AND hi` removes no entry of the window, whatever the order of the two columns.
 *
 * - Narrow window (at most {@link WINDOW_PROBE_ROWS} entries): read whole from
 *   `audit_log_created_idx` (index only; `ORDER BY created_at` makes that index the cheap way),
 *   exact span.
 * - Wide window without `to`, or whose newer side (`created_at >= to`) holds at most
 *   {@link WINDOW_PROBE_ROWS} entries: no bound. The primary-key walk reaches the window after
 *   about that many entries, as before.
 * - Wide window with a large newer side (e.g. two years ending one year ago): the exact span over
 *   the whole window from `audit_log_created_idx` (index entries only, no table rows), so the walk
 *   starts at the window's newest id instead of the newest entry of the log.
 *
 * Subqueries in a CASE branch that is not taken are never run. `timeSql` is the window's
 * condition on `created_at` (parameters already bound), `toParam` the `to` placeholder or null.
 */
function windowSpan(timeSql: string, toParam: string | null): string {
  const k = WINDOW_PROBE_ROWS;
  const newerIsSmall = toParam === null ? "TRUE" : `(SELECT count(*) FROM (
          SELECT 1 FROM audit_log WHERE created_at >= ${toParam} ORDER BY created_at LIMIT ${k + 1}
        ) newer) <= ${k}`;
  // OFFSET 0 keeps each subquery as written: not flattened (the CASE, with its subqueries, would
  // be copied into lo and hi and run twice), and min/max not turned into a primary-key walk.
  return `SELECT b[1] AS lo, b[2] AS hi FROM (
      SELECT CASE WHEN p.n <= ${k} THEN ARRAY[p.lo, p.hi]
        WHEN ${newerIsSmall} THEN ARRAY[0, ${MAX_ID}]::bigint[]
        ELSE (SELECT ARRAY[min(id), max(id)] FROM (
          SELECT id FROM audit_log WHERE ${timeSql} ORDER BY created_at OFFSET 0
        ) whole) END AS b
      FROM (SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM (
        SELECT id FROM audit_log WHERE ${timeSql} ORDER BY created_at LIMIT ${k + 1}
      ) w) p OFFSET 0
    ) s`;
}

/**
 * The upper end of the byte range of strings that start with `prefix` (which ends in "."): the
 * same text with the final "." (0x2E) replaced by "/" (0x2F).
 */
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}/`;
}

/**
 * One page of audit records matching `filter`, newest (highest id) first; `cursor` continues
 * below the last id of the previous page. One statement, so one snapshot.
 */
export async function queryAudit(db: Queryable, filter: AuditFilter): Promise<AuditPage> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const add = (clause: string, value: unknown) => where.push(clause.replace("?", param(value)));
  if (filter.actor) add("actor_id = ?", filter.actor);
  if (filter.actorType) add("actor_type = ?", filter.actorType);
  if (filter.action?.endsWith(".")) {
    // A byte-wise range (text_pattern_ops operators) served by audit_log_action_prefix_idx under
    // any database collation. starts_with() found no index (audit_log_action_idx sorts in the
    // database's collation) and read the whole log.
    add("action ~>=~ ?", filter.action);
    add("action ~<~ ?", prefixEnd(filter.action));
  } else if (filter.action) add("action = ?", filter.action);
  if (filter.targetType) add("target_type = ?", filter.targetType);
  if (filter.targetId) add("target_id = ?", filter.targetId);
  let span = "";
  if (filter.from || filter.to) {
    const time: string[] = [];
    if (filter.from) time.push(`created_at >= ${param(filter.from)}`);
    const toParam = filter.to ? param(filter.to) : null;
    if (toParam) time.push(`created_at < ${toParam}`);
    const timeSql = time.join(" AND ");
    where.push(timeSql);
    span = `WITH span AS MATERIALIZED (${windowSpan(timeSql, toParam)})\n`;
    where.push("id >= (SELECT lo FROM span)", "id <= (SELECT hi FROM span)");
  }
  if (filter.cursor) add("id < ?", decodeCursor(filter.cursor));
  const limitParam = param(limit + 1);
  const rows = await db.query<Row>(
    `${span}SELECT id, actor_id, actor_type, action, target_type, target_id, before, after, request_id, created_at
     FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id DESC LIMIT ${limitParam}`,
    params,
  );
  const page = rows.slice(0, limit);
  return {
    records: page.map((r) => ({
      id: r.id,
      actorId: r.actor_id,
      actorType: r.actor_type,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      before: r.before,
      after: r.after,
      requestId: r.request_id,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}
