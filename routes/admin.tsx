/**
 * Administration pages: accounts and sign-in locks (/admin/users), API tokens
 * (/admin/tokens) and the audit log (/audit). Plain forms; no JavaScript needed.
 * Each area is its own module under routes/admin/; this one mounts them, in this order.
 */
import { Hono } from "hono";
import type { RevealOnce } from "../lib/auth/reveal_once.ts";
import type { RouteContext } from "../lib/context.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { auditPageRoutes } from "./admin/audit.tsx";
import { tokenPageRoutes } from "./admin/tokens.tsx";
import { userPageRoutes } from "./admin/users.tsx";

/** Services of the admin pages that are not on {@link RouteContext} (createApp builds them). */
export interface AdminPageServices {
  /** A new token's secret waits here for the one GET after the create form's redirect. */
  tokenReveal: RevealOnce;
}

export function adminPageRoutes(
  ctx: RouteContext,
  { tokenReveal }: AdminPageServices,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.route("/", userPageRoutes(ctx));
  app.route("/", tokenPageRoutes(ctx, tokenReveal));
  app.route("/", auditPageRoutes(ctx));
  return app;
}
