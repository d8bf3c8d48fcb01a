/**
 * The rules shared by the session and API token lookups (lib/auth/sessions.ts,
 * lib/auth/api_tokens.ts) while the database cannot answer.
 */
import { ServiceUnavailableError } from "../errors/mod.ts";

/**
 * How long a verified credential is trusted when the database cannot be asked (never past its own
 * end: a session's absolute end, or its idle end as the instance knows it; see
 * lib/auth/verified_cache.ts).
 */
export const STALE_IF_ERROR_MS = 10 * 60_000;

/**
 * How long an API token's or session's lookup may take, while the database is known to be
 * failing, before one verified recently is answered from memory (OFREP clients poll, pages poll
 * and navigate; a database that stopped answering must not hold them for seconds or, on a
 * stalled connection, for good). A token not in memory still waits for the database; a session
 * not in memory is refused as not checkable (503), see authenticateSession.
 */
export const LOOKUP_WAIT_MS = 500;

/** Raised when a credential cannot be checked because the database is unreachable. */
export class AuthUnavailableError extends ServiceUnavailableError {
  constructor() {
    super("Sign-in cannot be checked right now; try again shortly", 5);
  }
}

/**
 * Raised (as {@link AuthUnavailableError}: 503) for a session memory verified but no longer
 * vouches for because it is idle as far as this instance knows, while the database cannot say.
 * It may not be over (another instance may have seen it used), so the caller is not signed out;
 * but an open event stream on it ends (`credentialLapsed`, read by lib/realtime/stream.ts).
 */
export class CredentialLapsedError extends AuthUnavailableError {
  readonly credentialLapsed = true;
}
