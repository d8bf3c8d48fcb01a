/**
 * The one rule for a REDIS_URL: config validation (lib/config.ts) stops the start with it, and
 * the client (lib/redis/client.ts, RedisUrlError) refuses the same URLs, so a URL is never
 * accepted at validation and refused only after the migrations ran. Pure; never echoes the URL
 * (it may hold a password).
 */

/** What REDIS_URL accepts, in the words of the configuration error. */
export const REDIS_URL_EXPECTATION =
  "is not a URL the Redis client accepts (redis[s]://[[user]:password@]host[:port][/database number])";

/**
 * True when node-redis takes `raw` as it is meant: protocol `redis:` or `rediss:`, a host, a user
 * and password that decode, and no path or `/` and a whole database number (node-redis throws on
 * a path that is not a number, and would send `SELECT 1.5` for a fraction).
 */
export function isAcceptedRedisUrl(raw: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return false;
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") return false;
  if (parsed.hostname === "") return false;
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return false;
  }
  return /^(\/?|\/\d{1,9})$/.test(parsed.pathname);
}
