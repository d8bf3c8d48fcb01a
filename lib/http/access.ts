/**
 * Route access: every route states its least role (or scopes) and its mode
 * class. `secure()` turns that statement into middleware and records it in a
 * registry, which the role-table test walks so no route can go unlisted.
 */
import type { Context, MiddlewareHandler } from "hono";
import { type Role, roleAtLeast, type Scope } from "../auth/principal.ts";
import type { Mode } from "../config.ts";
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

export interface RegisteredRoute {
  method: string;
  path: string;
  kind: "api" | "page";
  access: Access;
}

/** The routes an app registered, with their access statements. */
export class RouteRegistry {
  readonly routes: RegisteredRoute[] = [];
  add(route: RegisteredRoute): void {
    this.routes.push(route);
  }
}

/** Local paths only: `/x` but not `//host` or `/\host` (open-redirect guard). */
export function safeNextPath(next: string | undefined | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if ([...next].some((ch) => ch.charCodeAt(0) < 0x20 || ch === "\\")) return "/";
  return next;
}

function unauthenticated(c: Context<AppEnv>): Response {
  if (wantsApi(c)) return problem(c, "UNAUTHENTICATED", "Sign-in or an API token is required");
  const next = safeNextPath(c.req.path + (new URL(c.req.url).search || ""));
  return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
}

/**
 * Checks the caller against `access`. Expects the authentication middleware
 * to have set `principal` (null when anonymous).
 */
export function authorize(
  access: Access,
  renderForbidden?: (c: Context<AppEnv>) => Response,
): MiddlewareHandler<AppEnv> {
  return async function authorizeMiddleware(c, next) {
    if (access.role !== "public") {
      const principal = c.get("principal");
      if (!principal && c.get("authUnavailable")) {
        return problem(
          c,
          "SERVICE_UNAVAILABLE",
          "Sign-in cannot be checked right now; try again shortly",
          {
            "retry-after": "5",
          },
        );
      }
      if (!principal) return unauthenticated(c);
      let allowed: boolean;
      if (principal.kind === "token") {
        allowed = (access.scopes ?? []).some((scope) => principal.scopes.includes(scope));
      } else {
        allowed = access.role === "signed_in" || roleAtLeast(principal.role, access.role);
      }
      if (!allowed) {
        if (!wantsApi(c) && renderForbidden) return renderForbidden(c);
        return problem(c, "FORBIDDEN", "Your role does not allow this");
      }
    }
    await next();
  };
}

/** Refuses routes whose class the current mode does not allow (503 MODE_STANDBY). */
export function modeGuard(
  routeClass: RouteClass,
  currentMode: () => Mode,
): MiddlewareHandler<AppEnv> {
  return async function modeGuardMiddleware(c, next) {
    if (!modeAllows(currentMode(), routeClass)) {
      return problem(
        c,
        "MODE_STANDBY",
        "The platform is in STANDBY mode; writes and ingestion are paused",
        { "retry-after": "60" },
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
): MiddlewareHandler<AppEnv>[] {
  deps.registry.add({ method: method.toUpperCase(), path, kind, access });
  return [authorize(access, deps.renderForbidden), modeGuard(access.class, deps.currentMode)];
}

/** Registers an HTML page (or form post) route with its access statement. */
export function page(
  app: { on(method: string, path: string, ...handlers: MiddlewareHandler<AppEnv>[]): unknown },
  deps: SecureDeps,
  method: "GET" | "POST",
  path: string,
  access: Access,
  handler: (c: Context<AppEnv>) => Response | Promise<Response>,
): void {
  const middleware = secure(deps, method, path, "page", access);
  app.on(method, path, ...middleware, async (c) => await handler(c));
}
