/** Reading the audit log: filters and cursor pagination (newest first). */
import type { Queryable } from "../db/mod.ts";
import { ValidationError } from "../errors/mod.ts";
import type { ActorType, AuditRecord } from "./audit.ts";

export interface AuditFilter {
  actor?: string;
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

/** One page of audit records matching `filter`. */
export async function queryAudit(db: Queryable, filter: AuditFilter): Promise<AuditPage> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (filter.actor) add("actor_id = ?", filter.actor);
  if (filter.action?.endsWith(".")) add("starts_with(action, ?)", filter.action);
  else if (filter.action) add("action = ?", filter.action);
  if (filter.targetType) add("target_type = ?", filter.targetType);
  if (filter.targetId) add("target_id = ?", filter.targetId);
  if (filter.from) add("created_at >= ?", filter.from);
  if (filter.to) add("created_at < ?", filter.to);
  if (filter.cursor) add("id < ?", decodeCursor(filter.cursor));
  params.push(limit + 1);
  const rows = await db.query<Row>(
    `SELECT id, actor_id, actor_type, action, target_type, target_id, before, after, request_id, created_at
     FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id DESC LIMIT $${params.length}`,
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
