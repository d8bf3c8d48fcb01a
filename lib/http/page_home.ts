/**
 * Where a browser lands when it opens, with GET, an address that only takes form posts.
 *
 * A page answering a form post is shown at the post's address (`/admin/users/<id>` after a refused
 * change, `/analytics/erase` for the confirmation, `/flags/<key>/archive`). Reloading it, opening
 * it in a new tab or following it from the history is a GET there: instead of a 405 page, the
 * browser goes to the nearest page above it (`/admin/users`, `/analytics`, `/flags/<key>`).
 */
import { TrieRouter } from "hono/router/trie-router";

/** The routes of an app, as Hono lists them (`app.routes`). */
export interface RouteEntry {
  method: string;
  path: string;
}

/**
 * A function from a path that has no GET route to the nearest ancestor path that has one, or
 * null when none does below the root. Built lazily from `routes()` on first use (routes are all
 * registered by then). `elsewhere` names ancestors with no page of their own whose things are
 * shown on another page (`/admin/locks` → `/admin/users`, where the locks are listed): the walk
 * ends there, on that page.
 */
export function pageHome(
  routes: () => readonly RouteEntry[],
  elsewhere: Readonly<Record<string, string>> = {},
): (path: string) => string | null {
  const hasGet = getMatcher(routes);
  return (path) => {
    const segments = path.split("/").filter((segment) => segment.length > 0);
    while (segments.length > 1) {
      segments.pop();
      const candidate = "/" + segments.join("/");
      if (Object.hasOwn(elsewhere, candidate)) return elsewhere[candidate]!;
      if (hasGet(candidate)) return candidate;
    }
    return null;
  };
}

/** Whether a path has a GET route (wildcards aside), built lazily from `routes()`. */
function getMatcher(routes: () => readonly RouteEntry[]): (path: string) => boolean {
  let router: TrieRouter<true> | null = null;
  return (path) => {
    if (router === null) {
      router = new TrieRouter<true>();
      for (const route of routes()) {
        if (route.method === "GET" && !route.path.includes("*")) {
          router.add("GET", route.path, true);
        }
      }
    }
    return router.match("GET", path)[0].length > 0;
  };
}

/**
 * Where a browser goes from an address that has no page but is one step from one: a section's
 * address with no page of its own (`/settings`, `/admin`, from trimming `/settings/privacy`), or a
 * page's address with a trailing slash (`/flags/`). `sections` maps a section to its first page.
 * Null when there is none (the 404 page), and for any path starting `//` (never off the site).
 * The result keeps the path's own percent-encoding.
 */
export function nearbyPage(
  routes: () => readonly RouteEntry[],
  sections: Readonly<Record<string, string>>,
): (path: string) => string | null {
  const hasGet = getMatcher(routes);
  return (path) => {
    if (path.startsWith("//")) return null;
    const trimmed = path.replace(/\/+$/, "");
    if (trimmed === "") return null;
    if (Object.hasOwn(sections, trimmed)) return sections[trimmed]!;
    return trimmed !== path && hasGet(trimmed) ? trimmed : null;
  };
}
