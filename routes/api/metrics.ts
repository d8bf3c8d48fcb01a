/**
 * Metrics: `GET /api/metrics` (STEWARD+, or a token with metrics:read) as
 * JSON with the runtime mode; `GET /metrics` in the Prometheus text format for
 * scrapers (METRICS_TOKEN bearer, METRICS_ALLOW_IPS, or metrics:read token).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { MODES } from "../../lib/config.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import { PROMETHEUS_CONTENT_TYPE, renderJson, renderPrometheus } from "../../lib/telemetry/mod.ts";
import { scrapeAccess } from "../../lib/telemetry/scrape.ts";

const MetricsView = z.object({
  mode: z.object({
    effective: z.enum(MODES),
    pinned: z.boolean(),
    source: z.string(),
    noNetwork: z.boolean(),
    mockOnly: z.boolean(),
    outboundBlocked: z.string().nullable(),
  }),
  breakers: z.record(z.string(), z.enum(["closed", "open", "half_open"])),
  metrics: z.record(z.string(), z.unknown()),
  timestamp: z.string(),
}).openapi("Metrics");

export function metricsRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { services, config } = ctx;

  function refreshGauges(): void {
    const current = services.mode.current();
    for (const mode of MODES) {
      services.metrics.governanceMode.set(mode === current ? 1 : 0, { mode });
    }
  }

  app.openapi(
    apiRoute(ctx.access, { role: "STEWARD", scopes: ["metrics:read"], class: "read" }, {
      method: "get",
      path: "/api/metrics",
      tags: ["Operations"],
      summary: "Counters, gauges and histograms as JSON, with the runtime mode",
      responses: {
        200: { description: "Metrics", content: { "application/json": { schema: MetricsView } } },
      },
    }),
    async (c) => {
      refreshGauges();
      const state = services.mode.state();
      return c.json(
        {
          mode: {
            effective: state.mode,
            pinned: state.pinned,
            source: state.source,
            noNetwork: config.noNetwork,
            mockOnly: config.mockOnly,
            outboundBlocked: services.net.blockReason() ?? null,
          },
          breakers: services.net.breakerStates(),
          metrics: await renderJson(services.metrics.registry),
          timestamp: new Date(ctx.clock.now()).toISOString(),
        },
        200,
        { "cache-control": "no-store" },
      );
    },
  );

  const guard = scrapeAccess({ token: config.metrics.token, allowIps: config.metrics.allowIps });
  const route = apiRoute(ctx.access, { role: "public", class: "read" }, {
    method: "get",
    path: "/metrics",
    tags: ["Operations"],
    summary: "Prometheus text exposition (format 0.0.4)",
    description:
      "For Prometheus scrapers: `Authorization: Bearer <METRICS_TOKEN>`, a client address in " +
      "METRICS_ALLOW_IPS (addresses or CIDR ranges), or an API token with metrics:read. " +
      "Refused when neither METRICS_TOKEN nor METRICS_ALLOW_IPS is configured and no token is sent.",
    responses: {
      200: {
        description: "Metrics in the Prometheus text format",
        content: { "text/plain": { schema: z.string() } },
      },
      401: { description: "No metrics token and not an allow-listed address (UNAUTHENTICATED)" },
      403: {
        description: "A token that may not scrape, or scraping not configured at all (FORBIDDEN)",
      },
    },
  });
  app.openapi(
    { ...route, middleware: [...route.middleware, guard] },
    async (c) => {
      refreshGauges();
      return c.text(await renderPrometheus(services.metrics.registry), 200, {
        "content-type": PROMETHEUS_CONTENT_TYPE,
        "cache-control": "no-store",
      });
    },
  );
  return app;
}
