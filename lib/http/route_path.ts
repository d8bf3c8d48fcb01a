/**
 * The path the router matches: Hono's own reading of the request's path, with each run of
 * slashes taken as one, as nginx (`merge_slashes`, on by default) and most servers do.
 *
 * A client configured with a base URL ending in '/' (`baseUrl: "https://gov.example.org/"`)
 * asks for `//ofrep/v1/...`: unmerged, that matched no route, and the OpenFeature providers met
 * the HTML "Page not found" page, which they report only as a response "not in the expected
 * format" while serving code defaults. Middleware and routes read this same path (`c.req.path`),
 * so access rules see exactly what the router matched.
 */
import { getPath } from "hono/utils/url";

const SLASH_RUNS = /\/{2,}/g;

export function routePath(request: Request): string {
  const path = getPath(request);
  return path.includes("//") ? path.replace(SLASH_RUNS, "/") : path;
}
