/**
 * Authentication, CSRF protection, client rate limiting and IP allow/deny
 * lists, as named middleware factories.
 */
import { BACKGROUND_REQUEST_HEADER, isBackgroundRequest } from "../http/background.ts";
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ipRestriction } from "hono/ip-restriction";
import type { Clock } from "../clock.ts";
import { RateLimitedError } from "../errors/mod.ts";
import { formValue, readForm } from "../http/form.ts";
import { problem, wantsApi } from "../http/problem.ts";
import type { WindowCounter } from "../http/rate_window.ts";
import type { AppEnv } from "../http/types.ts";
import { type AuthService, AuthUnavailableError } from "./service.ts";
import { safeEqual } from "./tokens.ts";

/** The session cookie's name in development (plain HTTP). */
export const SESSION_COOKIE = "rf_session";
/**
 * Its name everywhere else: the `__Host-` prefix makes browsers refuse the cookie unless it is
 * Secure, for `/` and without a Domain, so no sibling host (`*.hospital.org`) can set or replace
 * it, and a session cannot be planted from there.
 */
export const SECURE_SESSION_COOKIE = "__Host-rf_session";

/** The session cookie's name: `__Host-rf_session` when cookies are Secure, else `rf_session`. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SIGN_IN_PATHS = new Set(["/login", "/api/auth/login"]);

/**
 * The session secret carried by the request's cookie, if any, as the authentication middleware
 * read it (under the name it uses: a plain `rf_session` is ignored where cookies are Secure).
 */
export function sessionSecretOf(c: Context<AppEnv>): string | undefined {
  return c.get("sessionSecret");
}

/**
 * The API token secret the request presents (`Authorization: Bearer`, or `X-API-Key` for
 * OpenFeature clients), if any. The one reading of it: the authentication middleware checks it,
 * and whatever checks the credential again later (an open event stream) must check the same
 * secret, or a valid token's stream would be ended by its first re-check.
 */
export function presentedApiToken(c: Context<AppEnv>): string | undefined {
  return c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ??
    c.req.header("x-api-key");
}

/** Writes the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure outside development. */
/**
 * Sets the session cookie for the browser session only (no Expires): closing the browser on a
 * shared workstation ends it there. The server ends the session itself after
 * SESSION_IDLE_MINUTES without activity or SESSION_ABSOLUTE_HOURS in all.
 */
export function setSessionCookie(c: Context<AppEnv>, secret: string, secure: boolean): void {
  setCookie(c, sessionCookieName(secure), secret, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
  });
}

export function clearSessionCookie(c: Context<AppEnv>, secure: boolean): void {
  deleteCookie(c, sessionCookieName(secure), {
    path: "/",
    secure,
    httpOnly: true,
    sameSite: "Lax",
  });
}

/**
 * Resolves the caller: an API token (`Authorization: Bearer`, or `X-API-Key`
 * for OpenFeature clients) or the session cookie. Sets `principal` (null when
 * anonymous); a stale session cookie is cleared. When a credential cannot be
 * checked (database unreachable, nothing cached), the caller is treated as
 * anonymous with `authUnavailable` set: public routes still answer, protected
 * ones answer 503 rather than a misleading 401.
 */
export function authenticate(
  options: { auth: AuthService; secureCookies: boolean },
): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const bearer = presentedApiToken(c);
    const cookieSecret = getCookie(c, sessionCookieName(options.secureCookies)) || undefined;
    if (cookieSecret !== undefined) c.set("sessionSecret", cookieSecret);
    const secret = bearer ? undefined : cookieSecret;
    try {
      if (bearer) {
        c.set("principal", (await options.auth.authenticateToken(bearer)) ?? null);
      } else if (secret) {
        // A page's own polls and health checks do not count as the user's activity.
        const touch = !isBackgroundRequest(c.req.path, c.req.header(BACKGROUND_REQUEST_HEADER));
        const principal = await options.auth.authenticateSession(secret, { touch });
        c.set("principal", principal ?? null);
        if (!principal) clearSessionCookie(c, options.secureCookies);
      }
    } catch (error) {
      if (!(error instanceof AuthUnavailableError)) throw error;
      c.set("principal", null);
      c.set("authUnavailable", true);
    }
    await next();
  };
}

/**
 * True when a browser says the request comes from another site (`Sec-Fetch-Site`: `cross-site`,
 * or `same-site`, a sibling host). Browsers send the header on every request, navigations
 * included; clients that send none are no browser carrying a session by accident.
 */
export function crossSite(secFetchSite: string | undefined): boolean {
  return secFetchSite === "cross-site" || secFetchSite === "same-site";
}

