/**
 * Authentication, CSRF protection, client rate limiting and IP allow/deny
 * lists, as named middleware factories.
 */
import type { Context, MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ipRestriction } from "hono/ip-restriction";
import type { Clock } from "../clock.ts";
import { problem, wantsApi } from "../http/problem.ts";
import type { WindowCounter } from "../http/rate_window.ts";
import type { AppEnv } from "../http/types.ts";
import { type AuthService, AuthUnavailableError } from "./service.ts";
import { safeEqual } from "./tokens.ts";

export const SESSION_COOKIE = "rf_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SIGN_IN_PATHS = new Set(["/login", "/api/auth/login"]);

/** The session secret carried by the request's cookie, if any. */
export function sessionSecretOf(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SESSION_COOKIE) || undefined;
}

/** Writes the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure outside development. */
export function setSessionCookie(
  c: Context<AppEnv>,
  secret: string,
  expiresAt: Date,
  secure: boolean,
): void {
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure, httpOnly: true, sameSite: "Lax" });
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
    const authorization = c.req.header("authorization");
    const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? c.req.header("x-api-key");
    const secret = bearer ? undefined : sessionSecretOf(c);
    try {
      if (bearer) {
        c.set("principal", (await options.auth.authenticateToken(bearer)) ?? null);
      } else if (secret) {
        const principal = await options.auth.authenticateSession(secret);
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
  options: { publicUrl: string | undefined; renderPage?: (c: Context<AppEnv>) => Response },
): MiddlewareHandler<AppEnv> {
  function refuse(c: Context<AppEnv>, detail: string): Response {
    if (!wantsApi(c) && options.renderPage) return options.renderPage(c);
    return problem(c, "CSRF_FAILED", detail);
  }
  return async function csrfMiddleware(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return await next();
    const principal = c.get("principal");
    if (principal?.kind === "token") return await next();
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
      if (!token) {
        const type = c.req.header("content-type") ?? "";
        if (
          type.startsWith("application/x-www-form-urlencoded") ||
          type.startsWith("multipart/form-data")
        ) {
          const form = await c.req.parseBody();
          token = typeof form.csrf_token === "string" ? form.csrf_token : undefined;
        }
      }
      if (!token || !safeEqual(token, principal.csrfToken)) {
        return refuse(c, "The CSRF token is missing or does not match this session");
      }
    }
    await next();
  };
}

/** Paths that probes and scrapers hit often; never rate limited. */
const UNLIMITED =
  /^\/(health(\/ready)?|healthz|readyz|metrics|api\/health(\/ready)?|_islands\/.*|styles\.css|favicon\.svg)$/;

/**
 * A fixed-window request budget per client (user or token id, else IP), counted
 * by `counter`: per instance in memory, or across instances through Redis.
 * `scope` keeps separate budgets apart. 429 RATE_LIMITED with Retry-After when
 * exceeded; 0 disables.
 */
export function rateLimit(
  options: { perMinute: number; clock: Clock; counter: WindowCounter; scope: string },
): MiddlewareHandler<AppEnv> {
  const { perMinute, clock, counter, scope } = options;
  return async function rateLimitMiddleware(c, next) {
    if (perMinute <= 0 || UNLIMITED.test(c.req.path)) return await next();
    const now = clock.now();
    const windowStart = now - (now % WINDOW_MS);
    const principal = c.get("principal");
    const client = principal ? `${principal.kind}:${principal.id}` : `ip:${c.get("clientIp")}`;
    const count = await counter.increment(`${scope}:${client}`, windowStart, WINDOW_MS);
    if (count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      return problem(c, "RATE_LIMITED", "Too many requests from this client", {
        "retry-after": String(retryAfter),
      });
    }
    await next();
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
