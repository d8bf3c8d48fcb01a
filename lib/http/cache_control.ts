/**
 * `Cache-Control: no-store` on every `/api/*` answer to a signed-in caller that does not set
 * its own: those bodies hold personal data (user lists, audit entries, consent status), and a
 * shared or browser cache must not keep them. Routes that choose a policy (ETags, public
 * health) keep theirs.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./types.ts";

export function privateApiResponses(): MiddlewareHandler<AppEnv> {
  return async function privateApiResponses(c, next) {
    await next();
    if (c.get("principal") == null || c.res.headers.has("cache-control")) return;
    try {
      c.res.headers.set("cache-control", "no-store");
    } catch {
      // Immutable headers: only responses built elsewhere (none of ours) have them.
    }
  };
}
