/**
 * Requests a page makes on its own (polls, health checks, error reports), told apart from what
 * the user does, so that they never keep an idle session alive: the idle sign-out
 * (`SESSION_IDLE_MINUTES`) is a safeguard for unattended workstations, and a page left open must
 * not defeat it. Shared by the islands (which send the header) and the server (which reads it);
 * imports nothing.
 */

/** The header a page's own background requests carry (value `1`). */
export const BACKGROUND_REQUEST_HEADER = "x-background-request";

/** Paths that are never the user's activity, whoever calls them. */
const BACKGROUND_PATHS = [
  "/health",
  "/healthz",
  "/readyz",
  "/api/health",
  "/metrics",
  "/api/stream",
];

/** Whether a request is background work that must not count as the user's activity. */
export function isBackgroundRequest(path: string, header: string | undefined): boolean {
  if (header === "1") return true;
  return BACKGROUND_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