function expectedOrigin(c: Context<AppEnv>, publicUrl: string | undefined): string {
  return publicUrl ?? new URL(c.req.url).origin;
}

/**
 * CSRF protection for state changes that a browser can make: the Origin (or
 * Referer) must be this site, and cookie-authenticated requests must carry the
 * session's CSRF token in `X-CSRF-Token` or the `csrf_token` form field.
 * Token-authenticated requests are exempt (no ambient credentials).
 */
export function csrfProtection(
  options: {
    publicUrl: string | undefined;
    renderPage?: (c: Context<AppEnv>) => Response;
    /**
     * Paths where a request with no session or token is let through to the route, which
     * refuses it itself (OFREP answers a bare 401 to any origin). A signed-in session is
     * checked there as anywhere.
     */
    anonymousPassesOn?: (path: string) => boolean;
  },
): MiddlewareHandler<AppEnv> {
  function refuse(c: Context<AppEnv>, detail: string): Response {
    if (!wantsApi(c) && options.renderPage) return options.renderPage(c);
    return problem(c, "CSRF_FAILED", detail);
  }
  return async function csrfMiddleware(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return await next();
    const principal = c.get("principal");
    if (principal?.kind === "token") return await next();
    if (!principal && options.anonymousPassesOn?.(c.req.path)) return await next();
    const expected = expectedOrigin(c, options.publicUrl);
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== expected) {
      return refuse(c, "The request came from another site");
    }
    if (origin === undefined) {
      const referer = c.req.header("referer");
      if (referer !== undefined) {
        let refererOrigin = "";
        try {
          refererOrigin = new URL(referer).origin;
        } catch { /* malformed: refused below */ }
        if (refererOrigin !== expected) return refuse(c, "The request came from another site");
      } else if (c.req.header("sec-fetch-site") === "cross-site") {
        return refuse(c, "The request came from another site");
      }
    }
    // Signing in again needs no token from the old session (the Origin check above still applies).
    if (principal?.kind === "user" && !SIGN_IN_PATHS.has(c.req.path)) {
      let token = c.req.header("x-csrf-token");
      // Pages post forms with a csrf_token field; the JSON API takes the header only (reading
      // an /api body here would also consume it before the route's own limits).
      if (!token && !c.req.path.startsWith("/api/")) {
        const type = c.req.header("content-type") ?? "";
        if (
          type.startsWith("application/x-www-form-urlencoded") ||
          type.startsWith("multipart/form-data")
        ) {
          token = formValue(await readForm(c), "csrf_token");
        }
      }
      if (!token || !safeEqual(token, principal.csrfToken)) {
        return refuse(c, "The CSRF token is missing or does not match this session");
      }
    }
    await next();
  };
}

/**
 * Paths that probes hit often; never rate limited. `/metrics` has its own
 * budget, for refused scrapes only ({@link METRICS_REFUSALS_PER_MINUTE}).
 */
const UNLIMITED =
  /^\/(health(\/ready)?|healthz|readyz|api\/health(\/ready)?|_islands\/.*|styles\.css|favicon\.svg)$/;

/** The Prometheus endpoint, whose refused scrapes are limited by {@link rateLimit}. */
const SCRAPE_PATH = "/metrics";

/**
 * Refused `GET /metrics` requests (401/403: a wrong METRICS_TOKEN, no
 * credential from an address outside METRICS_ALLOW_IPS) allowed per client
 * and minute before further scrapes answer 429, whatever they carry.
 */
export const METRICS_REFUSALS_PER_MINUTE = 20;

/**
 * A fixed-window request budget per client (user or token id, else IP), counted
 * by `counter`: per instance in memory, or across instances through Redis.
 * `scope` keeps separate budgets apart. 429 RATE_LIMITED with Retry-After when
 * exceeded (problem+json to the API; for a page it throws {@link RateLimitedError}
 * for the app's error handler to draw its error page); 0 disables. `/metrics` is exempt from that budget (scrapers poll
 * it), but its refused attempts have one of their own that `perMinute` does
 * not disable, so a scrape token cannot be guessed at request speed.
 */
