export {
  ACTOR_TYPES,
  actorOf,
  type ActorType,
  type AuditActor,
  type AuditEntry,
  type AuditLog,
  type AuditRecord,
  createAuditLog,
} from "./audit.ts";
export {
  type AuditFilter,
  type AuditPage,
  decodeCursor,
  encodeCursor,
  isAuditCursor,
  queryAudit,
} from "./query.ts";
