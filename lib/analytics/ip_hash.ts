/**
 * The client IP, hashed before it is stored: `ip_hash = SHA-256(ip + daySalt)`
 * where `daySalt = HMAC-SHA256(ANALYTICS_IP_SALT, "analytics-ip:" + UTC date)`.
 * The derived salt rotates daily, so hashes of one address cannot be linked
 * across days; the raw address is never stored. Without ANALYTICS_IP_SALT
 * (development only; config refuses its absence elsewhere) a random salt is
 * drawn per process, so hashes are not even linkable across restarts.
 */

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The UTC date (YYYY-MM-DD) of a time in milliseconds. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface IpHasher {
  /** The hash for `ip` on the UTC day of `nowMs`; null for an unknown address. */
  hash(ip: string, nowMs: number): Promise<string | null>;
}

/** Creates a hasher from the configured salt (or a random per-process one when absent). */
export function createIpHasher(salt: string | undefined): IpHasher {
  const secret = salt ?? hex(crypto.getRandomValues(new Uint8Array(32)).buffer);
  const key = crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  let cached: { day: string; salt: Promise<string> } | undefined;

  function daySalt(day: string): Promise<string> {
    if (cached?.day !== day) {
      cached = {
        day,
        salt: key.then((k) => crypto.subtle.sign("HMAC", k, encoder.encode(`analytics-ip:${day}`)))
          .then(hex),
      };
    }
    return cached.salt;
  }

  return {
    async hash(ip, nowMs) {
      if (!ip || ip === "unknown") return null;
      const salt = await daySalt(utcDay(nowMs));
      return hex(await crypto.subtle.digest("SHA-256", encoder.encode(ip + salt)));
    },
  };
}
