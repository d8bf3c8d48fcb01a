/**
 * Domain errors and their one mapping to RFC 9457 problem details.
 *
 * Domain code throws these with a stable `code` and a sentence-case message
 * that never contains user input; only {@link toProblem} knows HTTP statuses.
 */

/** Stable machine-readable error codes of the API. */
export type ErrorCode =
  | "VALIDATION_FAILED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "CONSENT_REQUIRED"
  | "MODE_STANDBY"
  | "MODE_PINNED"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "CSRF_FAILED"
  | "NETWORK_BLOCKED"
  | "SERVICE_UNAVAILABLE"
  | "DB_TIMEOUT"
  | "INTERNAL_ERROR";

/** One validation problem, by JSON path; never carries the offending value. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Base of every error the app raises on purpose. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { issues?: FieldIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message = "The request is invalid", issues: FieldIssue[] = []) {
    super("VALIDATION_FAILED", message, { issues });
  }
}
export class UnauthenticatedError extends AppError {
  constructor(message = "Sign-in required") {
    super("UNAUTHENTICATED", message);
  }
}
export class ForbiddenError extends AppError {
  constructor(message = "Your role does not allow this") {
    super("FORBIDDEN", message);
  }
}
export class NotFoundError extends AppError {
  constructor(message = "Not found") {
    super("NOT_FOUND", message);
  }
}
export class ConflictError extends AppError {
  constructor(message = "The resource changed since it was read") {
    super("CONFLICT", message);
  }
}
export class ConsentRequiredError extends AppError {
  constructor(message = "Analytics consent is required") {
    super("CONSENT_REQUIRED", message);
  }
}
export class ModeStandbyError extends AppError {
  constructor(
    message = "The platform is in STANDBY mode; writes are paused",
    retryAfterSeconds = 60,
  ) {
    super("MODE_STANDBY", message, { retryAfterSeconds });
  }
}
export class ModePinnedError extends AppError {
  constructor(message = "The mode is pinned by ROS_MODE and cannot be changed through the API") {
    super("MODE_PINNED", message);
  }
}
export class PayloadTooLargeError extends AppError {
  constructor(message = "The request body is too large") {
    super("PAYLOAD_TOO_LARGE", message);
  }
}
export class RateLimitedError extends AppError {
  constructor(message = "Too many requests", retryAfterSeconds = 60) {
    super("RATE_LIMITED", message, { retryAfterSeconds });
  }
}
export class CsrfError extends AppError {
  constructor(message = "The request failed the cross-site request check") {
    super("CSRF_FAILED", message);
  }
}
/** An outbound call refused by the guard without being attempted. */
export class NetworkBlockedError extends AppError {
  constructor(readonly provider: string, readonly reason: string) {
    super("NETWORK_BLOCKED", "Outbound network calls are blocked");
  }
}
export class ServiceUnavailableError extends AppError {
  constructor(message = "A dependency is unavailable", retryAfterSeconds = 5) {
    super("SERVICE_UNAVAILABLE", message, { retryAfterSeconds });
  }
}

/** The detail of every answer to an action whose audit entry could not be written. */
export const AUDIT_UNAVAILABLE_DETAIL =
  "The audit log cannot be written right now; try again shortly";

/**
 * The audit log could not be written (lib/audit): a dependency that is unavailable, so 503
 * SERVICE_UNAVAILABLE with Retry-After, for every action alike. A change audits in its own
 * transaction, so it was not made either (the tests in tests/*audit_atomic* say so).
 */
export class AuditUnavailableError extends ServiceUnavailableError {
  constructor() {
    super(AUDIT_UNAVAILABLE_DETAIL, 5);
  }
}

/** Driver errors raised by an audit insert (see {@link markAuditWriteFailure}). */
const auditWriteFailures = new WeakSet<object>();

/**
 * Marks `error` as raised by an audit insert and returns it. The error itself travels on (its
 * SQLSTATE still says timeout, lost connection or conflict to whoever classifies those first, and
 * callers that check it see the driver's error); where nothing else claimed it,
 * {@link toProblem} answers it as {@link AuditUnavailableError} instead of a 500.
 */
export function markAuditWriteFailure<T>(error: T): T {
  if (typeof error === "object" && error !== null && !(error instanceof AppError)) {
    auditWriteFailures.add(error);
  }
  return error;
}

/** Whether `error` came from an audit insert (marked by {@link markAuditWriteFailure}). */
export function isAuditWriteFailure(error: unknown): boolean {
  return typeof error === "object" && error !== null && auditWriteFailures.has(error);
}

