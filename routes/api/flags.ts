/**
 * Flag administration: the governance upsert (reference 000 step 3.3), the
 * admin list/upsert/archive (reference 003 section 3.1) and the "why?"
 * status. Changes are ADMIN governance writes: they stay available in
 * STANDBY, because switching a feature off is how an incident is contained.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { actorOf } from "../../lib/audit/mod.ts";
import type { Principal } from "../../lib/auth/principal.ts";
import { APP_ENVS, MODES } from "../../lib/config.ts";
import type { RouteContext } from "../../lib/context.ts";
import {
  FLAG_REASONS,
  FlagInputSchema,
  FlagKeySchema,
  FlagViewSchema,
} from "../../lib/flags/mod.ts";
import { MAX_TARGETING_KEY } from "../../lib/flags/hash.ts";
import { flagsFor, subjectOf } from "../../lib/governance/state.ts";
import { apiRoute, jsonContent, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { FlagsListedSchema, FlagsViewQuery } from "./governance.ts";

const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
const ADMIN_CHANGE = { role: "ADMIN", class: "governance-write" } as const;

// The snapshot's per-flag facts: the admin view without the audience lists and authorship.
const FlagMetaSchema = FlagViewSchema.pick({
  key: true,
  enabled: true,
  description: true,
  scope: true,
  rolloutPercent: true,
  requiredModes: true,
  targetEnvironments: true,
  override: true,
}).extend({
  version: z.number().int().openapi({
    description: "Grows by one on every change: send it back with a change (409 CONFLICT when " +
      "the flag moved on), and ignore a `governance.flag_changed` event whose version is not " +
      "higher than the one held (events can arrive out of order)",
  }),
});

const FlagsSnapshotSchema = z.object({
  mode: z.enum(MODES),
  pinned: z.boolean(),
  flags: z.record(z.string(), z.boolean()).openapi({
    description: "The flags the `flags` query asks for (every flag by default), evaluated for " +
      "the caller",
  }),
  flagsMeta: z.array(FlagMetaSchema),
  flagsListed: FlagsListedSchema,
  timestamp: z.string(),
}).openapi("FlagsSnapshot");

const FlagStatusSchema = z.object({
  enabled: z.boolean(),
  reason: z.enum(FLAG_REASONS),
  explanation: z.string().openapi({
    example: "The user is in bucket 37 and the rollout is 50% (buckets 1–50), so the flag is on.",
  }),
}).openapi("FlagStatus");

/** A user or session id, as long as a targeting key may be (OFREP answers the same). */
const IdQuery = z.string().min(1).max(MAX_TARGETING_KEY);

