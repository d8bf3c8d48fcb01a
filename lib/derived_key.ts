/**
 * Keys derived from the deployment's one secret for keyed digests, `ANALYTICS_IP_SALT`: one key
 * per use, `HMAC-SHA256(secret, label)`, so a digest made for one purpose (a sign-in lock, a rate
 * window) cannot be matched against one made for another, and none of them is a plain hash that
 * anyone could recompute by trying every IPv4 address or a list of emails. Every instance of a
 * deployment has the same configuration, so they all derive the same keys.
 *
 * Without the secret (development only: configuration refuses its absence elsewhere) createApp
 * draws a fallback secret of its own ({@link drawFallbackSecret}) and passes it in, so each app
 * instance has its own keys, stable for its lifetime, shared with no other instance. Callers
 * outside an app that pass no secret still get a random key drawn once per label and process.
 */
import { createHmac, randomBytes } from "node:crypto";

/** The random keys of this process, by label, for a deployment without a secret. */
const processKeys = new Map<string, Uint8Array>();

/**
 * The key for `label` derived from `secret`; without a secret, this process's random key for it.
 *
 * @example
 * const key = deriveKey("a-deployment-secret-of-16+", "sign-in-lock-keys");
 * keyedDigest(key, "ip:192.0.2.1"); // 64 hex characters, the same on every instance
 */
export function deriveKey(secret: string | undefined, label: string): Uint8Array {
  if (secret === undefined || secret === "") {
    let key = processKeys.get(label);
    if (!key) processKeys.set(label, key = new Uint8Array(randomBytes(32)));
    return key;
  }
  return new Uint8Array(createHmac("sha256", secret).update(label).digest());
}

/**
 * A random secret for an app instance of a deployment without one (development only), drawn once
 * per instance by createApp: its keys agree within the instance, not with any other.
 *
 * @example
 * const secret = config.analytics.ipSalt || drawFallbackSecret();
 * deriveKey(secret, "sign-in-lock-keys"); // stable for this secret
 */
export function drawFallbackSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** HMAC-SHA256 of `text` under `key`, in hex (64 characters). */
export function keyedDigest(key: Uint8Array, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}
