/**
 * Analytics API: consent-gated ingestion (reference 000 step 3.1), the
 * summary for stewards, and the ADMIN erasure of one user's events.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { actorOf } from "../../lib/audit/mod.ts";
import type { UserPrincipal } from "../../lib/auth/principal.ts";
import {
  IngestRequest,
  IngestResponse,
  SummaryQuery,
  SummaryResponse,
} from "../../lib/analytics/mod.ts";
import { gpcSignal } from "../../lib/consent/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, jsonContent, ProblemSchema, validationHook } from "../../lib/http/openapi.ts";
import { PROBLEM_CONTENT_TYPE } from "../../lib/http/problem.ts";
import type { AppEnv } from "../../lib/http/types.ts";

const INGEST = { role: "RESEARCHER", class: "ingest" } as const;
const STEWARD_READ = { role: "STEWARD", class: "read" } as const;
const ADMIN_ERASE = { role: "ADMIN", class: "governance-write" } as const;

export function analyticsApiRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const analytics = ctx.services.analytics;

  app.openapi(
    apiRoute(ctx.access, INGEST, {
      method: "post",
      path: "/api/analytics/events",
      tags: ["Analytics"],
      summary: "Ingest a batch of product events (1–100)",
      description:
        "Needs both a current analytics consent and the header `X-Analytics-Consent: true`, else 403 CONSENT_REQUIRED (clients then stay silent). Per event: allowlisted name (`experiment.assigned`, recorded by the server only, is refused as EVENT_SERVER_ONLY), properties ≤ 8 KB, PHI scan (findings → stored as `{phi_redacted: true}`), then shape rules. A `ts` more than 5 minutes ahead of the server clock is refused (TS_IN_FUTURE). After the user's analytics were erased, an event whose `ts` is missing or earlier than the erasure plus 5 minutes is refused (BEFORE_ERASURE), so a retried or replayed batch cannot bring erased events back. A repeated `eventId` counts as a duplicate.",
      request: {
        headers: z.object({
          "x-analytics-consent": z.string().optional().openapi({ example: "true" }),
        }),
        body: { required: true, ...jsonContent(IngestRequest) },
      },
      responses: {
        200: { description: "Per-batch outcome", ...jsonContent(IngestResponse) },
        202: {
          description: "ANALYTICS_EMIT=off: everything dropped",
          ...jsonContent(IngestResponse),
        },
        403: {
          description: "No analytics consent (CONSENT_REQUIRED), or role/CSRF refused",
          content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const principal = c.get("principal") as UserPrincipal;
      const result = await analytics.ingest({
        userId: principal.id,
        sessionId: principal.sessionId,
        events: c.req.valid("json").events,
        ip: c.get("clientIp"),
        userAgent: c.req.header("user-agent"),
        gpc: gpcSignal(c.req.header("sec-gpc")),
        consentHeader: c.req.header("x-analytics-consent")?.trim().toLowerCase() === "true",
      });
      return c.json(result, ctx.config.analytics.emit ? 200 : 202);
    },
  );

  app.openapi(
    apiRoute(ctx.access, STEWARD_READ, {
      method: "get",
      path: "/api/analytics/summary",
      tags: ["Analytics"],
      summary: "Counts by event, day or mode; distinct users; timing p50/p95; exposures",
      description:
        "Read from daily roll-ups maintained at insert time (never a scan of the events). Days are UTC; p50/p95 are estimated within 1%.",
      request: { query: SummaryQuery },
      responses: { 200: { description: "Summary", ...jsonContent(SummaryResponse) } },
    }),
    async (c) => c.json(await analytics.summary(c.req.valid("query")), 200),
  );

  app.openapi(
    apiRoute(ctx.access, ADMIN_ERASE, {
      method: "delete",
      path: "/api/analytics/users/{id}/events",
      tags: ["Analytics"],
      summary: "Delete every analytics event of one user (audited)",
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: {
        200: { description: "Deleted", ...jsonContent(z.object({ deletedEvents: z.number() })) },
        404: { description: "No such account (NOT_FOUND)" },
      },
    }),
    async (c) => {
      const deletedEvents = await analytics.eraseUser(
        c.req.valid("param").id,
        actorOf(c.get("principal")),
        c.get("requestId"),
      );
      return c.json({ deletedEvents }, 200);
    },
  );

  return app;
}
