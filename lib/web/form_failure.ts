/**
 * How a page's form action answers an error from a service, for every form page (flags,
 * experiments, administration): the page is rendered again with the form's input, this status
 * and this message. Server-side failures (a database timeout, STANDBY, an unavailable store)
 * answer with their own 5xx status and `Retry-After`; the form's content was not at fault.
 */
import type { Context } from "hono";
import { databaseReadOnlyOf, databaseTimeoutOf } from "../db/db.ts";
import { AppError, type ErrorCode, retryAfterOf, statusOf } from "../errors/mod.ts";
import { methodLabel, routeLabel } from "../http/middleware.ts";
import type { AppEnv } from "../http/types.ts";
import type { AppMetrics } from "../telemetry/mod.ts";

/** The answer of a form page to a failed action. */
export interface FormFailure {
  status: number;
  /** One sentence (or two) for the page; never the input or the driver's text. */
  message: string;
  /** `retry-after` for a failure worth retrying; empty otherwise. */
  headers: Record<string, string>;
  code: ErrorCode;
}

export interface FormFailureOptions {
  /**
   * `atomic`: the action stores in one transaction, so a failure stored nothing. `steps`: it
   * stores in several statements (a record, then its audit entry), so a failure late in the
   * action may follow a stored change.
   */
  writes: "atomic" | "steps";
  /** The message for CONFLICT (what changed and what to do); default: the error's own. */
  conflict?: string;
}

/** The message for a database timeout, by how the action writes. */
export const DB_BUSY_MESSAGES = {
  atomic: "The database is busy; nothing was saved. Try again in a moment.",
  steps:
    "The database is busy and did not finish the change; part of it may have been saved. Check the page before trying again.",
} as const;

/**
 * The page's answer to `error`, or undefined when it is not a domain error (the caller rethrows
 * it: a 500 with nothing from the error shown). A cancelled statement or lock wait is a
 * database timeout (503) whatever layer let it through.
 *
 * @example
 * formFailure(new DatabaseTimeoutError("55P03", "lock_not_available"), { writes: "atomic" });
 * // { status: 503, headers: { "retry-after": "5" }, code: "DB_TIMEOUT", message: "The database is busy; …" }
 */
export function formFailure(error: unknown, options: FormFailureOptions): FormFailure | undefined {
  const failure = databaseTimeoutOf(error) ?? databaseReadOnlyOf(error) ?? error;
  if (!(failure instanceof AppError) || failure.code === "INTERNAL_ERROR") return undefined;
  const code = failure.code;
  const own = `${failure.message}.`;
  const serverSide = statusOf(code) >= 500;
  if (serverSide) {
    const retryAfter = retryAfterOf(failure);
    return {
      status: statusOf(code),
      message: code === "DB_TIMEOUT" ? DB_BUSY_MESSAGES[options.writes] : own,
      headers: retryAfter ? { "retry-after": String(retryAfter) } : {},
      code,
    };
  }
  // The rest concern what the form asked for: the form is shown again to be corrected.
  if (code === "CONFLICT") {
    return { status: 409, message: options.conflict ?? own, headers: {}, code };
  }
  if (code === "NOT_FOUND") return { status: 404, message: own, headers: {}, code };
  return { status: 400, message: own, headers: {}, code };
}

/**
 * {@link formFailure} for a request: a database timeout is also counted in `db_timeouts_total`
 * and logged as the API logs it (`database timeout` with SQLSTATE, reason, route and method),
 * and a server-side failure is recorded as the request's problem code (so a STANDBY refusal is
 * logged and counted as one, not as a failed request).
 */
export function createFormFailures(
  deps: { metrics: Pick<AppMetrics, "dbTimeouts"> },
): (c: Context<AppEnv>, error: unknown, options: FormFailureOptions) => FormFailure | undefined {
  return function formFailureOf(c, error, options) {
    const failure = formFailure(error, options);
    if (!failure || failure.status < 500) return failure;
    c.set("problemCode", failure.code);
    const timeout = databaseTimeoutOf(error);
    if (timeout) {
      deps.metrics.dbTimeouts.inc({ reason: timeout.reason });
      c.get("logger")?.warn("database timeout", {
        sqlState: timeout.sqlState,
        reason: timeout.reason,
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    }
    const readOnly = databaseReadOnlyOf(error);
    if (readOnly) {
      c.get("logger")?.warn("database read only", {
        sqlState: readOnly.sqlState,
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    }
    return failure;
  };
}

/**
 * Runs a form's save. A domain error the form can show (`failureOf` answers it) becomes its
 * failure, with `aboutKey` when the service refused the key (`$.key`, e.g. a new key the PHI
 * scanner reads as an identifier), so the page can show it beside the key; any other error is
 * thrown on.
 *
 * @example
 * const failed = await attemptSave(() => flags.set(key, input, meta), (e) => failureOf(c, e, opts));
 * if (failed?.aboutKey) // show failed.failure beside the key field
 */
export async function attemptSave(
  action: () => Promise<unknown>,
  failureOf: (error: unknown) => FormFailure | undefined,
): Promise<{ failure: FormFailure; aboutKey: boolean } | undefined> {
  try {
    await action();
    return undefined;
  } catch (error) {
    const failure = failureOf(error);
    if (!failure) throw error;
    const aboutKey = error instanceof AppError &&
      (error.details.issues ?? []).some((issue) => issue.path === "$.key");
    return { failure, aboutKey };
  }
}

/**
 * The version a form shown again (refused, with the values the user typed) must carry: the one
 * it was posted with, which those values were based on. The stored version may be newer (someone
 * saved meanwhile, the very cause of a 409): putting it under the typed values would make the
 * next Save overwrite that change unseen. A form without a usable version falls back to `stored`.
 *
 * @example
 * versionBehindForm("3", 4); // 3: Save conflicts again until the page is reloaded
 * versionBehindForm(undefined, 4); // 4
 */
export function versionBehindForm(posted: string | undefined, stored: number): number {
  const text = (posted ?? "").trim();
  if (!/^[1-9][0-9]{0,15}$/.test(text)) return stored;
  const version = Number(text);
  return Number.isSafeInteger(version) ? version : stored;
}
