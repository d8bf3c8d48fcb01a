/**
 * /flags: every flag with its state (as it evaluates here and now: a flag gated out of the
 * current mode or environment says so), rollout, gates, targets and any environment override
 * (STEWARD+), and the archived flags, which an ADMIN can restore; a detail page per flag with the
 * edit form (ADMIN), the archive button behind a confirmation (ADMIN), the "Why?" tool and a
 * live rollout preview. Plain forms: everything works without JavaScript. The list and each
 * flag's page are route modules under routes/flags/, mounted here in this order.
 */
import { Hono } from "hono";
import type { RouteContext } from "../lib/context.ts";
import { FLAG_FIELDS } from "../lib/flags/pages/form.ts";
import type { AppEnv } from "../lib/http/types.ts";
import { flagDetailRoutes } from "./flags/detail.tsx";
import { flagListRoutes } from "./flags/list.tsx";
import { flagPageTools } from "./flags/shared.ts";

export { FLAG_FIELDS };

/** The flag pages: the list (and create, restore), then each flag's page (edit, archive). */
export function flagPageRoutes(ctx: RouteContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const tools = flagPageTools(ctx);
  app.route("/", flagListRoutes(ctx, tools));
  app.route("/", flagDetailRoutes(ctx, tools));
  return app;
}
