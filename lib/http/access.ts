/**
 * Route access: every route states its least role (or scopes) and its mode
 * class. `secure()` turns that statement into middleware and records it in a
 * registry, which the role-table test walks so no route can go unlisted.
 */
import type { Context, MiddlewareHandler } from "hono";
import { sessionSecretOf } from "../auth/middleware.ts";
import { type Role, roleAtLeast, type Scope } from "../auth/principal.ts";
import type { Mode } from "../config.ts";
import { ModeStandbyError, ServiceUnavailableError } from "../errors/mod.ts";
import { modeAllows, type RouteClass } from "../governance/policy.ts";
import { problem, wantsApi } from "./problem.ts";
import type { AppEnv } from "./types.ts";

/** Who may call a route. */
export interface Access {
  /** Least user role; "public" for anyone, "signed_in" for any role. */
  role: Role | "public" | "signed_in";
  /** Bearer-token scopes accepted instead of a user session (any one suffices). */
  scopes?: readonly Scope[];
  /** Whether the route may run in each mode (see lib/governance/policy.ts). */
  class: RouteClass;
}

/**
 * What a route takes in a path parameter: a zod schema (or anything with its `safeParse`), such
 * as FlagKeySchema for `/flags/:key`.
 */
export interface ParamShape {
  safeParse(value: unknown): { success: boolean };
}

/** A route's path parameters by name, each with the shape it takes. */
export type ParamShapes = Readonly<Record<string, ParamShape>>;

export interface RegisteredRoute {
  method: string;
  path: string;
  kind: "api" | "page";
  access: Access;
  /**
   * The shape of each path parameter, for return paths only (routing is unchanged: the route
   * still answers any segment, with its own "no such ..." page). A parameter without one is
   * never carried into a return path.
   */
  params?: ParamShapes;
}

/** A GET page route, matched against a path: its pattern and the shapes of its parameters. */
interface PagePattern {
  pattern: RegExp;
  /** The parameters' names, in the order of the pattern's groups. */
  names: string[];
  params: ParamShapes;
}

const REGEXP_SPECIALS = /[.*+?^${}()|[\]\\]/g;

function pagePattern(route: RegisteredRoute): PagePattern {
  const names: string[] = [];
  const parts = route.path.split("/").map((part) => {
    if (!part.startsWith(":")) return part.replace(REGEXP_SPECIALS, "\\$&");
    names.push(part.slice(1));
    return "([^/]+)";
  });
  return { pattern: new RegExp(`^${parts.join("/")}$`), names, params: route.params ?? {} };
}

/** The routes an app registered, with their access statements. */
export class RouteRegistry {
  readonly routes: RegisteredRoute[] = [];
  /**
   * @param shownElsewhere addresses with no page of their own whose things are listed on
   * another page (`/admin/locks` → `/admin/users`): the way back from a form under them ends there.
   */
  constructor(readonly shownElsewhere: Readonly<Record<string, string>> = {}) {}
  #pages: PagePattern[] | null = null;
  add(route: RegisteredRoute): void {
    this.routes.push(route);
    this.#pages = null;
  }
  #pagePatterns(): PagePattern[] {
    return this.#pages ??= this.routes
      .filter((route) => route.kind === "page" && route.method === "GET")
      .map(pagePattern);
  }
  /** Whether `path` (no query) is a page a browser can open: a GET page route matches it. */
  isPage(path: string): boolean {
    return this.#pagePatterns().some(({ pattern }) => pattern.test(path));
  }
  /**
   * Whether `path` (no query) may be repeated in an address the app builds (a return path, a way
   * back): a GET page route matches it, each of whose parameters has the shape the route
   * declares. `/flags/<a name typed into the address bar>` is a page (it answers "No such
   * flag"), but the name is not a flag key, so it is not repeated.
   */
  isReturnPage(path: string): boolean {
    return this.#pagePatterns().some(({ pattern, names, params }) => {
      const values = pattern.exec(path);
      return values !== null &&
        names.every((name, i) =>
          Object.hasOwn(params, name) && params[name]!.safeParse(values[i + 1]).success
        );
    });
  }
  /**
   * The nearest page at or above `path` that may be repeated ({@link isReturnPage}), walking up
   * one segment at a time (`/flags/<typed text>` → `/flags`); an address in `shownElsewhere`
   * ends the walk on its page; `/` when none.
   */
  nearestReturnPage(path: string): string {
    let at = path;
    while (at !== "/" && !this.isReturnPage(at)) {
      at = at.slice(0, at.lastIndexOf("/")) || "/";
      if (Object.hasOwn(this.shownElsewhere, at)) return this.shownElsewhere[at]!;
    }
    return at;
  }
  /**
   * Where a page may send a browser back to after a form (sign-in, the consent banner): the path
   * of `next` when it is a local address of a registered page, else the nearest page above it
   * ({@link nearestReturnPage}), else `/`. Any other path is never repeated into an address, a
   * form field or a Location: a mistyped or crafted one may carry PHI (`/patients/<name>/<mrn>`,
   * a name typed where a flag's key goes), and repeating it puts it in one more URL (history,
   * proxy logs). The query and fragment are dropped for the same reason (see {@link pagePathOf}).
   */
  returnPath(next: string | undefined | null): string {
    return this.nearestReturnPage(pagePathOf(next));
  }
}

