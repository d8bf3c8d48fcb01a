/**
 * The audit log: one `record()` used by every state change in the app.
 * Append-only (the table refuses UPDATE/DELETE); before/after values pass
 * the log redactor so secrets and personal values are never written.
 */
import type { Principal } from "../auth/principal.ts";
import type { Queryable } from "../db/mod.ts";
import { markAuditWriteFailure } from "../errors/mod.ts";
import { redactKeys } from "../log/mod.ts";

/**
 * The kinds of actor an entry names (`audit_log.actor_type`, checked by the table): an account,
 * an API token, the system (operator commands, chores, start-up; no actor id) or no one signed in
 * (failed sign-ins; no actor id).
 */
export const ACTOR_TYPES = ["user", "token", "system", "anonymous"] as const;

export type ActorType = (typeof ACTOR_TYPES)[number];

export interface AuditActor {
  type: ActorType;
  id?: string;
}

export interface AuditEntry {
  actor: AuditActor;
  /** Dotted verb, e.g. `auth.sign_in`, `governance.mode_change`, `flag.update`. */
  action: string;
  target?: { type: string; id?: string };
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export interface AuditRecord {
  id: number;
  actorId: string | null;
  actorType: ActorType;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: string;
}

export interface AuditLog {
  record(entry: AuditEntry, db?: Queryable): Promise<void>;
}

/** The actor for a request's principal (anonymous when none). */
export function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return { type: "anonymous" };
  return { type: principal.kind === "user" ? "user" : "token", id: principal.id };
}

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** Creates the audit log over a database; `scrub` is applied to before/after (PHI redaction). */
export function createAuditLog(
  deps: { db: Queryable; scrub?: (value: unknown) => unknown },
): AuditLog {
  const scrub = (value: unknown) => {
    if (value === undefined || value === null) return null;
    const redacted = redactKeys(value);
    return deps.scrub ? deps.scrub(redacted) : redacted;
  };
  return {
    async record(entry, db = deps.db) {
      if (!ACTION.test(entry.action)) throw new Error("Audit actions are dotted lower-case verbs");
      // A failed insert (a revoked grant, a full disk, a trigger) fails the change with it; it is
      // marked so that every action answers it alike (503 with Retry-After, lib/errors), while
      // the driver's error travels on for the classifications that come first (timeouts, lost
      // connections) and for logs.
      await db.query(
        `INSERT INTO audit_log (actor_id, actor_type, action, target_type, target_id, before, after, request_id)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)`,
        [
          entry.actor.id ?? null,
          entry.actor.type,
          entry.action,
          entry.target?.type ?? null,
          entry.target?.id ?? null,
          scrub(entry.before),
          scrub(entry.after),
          entry.requestId ?? null,
        ],
      ).catch((error) => {
        throw markAuditWriteFailure(error);
      });
    },
  };
}
