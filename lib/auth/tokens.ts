/** Random bearer secrets (sessions, API tokens, CSRF) and their stored hashes. */
import { encodeBase64Url } from "./base64url.ts";

/** A new 256-bit random secret, base64url, with an optional recognisable prefix. */
export function randomSecret(prefix = ""): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return prefix + encodeBase64Url(bytes);
}

/** Hex SHA-256 of a secret; what the database stores instead of the secret. */
export async function hashSecret(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The CSRF token of a session: derived from the session secret (one-way), so it
 * needs no storage and leaking it does not leak the session.
 */
export async function csrfTokenFor(sessionSecret: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`csrf:${sessionSecret}`),
  );
  return encodeBase64Url(new Uint8Array(digest));
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** API tokens start with this prefix so secret scanners can recognise leaked ones. */
export const API_TOKEN_PREFIX = "rfg_";
