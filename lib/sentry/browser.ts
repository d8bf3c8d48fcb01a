/**
 * Browser error reports (`POST /api/errors`): the schema, the size cap, and
 * the pure steps that turn a report into something the reporter can capture.
 * The browser never talks to Sentry; the server scrubs what it forwards.
 */
import { z } from "@hono/zod-openapi";

/** Largest accepted request body, in bytes. */
export const BROWSER_REPORT_MAX_BYTES = 16 * 1024;
/** Reports one signed-in user may send per minute (on top of the global limiter). */
export const BROWSER_REPORTS_PER_MINUTE = 20;

/** One uncaught error or unhandled rejection, as the islands runtime reports it. */
export const BrowserErrorReport = z.object({
  type: z.string().min(1).max(200).openapi({ example: "TypeError" }),
  message: z.string().max(2000),
  stack: z.string().max(12_000).optional(),
  route: z.string().min(1).max(2048).openapi({
    description: "location.pathname of the page; mapped to a page route pattern on the server",
    example: "/admin/users",
  }),
}).strict().openapi("BrowserErrorReport");
export type BrowserErrorReport = z.infer<typeof BrowserErrorReport>;

/**
 * The page route pattern (`/admin/users/:id`) that `path` matches, or
 * "unmatched". Only registered patterns come back, never the client's text.
 */
export function matchRoute(path: string, patterns: readonly string[]): string {
  const clean = path.split(/[?#]/, 1)[0] ?? "";
  const parts = clean.split("/").slice(1);
  for (const pattern of patterns) {
    const want = pattern.split("/").slice(1);
    if (want.length !== parts.length && !want.includes("*")) continue;
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const segment = want[i]!;
      if (segment === "*") break;
      const got = parts[i];
      if (got === undefined) ok = false;
      else if (segment.startsWith(":")) ok = got.length > 0;
      else ok = segment === got;
    }
    if (ok) return pattern;
  }
  return "unmatched";
}

/**
 * An Error carrying the report's type, message and stack, for the reporter
 * (its stack parser reads V8-style `at fn (url:line:col)` lines). The result is
 * scrubbed like any server error before anything leaves.
 */
export function browserReportToError(report: BrowserErrorReport): Error {
  const error = new Error(report.message);
  error.name = report.type;
  error.stack = report.stack ?? `${report.type}: ${report.message}`;
  return error;
}
