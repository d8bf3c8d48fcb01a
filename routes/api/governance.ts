/** Governance state (any signed-in caller) and the mode change (ADMIN, allowed in STANDBY). */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { actorOf } from "../../lib/audit/audit.ts";
import { MODES } from "../../lib/config.ts";
import type { RouteContext } from "../../lib/context.ts";
import { FLAGS_VIEWS, type FlagsView, governanceStateFor } from "../../lib/governance/state.ts";
import { apiRoute, ProblemSchema, validationHook } from "../../lib/http/openapi.ts";
import { PROBLEM_CONTENT_TYPE } from "../../lib/http/problem.ts";
import type { AppEnv } from "../../lib/http/types.ts";

const ModeEnum = z.enum(MODES);

const FlagMeta = z.object({
  key: z.string(),
  enabled: z.boolean(),
  description: z.string().nullable(),
  scope: z.enum(["product", "governance"]),
  rolloutPercent: z.number().int(),
  requiredModes: z.array(ModeEnum),
  targetEnvironments: z.array(z.enum(["development", "staging", "production"])),
  override: z.boolean().nullable(),
  version: z.number().int().openapi({
    description: "Grows by one on every change: send it back with a change (409 CONFLICT when " +
      "the flag moved on), and ignore a `governance.flag_changed` event whose version is not " +
      "higher than the one held (events can arrive out of order)",
  }),
}).openapi("FlagMeta");

/** What `flags` and `flagsMeta` hold (lib/governance/state.ts). */
export const FlagsListedSchema = z.object({
  scope: z.enum(["all", "governance", "none"]).openapi({
    description: "`all`: every live flag; `governance`: governance-scope flags only (the " +
      "first 50 by key); `none`: no flag",
  }),
  matching: z.number().int().openapi({
    description: "Live flags in that scope (`flagsMeta` lists at most 50 of them for `panel`)",
  }),
  total: z.number().int().openapi({ description: "Live flags in all" }),
}).openapi("FlagsListed");

/** The `flags` query parameter: which flags a state lists. */
export const FlagsViewQuery = z.enum(FLAGS_VIEWS).openapi({
  description: "Which flags to list: `all` every live flag; `panel` what the governance " +
    "console shows (every flag while there are at most 50, otherwise the governance-scope " +
    "flags, the first 50 by key); `none` no flag (the mode only). `flagsListed` says which.",
});

export const GovernanceStateSchema = z.object({
  mode: ModeEnum,
  pinned: z.boolean().openapi({ description: "True while ROS_MODE pins the mode" }),
  source: z.enum(["ROS_MODE", "database", "GOVERNANCE_MODE", "default", "fail-closed"]),
  pinnedReason: z.string().nullable(),
  flags: z.record(z.string(), z.boolean()),
  flagsMeta: z.array(FlagMeta),
  flagsListed: FlagsListedSchema,
  timestamp: z.string().openapi({ example: "2026-01-01T00:00:00.000Z" }),
}).openapi("GovernanceState");

export const ModeChangeBody = z.object({ mode: ModeEnum }).strict().openapi("ModeChange");

export function governanceApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { services } = ctx;
  const stateOf = (c: Context<AppEnv>, view: FlagsView = "all") => ({
    ...governanceStateFor(services, c.get("principal"), view),
    timestamp: new Date(ctx.clock.now()).toISOString(),
  });

  app.openapi(
    apiRoute(ctx.access, { role: "signed_in", scopes: ["governance:read"], class: "read" }, {
      method: "get",
      path: "/api/governance/state",
      tags: ["Governance"],
      summary: "The governance mode and the caller's flags",
      description: "Every live flag by default (`flags=all`), evaluated for the caller. A page " +
        "that needs fewer asks for them: `flags=panel` (the governance console's bounded " +
        "list) or `flags=none` (the mode only: the mode badge).",
      request: { query: z.object({ flags: FlagsViewQuery.optional() }) },
      responses: {
        200: {
          description: "Current state",
          content: { "application/json": { schema: GovernanceStateSchema } },
        },
      },
    }),
    (c) =>
      c.json(stateOf(c, c.req.valid("query").flags ?? "all"), 200, {
        "cache-control": "no-store",
      }),
  );

  app.openapi(
    apiRoute(ctx.access, { role: "ADMIN", class: "governance-write" }, {
      method: "post",
      path: "/api/governance/mode",
      tags: ["Governance"],
      summary: "Change the governance mode",
      description:
        "Persists the mode, writes the audit log and the governance log, and publishes " +
        "`governance.mode_changed` to every instance. Works in STANDBY (to leave it). " +
        "409 MODE_PINNED while ROS_MODE pins the mode. The answer lists the flags as " +
        "`GET /api/governance/state` does, `flags=all` unless the query asks for fewer.",
      request: {
        query: z.object({ flags: FlagsViewQuery.optional() }),
        body: { required: true, content: { "application/json": { schema: ModeChangeBody } } },
      },
      responses: {
        200: {
          description: "The new state",
          content: { "application/json": { schema: GovernanceStateSchema } },
        },
        409: {
          description: "Pinned by ROS_MODE (MODE_PINNED)",
          content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const { mode } = c.req.valid("json");
      await services.mode.setMode(mode, actorOf(c.get("principal")), {
        requestId: c.get("requestId"),
      });
      return c.json(stateOf(c, c.req.valid("query").flags ?? "all"), 200, {
        "cache-control": "no-store",
      });
    },
  );
  return app;
}