/**
 * Why the database gave up on a statement: `query_canceled` (SQLSTATE 57014, the statement ran
 * past `statement_timeout` or was cancelled) or `lock_not_available` (55P03, a lock was not
 * granted within `lock_timeout`).
 */
export type DatabaseTimeoutReason = "query_canceled" | "lock_not_available";

/**
 * The database cancelled a statement instead of letting it wait (a lock held elsewhere, an
 * overloaded server). Carries the SQLSTATE and never the statement or its values.
 */
export class DatabaseTimeoutError extends AppError {
  constructor(
    readonly sqlState: "57014" | "55P03",
    readonly reason: DatabaseTimeoutReason,
    retryAfterSeconds = 5,
  ) {
    super("DB_TIMEOUT", "The database did not answer in time; try again shortly", {
      retryAfterSeconds,
    });
  }
}

/** The detail of every answer to a change the database refused as read-only. */
export const DATABASE_READ_ONLY_DETAIL =
  "The database is not accepting changes right now; try again shortly";

/**
 * The database refused a write because it is read-only (SQLSTATE 25006
 * read_only_sql_transaction): a replica, a server in recovery, or `default_transaction_read_only`
 * (a failover that left DATABASE_URL on a standby). A dependency that is unavailable, not a
 * server bug: 503 SERVICE_UNAVAILABLE with Retry-After. Readiness reports the same database
 * `failed: read only`. Carries the SQLSTATE and never the statement or its values.
 */
export class DatabaseReadOnlyError extends ServiceUnavailableError {
  readonly sqlState = "25006";
  constructor(retryAfterSeconds = 5) {
    super(DATABASE_READ_ONLY_DETAIL, retryAfterSeconds);
  }
}

/** The RFC 9457 body every API error uses. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  requestId?: string;
  errors?: FieldIssue[];
}

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  CONSENT_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  MODE_PINNED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  NETWORK_BLOCKED: 503,
  MODE_STANDBY: 503,
  SERVICE_UNAVAILABLE: 503,
  DB_TIMEOUT: 503,
};

const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: "Validation failed",
  UNAUTHENTICATED: "Unauthenticated",
  FORBIDDEN: "Forbidden",
  CSRF_FAILED: "Forbidden",
  CONSENT_REQUIRED: "Consent required",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  CONFLICT: "Conflict",
  MODE_PINNED: "Mode pinned",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  RATE_LIMITED: "Too many requests",
  INTERNAL_ERROR: "Internal error",
  NETWORK_BLOCKED: "Network blocked",
  MODE_STANDBY: "Standby",
  SERVICE_UNAVAILABLE: "Service unavailable",
  DB_TIMEOUT: "Database timeout",
};

/**
 * The error for a 4xx status raised by a library (Hono's body parsers, the OpenAPI
 * validator): its code and a message that names the rule, never the input.
 */
export function clientErrorForStatus(status: number): AppError {
  switch (status) {
    case 401:
      return new UnauthenticatedError();
    case 403:
      return new ForbiddenError();
    case 404:
      return new NotFoundError();
    case 405:
      return new AppError("METHOD_NOT_ALLOWED", "This method is not allowed here");
    case 413:
      return new PayloadTooLargeError();
    case 415:
      return new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json");
    default:
      return new ValidationError("The request could not be read");
  }
}

/** HTTP status for a code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Builds the problem body for a code, with an optional detail sentence. */
export function problemFor(
  code: ErrorCode,
  detail?: string,
  extra: Partial<Problem> = {},
): Problem {
  const problem: Problem = {
    type: `https://researchflow.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[code],
    status: STATUS[code],
    code,
    ...extra,
  };
  if (detail !== undefined) problem.detail = detail;
  return problem;
}

/**
 * Maps any thrown value to a problem. A failed audit insert is 503 (see
 * {@link AuditUnavailableError}); other unknown errors become a generic 500
 * whose detail never repeats the error's message (it may hold data).
 */
export function toProblem(error: unknown, requestId?: string): Problem {
  const extra: Partial<Problem> = requestId ? { requestId } : {};
  if (isAuditWriteFailure(error)) error = new AuditUnavailableError();
  if (error instanceof AppError) {
    if (error.details.issues?.length) extra.errors = error.details.issues;
    return problemFor(error.code, error.message, extra);
  }
  return problemFor(
    "INTERNAL_ERROR",
    "An unexpected error occurred; quote the request id to support",
    extra,
  );
}

/** Seconds a client should wait before retrying, when the error says so. */
export function retryAfterOf(error: unknown): number | undefined {
  if (isAuditWriteFailure(error)) return new AuditUnavailableError().details.retryAfterSeconds;
  return error instanceof AppError ? error.details.retryAfterSeconds : undefined;
}