/** Local paths only: `/x` but not `//host` or `/\host` (open-redirect guard). */
export function safeNextPath(next: string | undefined | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if ([...next].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\\")) return "/";
  return next;
}

/**
 * The local path of `next` without its query and fragment, `/` when it is not local. A return
 * path (after sign-in, after the consent banner) is only ever this: a page's query may hold what
 * someone typed (`/audit?actor=<a name>`, a flag's "why" with a user id), and carrying it into a
 * return path would copy it into a new URL, the sign-in page's links and forms, and the Location
 * after sign-in.
 */
export function pagePathOf(next: string | undefined | null): string {
  return safeNextPath(next).split(/[?#]/, 1)[0] || "/";
}

/**
 * Why a browser was sent to the sign-in page; /login shows a fixed sentence for each
 * (routes/login.tsx), so nothing the user typed is ever carried in the address.
 * - `ended`: a page was opened with a session cookie that no longer signs anyone in (idle or
 *   absolute limit, ended by an administrator or another instance);
 * - `unsaved`: a form was sent without a session in force, so the change was not made;
 * - `signed_out`: the user has just signed out.
 */
export const SIGN_IN_REASONS = ["ended", "unsaved", "signed_out"] as const;
export type SignInReason = (typeof SIGN_IN_REASONS)[number];

/**
 * The sign-in page's address, returning to `next`'s path afterwards (its query and fragment
 * dropped, see {@link pagePathOf}), with an optional reason.
 */
export function signInPath(next: string, reason?: SignInReason): string {
  const local = pagePathOf(next);
  const query = [
    ...(local !== "/" || !reason ? [`next=${encodeURIComponent(local)}`] : []),
    ...(reason ? [`reason=${reason}`] : []),
  ];
  return `/login?${query.join("&")}`;
}

/**
 * The page a refused form was sent from: its Referer's path when the Referer is this site
 * (`siteOrigin`: PUBLIC_URL's origin when set, else the request's own; the request's Origin header
 * proves nothing here, since a 413 or 429 answers before the CSRF check), else the form's own
 * address. The form's address is often an action with no page of its own
 * (/settings/privacy/grant), and a page drawn as a POST's answer has none either
 * (/analytics/erase): with the registry, such a path is walked up to the nearest page a browser can
 * open (/settings/privacy, /analytics), so the way back never ends on 405. The Referer's query is
 * not repeated: as in a sign-in return path ({@link pagePathOf}), a link the app builds carries a
 * page's path only (a query may hold what was typed, and a confirmation in it would claim a change
 * that was not made).
 */
export function formPagePath(
  c: Context<AppEnv>,
  registry?: RouteRegistry,
  siteOrigin: string = new URL(c.req.url).origin,
): string {
  let path = c.req.path;
  const referer = c.req.header("referer");
  if (referer) {
    try {
      const from = new URL(referer);
      if (from.origin === siteOrigin) path = from.pathname;
    } catch { /* not a URL: the form's own address */ }
  }
  if (registry) path = registry.nearestReturnPage(path);
  return safeNextPath(path);
}

function unauthenticated(c: Context<AppEnv>, registry?: RouteRegistry): Response {
  if (wantsApi(c)) return problem(c, "UNAUTHENTICATED", "Sign-in or an API token is required");
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    // A form sent after the session ended (signed out in another tab, idle limit): the change
    // was not made. Say so on the sign-in page and return to the form's page afterwards; the
    // form's content is never put in the address, nor its page's query.
    return c.redirect(signInPath(formPagePath(c, registry), "unsaved"), 303);
  }
  // The page's path only: its query may hold what was typed (signInPath drops it), and so may a
  // path parameter not in its route's shape (the registry walks up to the page above).
  const next = registry ? registry.returnPath(c.req.path) : c.req.path;
  // A session cookie that signs no one in (the authentication middleware clears it in this
  // answer) means a session that ended, as opposed to a visitor who never signed in.
  return c.redirect(signInPath(next, sessionSecretOf(c) ? "ended" : undefined), 303);
}

/**
 * Why a signed-in caller is refused. A token has scopes, not a role: it is told which scope the
 * route needs (scopes are not secret; the API reference lists them).
 */
function forbiddenDetail(principal: { kind: string }, access: Access): string {
  if (principal.kind !== "token") return "Your role does not allow this";
  const scopes = access.scopes ?? [];
  return scopes.length
    ? `This API token lacks the scope this needs: ${scopes.join(" or ")}`
    : "API tokens cannot be used here; sign in with an account instead";
}

/**
 * Checks the caller against `access`. Expects the authentication middleware
 * to have set `principal` (null when anonymous).
 */
export function authorize(
  access: Access,
  renderForbidden?: (c: Context<AppEnv>) => Response,
  registry?: RouteRegistry,
): MiddlewareHandler<AppEnv> {
  return async function authorizeMiddleware(c, next) {
    if (access.role !== "public") {
      const principal = c.get("principal");
      if (!principal && c.get("authUnavailable")) {
        // A page gets the HTML error page (thrown to the app's error handler), not a
        // problem+json body, which is a dead end in a browser.
        if (!wantsApi(c)) {
          throw new ServiceUnavailableError(
            "Sign-in cannot be checked right now, so this page cannot be shown; try again shortly.",
            5,
          );
        }
        return problem(
          c,
          "SERVICE_UNAVAILABLE",
          "Sign-in cannot be checked right now; try again shortly",
          {
            "retry-after": "5",
          },
        );
      }
      if (!principal) return unauthenticated(c, registry);
      let allowed: boolean;
      if (principal.kind === "token") {
        allowed = (access.scopes ?? []).some((scope) => principal.scopes.includes(scope));
      } else {
        allowed = access.role === "signed_in" || roleAtLeast(principal.role, access.role);
      }
      if (!allowed) {
        if (!wantsApi(c) && renderForbidden) return renderForbidden(c);
        return problem(c, "FORBIDDEN", forbiddenDetail(principal, access));
      }
    }
    await next();
  };
}

/** Seconds a client is asked to wait before trying a write refused in STANDBY again. */
const STANDBY_RETRY_SECONDS = 60;

/** The STANDBY refusal of a page form: what happened, what still works, what to do. */
export const STANDBY_PAGE_MESSAGE =
  "The platform is in STANDBY, so changes are paused and this one was not made. " +
  "Pages can still be viewed, you can sign in and out and turn usage analytics off, and " +
  "administrators can still change the mode, flags and experiments. Go back to the page you " +
  "were on and make the change again when the platform is back in DEMO or LIVE.";

/**
 * Refuses routes whose class the current mode does not allow (503 MODE_STANDBY, Retry-After).
 * The API answers problem+json; a page form's refusal is thrown, so that the app's error
 * handler draws it as an HTML page in the layout with its navigation (lib/app.ts): a
 * problem+json body is a dead end in a browser.
 */
export function modeGuard(
  routeClass: RouteClass,
  currentMode: () => Mode,
): MiddlewareHandler<AppEnv> {
  return async function modeGuardMiddleware(c, next) {
    if (!modeAllows(currentMode(), routeClass)) {
      if (!wantsApi(c)) throw new ModeStandbyError(STANDBY_PAGE_MESSAGE, STANDBY_RETRY_SECONDS);
      return problem(
        c,
        "MODE_STANDBY",
        "The platform is in STANDBY mode; writes and ingestion are paused",
        { "retry-after": String(STANDBY_RETRY_SECONDS) },
      );
    }
    await next();
  };
}

export interface SecureDeps {
  registry: RouteRegistry;
  currentMode: () => Mode;
  renderForbidden?: (c: Context<AppEnv>) => Response;
}

/**
 * The middleware for a route's access statement, recorded in the registry.
 *
 * @example
 * app.openapi(createRoute({ ..., middleware: secure(deps, "POST", "/api/x", "api", access) }), handler);
 */
export function secure(
  deps: SecureDeps,
  method: string,
  path: string,
  kind: "api" | "page",
  access: Access,
  params?: ParamShapes,
): MiddlewareHandler<AppEnv>[] {
  deps.registry.add({
    method: method.toUpperCase(),
    path,
    kind,
    access,
    ...(params ? { params } : {}),
  });
  return [
    authorize(access, deps.renderForbidden, deps.registry),
    modeGuard(access.class, deps.currentMode),
  ];
}

/**
 * Registers an HTML page (or form post) route with its access statement. `options.params` gives
 * the shape of each path parameter (`{ key: FlagKeySchema }`): only a value in that shape is
 * carried into a return path ({@link RouteRegistry.returnPath}).
 */
export function page(
  app: { on(method: string, path: string, ...handlers: MiddlewareHandler<AppEnv>[]): unknown },
  deps: SecureDeps,
  method: "GET" | "POST",
  path: string,
  access: Access,
  handler: (c: Context<AppEnv>) => Response | Promise<Response>,
  options: { params?: ParamShapes } = {},
): void {
  const middleware = secure(deps, method, path, "page", access, options.params);
  app.on(method, path, ...middleware, async (c) => await handler(c));
}
