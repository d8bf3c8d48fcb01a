/**
 * Liveness and readiness. Liveness never touches a dependency; readiness
 * runs every dependency check in parallel, each bounded by 2 s.
 * Served at /health, /health/ready and the aliases /api/health,
 * /api/health/ready, /healthz and /readyz.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { RouteContext } from "../../lib/context.ts";
import {
  checkReadiness,
  LIVENESS_PATHS,
  READINESS_PATHS,
  sharedReadiness,
  statusLabels,
} from "../../lib/health/mod.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";

const Liveness = z.object({
  status: z.literal("ok"),
  version: z.string(),
  build: z.string().nullable().openapi({
    description: "The image's commit (APP_BUILD), null when not set at build time",
  }),
  uptime_s: z.number().int(),
  mode: z.enum(["STANDBY", "DEMO", "LIVE"]),
}).openapi("Liveness");

const Readiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  database: z.enum(["postgres", "embedded"]).openapi({
    description: "The database in use: the server at DATABASE_URL, or embedded PGlite",
  }),
  checks: z.record(z.string(), z.string()).openapi({
    example: { db: "ok", redis: "skipped", worker: "blocked" },
  }),
  mode: z.object({
    effective: z.enum(["STANDBY", "DEMO", "LIVE"]),
    ros_mode: z.enum(["STANDBY", "DEMO", "LIVE"]).nullable(),
    no_network: z.boolean(),
    mock_only: z.boolean(),
    // The platform's upload path reads these from the same deployment settings; reported so an
    // operator can see that every instance received them (this app has no upload path itself).
    allow_uploads: z.boolean(),
    strict_phi_on_upload: z.boolean(),
  }),
  breakers: z.record(z.string(), z.enum(["closed", "open", "half_open"])),
}).openapi("Readiness");

const PUBLIC_READ = { role: "public", class: "read" } as const;

export function healthRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { config, services } = ctx;

  for (const path of LIVENESS_PATHS) {
    const route = apiRoute(ctx.access, PUBLIC_READ, {
      method: "get",
      path,
      tags: ["Health"],
      summary: path === "/health" ? "Liveness" : `Liveness (alias of /health)`,
      description: "Answers while the process can serve requests; touches no dependency.",
      responses: {
        200: { description: "Alive", content: { "application/json": { schema: Liveness } } },
      },
    });
    app.openapi(route, (c) =>
      c.json(
        {
          status: "ok" as const,
          version: config.version,
          build: config.build ?? null,
          uptime_s: Math.floor((ctx.clock.now() - ctx.startedAt) / 1000),
          mode: services.mode.current(),
        },
        200,
        { "cache-control": "no-store" },
      ));
  }

  // Concurrent requests to any of the paths share one run of the checks.
  const readiness = sharedReadiness(() => checkReadiness(services.readiness, 2000));
  for (const path of READINESS_PATHS) {
    const route = apiRoute(ctx.access, PUBLIC_READ, {
      method: "get",
      path,
      tags: ["Health"],
      summary: path === "/health/ready" ? "Readiness" : "Readiness (alias of /health/ready)",
      description: "Checks the database (it answers and takes writes: a read-only one, such as a " +
        "standby, is `failed: read only`), Redis (PING, when REDIS_URL is set) and the worker " +
        "(GET /health, when WORKER_URL is set and outbound calls are allowed), in parallel, " +
        "each within 2 s. 503 names the failing check.",
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: Readiness } } },
        503: { description: "Not ready", content: { "application/json": { schema: Readiness } } },
      },
    });
    app.openapi(route, async (c) => {
      const { report, fresh } = await readiness();
      if (fresh) {
        for (const [check, status] of Object.entries(report.checks)) {
          services.metrics.readinessChecks.inc({ check, ...statusLabels(status) });
        }
      }
      const body = {
        status: report.ready ? "ready" as const : "not_ready" as const,
        database: services.db.kind === "postgres" ? "postgres" as const : "embedded" as const,
        checks: report.checks,
        mode: {
          effective: services.mode.current(),
          ros_mode: config.rosMode ?? null,
          no_network: config.noNetwork,
          mock_only: config.mockOnly,
          allow_uploads: config.allowUploads,
          strict_phi_on_upload: config.strictPhiOnUpload,
        },
        breakers: services.net.breakerStates(),
      };
      return report.ready
        ? c.json(body, 200, { "cache-control": "no-store" })
        : c.json(body, 503, { "cache-control": "no-store" });
    });
  }
  return app;
}
