/** Reading the audit log (STEWARD+), with filters and cursor pagination. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { ACTOR_TYPES, queryAudit } from "../../lib/audit/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { StorableInstant } from "../../lib/validation/dates.ts";

export const AuditQuery = z.object({
  actor: z.string().max(64).optional().openapi({
    description: "The actor's id (an account's or an API token's), as `actorId` shows it",
  }),
  actorType: z.enum(ACTOR_TYPES).optional().openapi({
    description: "The kind of actor: `user` (an account), `token` (an API token), `system` " +
      "(operator commands such as `deno task user`, retention chores, start-up) or `anonymous` " +
      "(no one signed in: failed sign-ins). `system` and `anonymous` entries have no actor id, " +
      "so this is the way to find them. Combines with every other filter.",
  }),
  action: z.string().regex(/^[a-z][a-z0-9_.]{0,80}$/).optional().openapi({
    description: "Exact action, or a prefix ending in '.' (e.g. auth.)",
  }),
  targetType: z.string().regex(/^[a-z_]{1,40}$/).optional(),
  targetId: z.string().max(128).optional(),
  from: StorableInstant.optional(),
  to: StorableInstant.optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

const AuditRecordView = z.object({
  id: z.number().int(),
  actorId: z.string().nullable(),
  actorType: z.enum(ACTOR_TYPES),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  createdAt: z.string(),
}).openapi("AuditRecord");

export function auditApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    apiRoute(ctx.access, { role: "STEWARD", class: "read" }, {
      method: "get",
      path: "/api/audit",
      tags: ["Audit"],
      summary: "Audit records, newest first",
      description: "The filters combine (all must match). A page holds at most `limit` records " +
        "(default 50); pass `nextCursor` back as `cursor`, with the same filters, for the next " +
        "older page: paging visits each matching record once. A filter value that is not valid " +
        "answers 400 VALIDATION_FAILED naming it (`$.actorType`, `$.cursor`, ...).",
      request: { query: AuditQuery },
      responses: {
        200: {
          description: "One page",
          content: {
            "application/json": {
              schema: z.object({
                records: z.array(AuditRecordView),
                nextCursor: z.string().nullable(),
              }),
            },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await queryAudit(ctx.services.db, {
        ...q,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      });
      return c.json(page, 200);
    },
  );
  return app;
}
