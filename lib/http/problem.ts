/** Writing problem+json responses from the Hono context. */
import type { Context } from "hono";
import {
  type ErrorCode,
  type Problem,
  problemFor,
  retryAfterOf,
  toProblem,
} from "../errors/mod.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** A problem+json response for a problem body. */
export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/** A problem+json response for a code, stamped with the request id. */
export function problem(
  c: Context,
  code: ErrorCode,
  detail?: string,
  headers: Record<string, string> = {},
): Response {
  const requestId = c.get("requestId") as string | undefined;
  c.set("problemCode", code);
  return problemResponse(problemFor(code, detail, requestId ? { requestId } : {}), headers);
}

/** The problem+json response for any thrown value (with Retry-After when it applies). */
export function errorResponse(c: Context, error: unknown): Response {
  const body = toProblem(error, c.get("requestId") as string | undefined);
  c.set("problemCode", body.code);
  const retryAfter = retryAfterOf(error);
  return problemResponse(body, retryAfter ? { "retry-after": String(retryAfter) } : {});
}

/** True when the request is for the JSON API (problem+json) rather than a page. */
export function wantsApi(c: Context): boolean {
  const path = c.req.path;
  return path === "/api" || path.startsWith("/api/") || path.startsWith("/ofrep/") ||
    path === "/metrics" || path.startsWith("/health") || path === "/healthz" || path === "/readyz";
}
