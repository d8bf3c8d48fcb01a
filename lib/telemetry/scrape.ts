/**
 * Who may scrape `GET /metrics`: a bearer token equal to `METRICS_TOKEN`, or
 * a client address in `METRICS_ALLOW_IPS` (addresses or CIDR ranges, matched
 * by Hono's ip-restriction), or an API token with the `metrics:read` scope.
 * With neither configured, scraping is refused (fail closed). METRICS_TOKEN
 * is at least 32 characters (lib/config.ts), and refused scrapes have a budget
 * per client and minute (`rateLimit` in lib/auth/middleware.ts, 429 beyond it),
 * so the token cannot be guessed.
 */
import type { MiddlewareHandler } from "hono";
import { type IpMatcher, ipMatcher } from "../http/ip_match.ts";
import { ConfigError } from "../config.ts";
import { problem } from "../http/problem.ts";
import type { AppEnv } from "../http/types.ts";

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Compares two secrets in time independent of where they differ. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

export interface ScrapeAccessOptions {
  token: string | undefined;
  allowIps: readonly string[];
}

/**
 * The middleware guarding the Prometheus endpoint. Throws {@link ConfigError}
 * naming `METRICS_ALLOW_IPS` when a rule is not an address or CIDR range.
 */
export function scrapeAccess(options: ScrapeAccessOptions): MiddlewareHandler<AppEnv> {
  let byIp: IpMatcher | undefined;
  if (options.allowIps.length > 0) {
    try {
      byIp = ipMatcher(options.allowIps);
    } catch {
      throw new ConfigError("METRICS_ALLOW_IPS", "must list IP addresses or CIDR ranges");
    }
  }
  return async function scrapeAccessMiddleware(c, next) {
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (bearer && options.token && await secretsEqual(bearer, options.token)) return await next();
    const principal = c.get("principal");
    if (principal?.kind === "token" && principal.scopes.includes("metrics:read")) {
      return await next();
    }
    const ip = c.get("clientIp");
    // (An address the matcher cannot read is not on the list: refused below.)
    if (byIp && ip && ip !== "unknown" && await byIp(ip)) return await next();
    if (!bearer && !options.token && !byIp) {
      return problem(
        c,
        "FORBIDDEN",
        "Metrics scraping is not configured (METRICS_TOKEN or METRICS_ALLOW_IPS)",
      );
    }
    return bearer ? problem(c, "FORBIDDEN", "This token may not scrape metrics") : problem(
      c,
      "UNAUTHENTICATED",
      "A metrics bearer token or an allow-listed address is required",
    );
  };
}
