/**
 * A new API token's secret, kept for one look: the token page answers its create form with a
 * redirect (POST → 303 → GET), so a reload neither creates a second token nor posts again, and
 * the page after the redirect shows the secret, once.
 *
 * Kept under a key and encrypted with a key that are both derived from the session's own secret
 * (the cookie), so only the browser that created the token can find it or read it: a different
 * session, an operator reading Redis, or a memory dump without the cookie sees an unreadable
 * value under an unguessable name. Taking it removes it (read once); it expires after
 * {@link REVEAL_TTL_MS} anyway. With Redis (`REDIS_URL`) every instance can answer the GET after
 * the redirect; without it there is one instance and the memory of this one suffices.
 */
import type { Clock } from "../clock.ts";
import type { RedisHandle } from "../redis/client.ts";
import { withTimeout } from "../timeout.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { hashSecret } from "./tokens.ts";

/** How long a secret waits for its one look. */
export const REVEAL_TTL_MS = 5 * 60_000;

/** Memory bound: beyond this many waiting secrets the oldest is dropped. */
const MEMORY_LIMIT = 1_000;

/** How long a Redis command may take before the store gives up on it. */
const REDIS_WAIT_MS = 1_000;

export interface RevealOnce {
  /**
   * Keeps `secret` for the session holding `sessionSecret` and the token `tokenId`. False when it
   * could not be kept (Redis did not take it): the caller shows the secret at once instead.
   */
  put(sessionSecret: string, tokenId: string, secret: string): Promise<boolean>;
  /**
   * The secret kept for this session and token, removed as it is read; undefined when there is
   * none (already shown, expired, another session). Rejects with {@link RevealReadError} when it
   * could not be read: Redis did not answer in time, or ran the command and its answer was lost
   * (the secret may then be gone although it was never shown), or the value does not decrypt.
   */
  take(sessionSecret: string, tokenId: string): Promise<string | undefined>;
}

/**
 * The secret could not be read (see {@link RevealOnce.take}): not the same as "not there", which
 * means it was shown already or expired. The page must not say it was shown.
 */
export class RevealReadError extends Error {
  override name = "RevealReadError";
}

/** Where the encrypted values wait: memory, or Redis shared by the instances. */
interface Backend {
  set(key: string, value: string, ttlMs: number): Promise<void>;
  getAndDelete(key: string): Promise<string | undefined>;
}

function memoryBackend(clock: Clock): Backend {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    set(key, value, ttlMs) {
      const now = clock.now();
      for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
      // Insertion order is age order: the first key is the oldest.
      while (entries.size >= MEMORY_LIMIT) entries.delete(entries.keys().next().value!);
      entries.set(key, { value, expiresAt: now + ttlMs });
      return Promise.resolve();
    },
    getAndDelete(key) {
      const entry = entries.get(key);
      entries.delete(key);
      return Promise.resolve(entry && entry.expiresAt > clock.now() ? entry.value : undefined);
    },
  };
}

function redisBackend(redis: RedisHandle, prefix: string): Backend {
  const timeout = () => new Error("Redis did not answer in time");
  return {
    async set(key, value, ttlMs) {
      await withTimeout(
        redis.client.sendCommand(["SET", `${prefix}:${key}`, value, "PX", String(ttlMs)]),
        REDIS_WAIT_MS,
        timeout,
      );
    },
    async getAndDelete(key) {
      const reply = await withTimeout(
        redis.client.sendCommand(["GETDEL", `${prefix}:${key}`]),
        REDIS_WAIT_MS,
        timeout,
      );
      return typeof reply === "string" ? reply : undefined;
    },
  };
}

/** The AES-GCM key of a session: one-way from its secret. */
async function keyOf(sessionSecret: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`reveal-key:${sessionSecret}`),
  );
  return await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * The store: in Redis when `redis` is given (keys under `<prefix>:reveal:`), else in memory.
 *
 * @example
 * const reveal = createRevealOnce({ clock: systemClock });
 * await reveal.put(sessionSecret, token.id, secret); // true
 * await reveal.take(sessionSecret, token.id); // the secret
 * await reveal.take(sessionSecret, token.id); // undefined
 * // Redis lost: rejects with RevealReadError (not "not there")
 */
export function createRevealOnce(
  options: { clock: Clock; redis?: RedisHandle | undefined; prefix?: string },
): RevealOnce {
  const backend = options.redis
    ? redisBackend(options.redis, `${options.prefix ?? "researchflow"}:reveal`)
    : memoryBackend(options.clock);
  const slot = (sessionSecret: string, tokenId: string) =>
    hashSecret(`reveal:${sessionSecret}:${tokenId}`);
  return {
    async put(sessionSecret, tokenId, secret) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(tokenId) },
        await keyOf(sessionSecret),
        new TextEncoder().encode(secret),
      );
      const value = `${encodeBase64Url(iv)}.${encodeBase64Url(new Uint8Array(sealed))}`;
      try {
        await backend.set(await slot(sessionSecret, tokenId), value, REVEAL_TTL_MS);
        return true;
      } catch {
        return false;
      }
    },
    async take(sessionSecret, tokenId) {
      let value: string | undefined;
      try {
        value = await backend.getAndDelete(await slot(sessionSecret, tokenId));
      } catch (error) {
        // GETDEL may have run: the value may be gone, but this is no proof that it was shown.
        throw new RevealReadError("The secret could not be read from the store", {
          cause: error,
        });
      }
      if (value === undefined) return undefined;
      const [iv, sealed] = value.split(".");
      if (!iv || !sealed) throw new RevealReadError("The stored secret is malformed");
      try {
        const plain = await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: decodeBase64Url(iv),
            additionalData: new TextEncoder().encode(tokenId),
          },
          await keyOf(sessionSecret),
          decodeBase64Url(sealed),
        );
        return new TextDecoder().decode(plain);
      } catch (error) {
        // Found under this session's slot yet unreadable with its key: damaged, never shown.
        throw new RevealReadError("The stored secret could not be decrypted", { cause: error });
      }
    },
  };
}
