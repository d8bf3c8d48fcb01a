/** Writing problem+json responses from the Hono context. */
import type { Context, MiddlewareHandler } from "hono";
import { accepts } from "hono/accepts";
import {
  type ErrorCode,
  type Problem,
  problemFor,
  retryAfterOf,
  toProblem,
} from "../errors/mod.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** A problem+json response for a problem body; an error answer is never stored by a cache. */
export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store", ...headers },
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

/** Paths of the JSON API (and the probes and scrapes), answered in problem+json whatever is asked. */
function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path.startsWith("/ofrep/") ||
    path === "/metrics" || path.startsWith("/health") || path === "/healthz" || path === "/readyz";
}

const JSON_TYPES = new Set(["application/json", "application/problem+json"]);
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml", "text/*"]);

/**
 * Whether an Accept header asks for JSON over HTML: application/json or problem+json with a
 * higher quality than text/html (or xhtml, or text/*). A tie is a browser's (HTML); a catch-all
 * (`*\/*`) counts for neither, so no Accept, `*\/*` and a browser's navigation stay HTML while
 * `application/json, *\/*` (axios, fetch clients) is JSON. Parsed by Hono's Accept reader.
 */
function prefersJson(c: Context): boolean {
  return accepts(c, {
    header: "Accept",
    supports: ["json", "html"],
    default: "html",
    match: (ranges) => {
      let json = 0;
      let html = 0;
      for (const { type, q } of ranges) {
        const media = type.toLowerCase();
        if (JSON_TYPES.has(media)) json = Math.max(json, q);
        if (HTML_TYPES.has(media)) html = Math.max(html, q);
      }
      return json > 0 && json > html ? "json" : "html";
    },
  }) === "json";
}

/**
 * True when the request is for the JSON API (problem+json) rather than a page: an API path, or a
 * page's path asked for JSON over HTML (`Accept: application/json`, a script; a browser's Accept
 * names text/html). Refusals (401, 403, 413, 429, CSRF) and errors then answer problem+json, not
 * a redirect to sign-in or the HTML error page a script cannot read.
 */
export function wantsApi(c: Context): boolean {
  if (isApiPath(c.req.path)) return true;
  chosenByAccept.add(c.req.raw);
  return prefersJson(c);
}

/** Requests on a page's path whose answer {@link wantsApi} chose by their Accept header. */
const chosenByAccept = new WeakSet<Request>();

/**
 * `Vary: Accept` on every answer whose form {@link wantsApi} chose by the Accept header (a page's
 * path: its 401, 403, 404, 405, errors, and the pages that answer JSON too), in HTML and in
 * problem+json alike, so that a shared cache never hands a browser the script's answer or the
 * other way round. The API's paths answer the same whatever is asked and get none.
 */
export function varyByAccept(): MiddlewareHandler {
  return async function varyByAccept(c, next) {
    await next();
    if (!chosenByAccept.has(c.req.raw)) return;
    const vary = c.res.headers.get("vary");
    const names = (vary ?? "").split(",").map((name) => name.trim().toLowerCase());
    if (names.includes("accept") || names.includes("*")) return;
    const value = vary ? `${vary}, Accept` : "Accept";
    try {
      c.res.headers.set("vary", value);
    } catch {
      // Immutable headers (Response.redirect, a fetched response): a mutable copy.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("vary", value);
    }
  };
}
