/**
 * The keys of the sign-in locks (`login_throttle.key`): an HMAC of `account:<normalised email>`
 * or `ip:<client address>` under a key derived from the deployment's secret (`ANALYTICS_IP_SALT`,
 * label {@link LOCK_KEYS_LABEL}). A plain SHA-256 of those could be reversed by anyone holding the
 * table (a backup), by trying every IPv4 address or a list of emails; the keyed one cannot without
 * the secret. The app and `deno task user` load the same configuration, so they agree on the keys.
 * Without the secret (development only) each process draws its own key (lib/derived_key.ts):
 * `deno task user` then finds a running app's locks only by the key `locks` lists, and a restart
 * forgets every lock.
 */
import { deriveKey, keyedDigest } from "../derived_key.ts";
import { normalizeEmail } from "./store.ts";

/** The label of the key derived for sign-in locks (no other use may take it). */
export const LOCK_KEYS_LABEL = "sign-in-lock-keys";

/** The lock keys of one deployment. */
export interface LockKeys {
  /** The lock key of an account, by its email (normalised: case and spaces do not matter). */
  account(email: string): string;
  /** The lock key of a client address, as the app saw it. */
  address(ip: string): string;
  /**
   * A digest that tells these keys apart from other ones (another secret, or none), without
   * revealing the secret: the app records it (lib/auth/lock_keys_fingerprint.ts) and
   * `deno task user` compares its own, so that it says when it cannot name the app's locks.
   */
  fingerprint: string;
}

/** Lock keys under the key derived from `secret` (`ANALYTICS_IP_SALT`); random without one. */
export function createLockKeys(secret: string | undefined): LockKeys {
  const key = deriveKey(secret, LOCK_KEYS_LABEL);
  return {
    account: (email) => keyedDigest(key, `account:${normalizeEmail(email)}`),
    address: (ip) => keyedDigest(key, `ip:${ip}`),
    fingerprint: keyedDigest(key, "fingerprint"),
  };
}