export function rateLimit(
  options: {
    perMinute: number;
    clock: Clock;
    counter: WindowCounter;
    scope: string;
    /** Refused `/metrics` requests per client and minute (default {@link METRICS_REFUSALS_PER_MINUTE}). */
    scrapeRefusalsPerMinute?: number;
    /** Which requests this budget counts (default: all). */
    applies?: (c: Context<AppEnv>) => boolean;
  },
): MiddlewareHandler<AppEnv> {
  const { perMinute, clock, counter, scope } = options;
  const scrapes = refusedScrapeLimit({
    perMinute: options.scrapeRefusalsPerMinute ?? METRICS_REFUSALS_PER_MINUTE,
    clock,
    counter,
    scope,
  });
  return async function rateLimitMiddleware(c, next) {
    if (c.req.path === SCRAPE_PATH) return await scrapes(c, next);
    if (perMinute <= 0 || UNLIMITED.test(c.req.path)) return await next();
    if (options.applies !== undefined && !options.applies(c)) return await next();
    const now = clock.now();
    const windowStart = now - (now % WINDOW_MS);
    const client = clientKey(c);
    const count = await counter.increment(`${scope}:${client}`, windowStart, WINDOW_MS);
    if (count > perMinute) {
      const retryAfter = retryAfterSeconds(windowStart, now);
      // A browser's page or form: the app's error page (lib/app.ts), with the same Retry-After.
      if (!wantsApi(c)) {
        throw new RateLimitedError("Too many requests from this client", retryAfter);
      }
      return problem(c, "RATE_LIMITED", "Too many requests from this client", {
        "retry-after": String(retryAfter),
      });
    }
    await next();
  };
}

function clientKey(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  return principal ? `${principal.kind}:${principal.id}` : `ip:${c.get("clientIp")}`;
}

function retryAfterSeconds(windowStart: number, now: number): number {
  return Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
}

/**
 * Limits refused scrapes per client and window; a successful scrape is never
 * counted. The budget is checked before the credential is, so once it is spent
 * even the right token waits for the next window (otherwise guessing would go
 * on behind the 429s). This instance knows its own refusals and the attempts
 * still being checked, and counts each refusal in `counter` too: through Redis
 * a client's refusals on other instances close this one at its next refusal
 * (N instances allow at most N budgets a window, one budget plus N-1 when the
 * guesses are not simultaneous).
 */
function refusedScrapeLimit(
  options: { perMinute: number; clock: Clock; counter: WindowCounter; scope: string },
): MiddlewareHandler<AppEnv> {
  const { perMinute, clock, counter, scope } = options;
  /** Per client in the current window: refusals known here, and scrapes being checked. */
  let clients = new Map<string, { refused: number; pending: number }>();
  let current = 0;
  return async function refusedScrapeLimitMiddleware(c, next) {
    const now = clock.now();
    const windowStart = now - (now % WINDOW_MS);
    if (windowStart !== current) {
      clients = new Map();
      current = windowStart;
    }
    const client = clientKey(c);
    let entry = clients.get(client);
    if (entry === undefined) {
      entry = { refused: 0, pending: 0 };
      clients.set(client, entry);
    }
    // Attempts still being checked count as refused: simultaneous guesses cannot overrun the budget.
    if (entry.refused + entry.pending >= perMinute) {
      return problem(c, "RATE_LIMITED", "Too many refused scrapes from this client", {
        "retry-after": String(retryAfterSeconds(windowStart, now)),
      });
    }
    entry.pending++;
    let refused = false;
    try {
      await next();
      refused = c.res.status === 401 || c.res.status === 403;
    } finally {
      entry.pending--;
    }
    if (!refused) {
      if (entry.refused === 0 && entry.pending === 0 && clients.get(client) === entry) {
        clients.delete(client);
      }
      return;
    }
    entry.refused++;
    const shared = await counter.increment(
      `${scope}:scrape_refused:${client}`,
      windowStart,
      WINDOW_MS,
    );
    entry.refused = Math.max(entry.refused, shared);
  };
}

const WINDOW_MS = 60_000;

/** ALLOW_IPS / DENY_IPS (addresses or CIDRs): deny wins; with an allow list, others are refused. */
export function ipFilter(
  options: { allow: readonly string[]; deny: readonly string[] },
): MiddlewareHandler<AppEnv> {
  const restrict = ipRestriction(
    (c) => (c as Context<AppEnv>).get("clientIp"),
    { allowList: [...options.allow], denyList: [...options.deny] },
    (_remote, c) => problem(c, "FORBIDDEN", "Requests from this address are not allowed"),
  );
  return async function ipFilterMiddleware(c, next) {
    if (options.allow.length === 0 && options.deny.length === 0) return await next();
    const address = c.get("clientIp");
    if (address === "unknown") {
      if (options.allow.length > 0) {
        return problem(c, "FORBIDDEN", "Requests from this address are not allowed");
      }
      return await next();
    }
    return await restrict(c, next);
  };
}
