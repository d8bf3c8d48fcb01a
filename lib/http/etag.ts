/**
 * Conditional requests by ETag (RFC 9110 §13.1.2): one comparison for every route that answers
 * 304, so static files and OFREP cannot differ on which `If-None-Match` forms they accept.
 */

/**
 * Whether an `If-None-Match` header names `etag`, by the weak comparison the RFC prescribes for
 * this header (`W/"x"` matches `"x"`) and in a list (`"a", "x"`). `*` matches nothing: a bulk
 * evaluation is an answer computed for one context, not a stored representation, and `*` would
 * otherwise turn every request into a bodiless 304 for any context; for a static file it only
 * costs a full answer.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() !== "*" && bare(tag) === bare(etag));
}
