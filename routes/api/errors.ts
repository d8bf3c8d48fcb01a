/**
 * `POST /api/errors`: uncaught errors and unhandled rejections from the
 * islands runtime. Signed-in users only (pages with islands send the CSRF
 * token), rate-limited per user, capped at 16 KB. Its message is user-writable
 * text, so it is reduced to a template first (digit runs `0`, quoted strings
 * `'…'`, words outside the error-message vocabulary `…`; of the stack only the
 * frame lines, with a function only when it is code, a file only when it is
 * one of the app's island bundle files and a line and column only when they
 * point inside that file; lib/sentry/browser.ts, lib/sentry/bundles.ts); the result is scrubbed on the server exactly like a
 * server error and forwarded to Sentry, or dropped. The answer is 202 either
 * way and never echoes the report.
 *
 * Route class `ingest`: like analytics, it accepts client data to pass on, so
 * STANDBY refuses it (503 MODE_STANDBY, the client drops the report) — outbound
 * calls are blocked in STANDBY anyway, so there would be nothing to forward.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { rateLimit } from "../../lib/auth/mod.ts";
import type { RouteContext } from "../../lib/context.ts";
import { apiRoute, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";
import {
  BROWSER_REPORT_MAX_BYTES,
  BROWSER_REPORTS_PER_MINUTE,
  BrowserErrorReport,
  browserReportToError,
  type IslandBundles,
  matchRoute,
} from "../../lib/sentry/mod.ts";

/**
 * `bundles`: the island bundle files a report's frames may name (read once by lib/app.ts from the
 * static root it serves).
 */
export function errorsApiRoutes(
  ctx: RouteContext,
  bundles: IslandBundles,
): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { errors } = ctx.services;
  // Page routes register after this module: read them per report. Static paths before params.
  const patterns = () =>
    ctx.access.registry.routes
      .filter((route) => route.kind === "page" && route.method === "GET")
      .map((route) => route.path)
      .sort((a, b) => a.split(":").length - b.split(":").length);

  const route = apiRoute(ctx.access, { role: "signed_in", class: "ingest" }, {
    method: "post",
    path: "/api/errors",
    tags: ["Errors"],
    summary: "Report a browser error",
    description:
      "Sent by the islands runtime for uncaught errors and unhandled rejections. The message is " +
      "reduced to a template (digit runs become 0, quoted strings '…', words outside the " +
      "error-message vocabulary …), the stack to its frame lines (function names that are no " +
      "code, files other than the app's island bundle files, and lines and columns outside " +
      "the bundle left out); the report is then " +
      "rebuilt from an allowlist, scanned for PHI and forwarded to Sentry or dropped; the answer " +
      `is 202 either way. At most ${BROWSER_REPORT_MAX_BYTES} bytes and ` +
      `${BROWSER_REPORTS_PER_MINUTE} reports per minute per user.`,
    request: {
      body: { required: true, content: { "application/json": { schema: BrowserErrorReport } } },
    },
    responses: {
      202: { description: "Accepted (forwarded or dropped; never echoed)" },
      413: { description: "Larger than 16 KB (PAYLOAD_TOO_LARGE)" },
      429: { description: "Too many reports from this user (RATE_LIMITED)" },
    },
  });
  app.openapi(
    {
      ...route,
      middleware: [
        ...route.middleware,
        rateLimit({
          perMinute: BROWSER_REPORTS_PER_MINUTE,
          clock: ctx.clock,
          counter: ctx.services.rateCounter,
          scope: "browser_errors",
        }),
      ],
    },
    (c) => {
      const report = c.req.valid("json");
      errors.capture(browserReportToError(report, bundles), {
        source: "browser",
        route: matchRoute(report.route, patterns()),
        method: "GET",
        requestId: c.get("requestId"),
      });
      return c.body(null, 202);
    },
  );
  return app;
}