export function flagsApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { services } = ctx;
  const change = (
    c: { get(key: "principal"): Principal | null; get(key: "requestId"): string },
  ) => ({
    actor: actorOf(c.get("principal")),
    requestId: c.get("requestId"),
  });

  app.openapi(
    apiRoute(ctx.access, ADMIN_CHANGE, {
      method: "post",
      path: "/api/governance/flags/{flagKey}",
      tags: ["Flags"],
      summary: "Create or update a flag; returns the caller's flags snapshot",
      description:
        "Upsert: omitted fields keep their values (or defaults for a new flag). Audited with " +
        "before/after, published as `governance.flag_changed`, applied on every instance. " +
        "With `version`, a flag changed since that version is refused (409 CONFLICT, nothing " +
        "written), and a key no flag has is 404 NOT_FOUND (send no version to create a flag). " +
        "The governance panel sends the version it showed (`flagsMeta[].version`), so an " +
        "administrator is told when another one changed the flag meanwhile. `version` stays " +
        "optional for scripts: without it the change applies to whatever is stored (last write " +
        "wins). Settings the flag already has (target users, modes and environments compared " +
        "as sets, a blank description as none) change nothing: 200 with the caller's flags, " +
        "no new version, audit entry or event, and no 409 whatever `version` was sent. The " +
        "answer lists the flags as `GET /api/governance/state` does: every live flag by " +
        "default (`flags=all`), fewer when the query asks (`flags=panel`: the governance " +
        "console's bounded list, which the panel asks for; `flags=none`: the mode only); " +
        "`flagsListed` says which.",
      request: {
        params: z.object({ flagKey: FlagKeySchema }),
        query: z.object({ flags: FlagsViewQuery.optional() }),
        body: { required: true, ...jsonContent(FlagInputSchema) },
      },
      responses: {
        200: {
          description: "The caller's flags after the change (as many as `flags` asks for)",
          ...jsonContent(FlagsSnapshotSchema),
        },
        404: { description: "`version` sent for a key no flag has (NOT_FOUND)" },
        409: { description: "Changed since `version`, or the key is an experiment's (CONFLICT)" },
      },
    }),
    async (c) => {
      const view = c.req.valid("query").flags ?? "all";
      await services.flags.set(c.req.valid("param").flagKey, c.req.valid("json"), change(c));
      const state = services.mode.state();
      return c.json(
        {
          mode: state.mode,
          pinned: state.pinned,
          ...flagsFor(services.flags, subjectOf(c.get("principal")), view),
          timestamp: new Date(ctx.clock.now()).toISOString(),
        },
        200,
        { "cache-control": "no-store" },
      );
    },
  );

  app.openapi(
    apiRoute(ctx.access, STEWARD_READ, {
      method: "get",
      path: "/api/admin/feature-flags",
      tags: ["Flags"],
      summary: "Every flag with its targets and the environment override in force",
      responses: {
        200: {
          description: "Flags by key",
          ...jsonContent(z.object({ features: z.record(z.string(), FlagViewSchema) })),
        },
      },
    }),
    (c) =>
      c.json(
        { features: Object.fromEntries(services.flags.list().map((flag) => [flag.key, flag])) },
        200,
        { "cache-control": "no-store" },
      ),
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_CHANGE, {
      method: "post",
      path: "/api/admin/feature-flags/{name}",
      tags: ["Flags"],
      summary: "Create or update a flag",
      description:
        "Upsert: omitted fields keep their values (or defaults for a new flag); audited and " +
        "published as `governance.flag_changed`. With `version`, a flag changed since is 409 " +
        "CONFLICT and a key no flag has 404 NOT_FOUND. Settings the flag already has (target " +
        "users, modes and environments compared as sets, a blank description as none) change " +
        "nothing: 200 with the stored flag (its version unchanged), no audit entry or event, " +
        "and no 409 whatever `version` was sent.",
      request: {
        params: z.object({ name: FlagKeySchema }),
        body: { required: true, ...jsonContent(FlagInputSchema) },
      },
      responses: {
        200: {
          description: "The stored flag (as it was, when the settings were already its own)",
          ...jsonContent(z.object({ success: z.literal(true), flag: FlagViewSchema })),
        },
        404: { description: "`version` sent for a key no flag has (NOT_FOUND)" },
        409: { description: "Changed since `version`, or the key is an experiment's (CONFLICT)" },
      },
    }),
    async (c) => {
      const flag = await services.flags.set(
        c.req.valid("param").name,
        c.req.valid("json"),
        change(c),
      );
      return c.json({ success: true as const, flag }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_CHANGE, {
      method: "delete",
      path: "/api/admin/feature-flags/{name}",
      tags: ["Flags"],
      summary: "Archive a flag (it evaluates as unknown; its history stays)",
      request: {
        params: z.object({ name: FlagKeySchema }),
        query: z.object({ version: z.coerce.number().int().min(1).optional() }).strict(),
      },
      responses: {
        200: {
          description: "The archived flag",
          ...jsonContent(z.object({ success: z.literal(true), flag: FlagViewSchema })),
        },
        404: { description: "No such live flag (NOT_FOUND)" },
        409: { description: "Changed since `version` (CONFLICT)" },
      },
    }),
    async (c) => {
      const flag = await services.flags.archive(
        c.req.valid("param").name,
        c.req.valid("query").version,
        change(c),
      );
      return c.json({ success: true as const, flag }, 200);
    },
  );

  app.openapi(
    apiRoute(ctx.access, STEWARD_READ, {
      method: "get",
      path: "/api/admin/feature-flags/{name}/status",
      tags: ["Flags"],
      summary: "Why is it on? The flag's value for a user or session, with one sentence",
      description: "Mode and environment default to this instance's; pass them to ask 'what if'. " +
        "The answer never repeats the ids asked about.",
      request: {
        params: z.object({ name: FlagKeySchema }),
        query: z.object({
          userId: IdQuery.optional(),
          sessionId: IdQuery.optional(),
          env: z.enum(APP_ENVS).optional(),
          mode: z.enum(MODES).optional(),
        }).strict(),
      },
      responses: { 200: { description: "The evaluation", ...jsonContent(FlagStatusSchema) } },
    }),
    (c) =>
      c.json(
        services.flags.status(c.req.valid("param").name, c.req.valid("query")),
        200,
        { "cache-control": "no-store" },
      ),
  );
  return app;
}
