/**
 * The `cursor` of GET /api/admin/users: where the next page of the accounts directory starts.
 * It holds the email of the last account answered (the directory's keyset: email order), so the
 * next page starts right after it even when that account was removed meanwhile (a cursor naming
 * an account id, as the /admin/users page's links do, loses its place then).
 *
 * An email must not go into a URL (proxies and access logs keep query strings), so the cursor is
 * the email sealed with AES-256-GCM under a key derived from the deployment's secret
 * (`ANALYTICS_IP_SALT`, label {@link DIRECTORY_CURSOR_LABEL}): opaque to whoever holds it, and one
 * that was cut short, edited or made up does not open (the API answers 400, never reads it).
 * The search the cursor was handed out for is bound to it (authenticated with it, not carried):
 * the cursor opens only with that search, so one sent back with another `q`, or with `q` added or
 * left out, does not continue under a search it was not made for. Every instance of a deployment
 * derives the same key, so a cursor from one is good on another; a new secret makes the cursors
 * handed out before it invalid (the client starts again). Without the secret (development only)
 * each process draws its own key. Pure: no I/O.
 */
import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { deriveKey } from "../derived_key.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

/** The label of the key derived for directory cursors (no other use may take it). */
export const DIRECTORY_CURSOR_LABEL = "user-directory-cursor";

/**
 * The longest cursor {@link DirectoryCursors.seal} makes: an email of 254 characters (the
 * database's bound) of 4 bytes each in UTF-8, with the IV and the tag, in base64url (1,392
 * characters). The search is bound as additional data, not sealed in, so it adds nothing: the
 * bound holds for the longest search too (100 characters, `DIRECTORY_SEARCH_MAX`).
 */
export const DIRECTORY_CURSOR_MAX = 1400;

const IV_BYTES = 12;
const TAG_BYTES = 16;
// Bound to the ciphertext: a cursor sealed for another use, another version or another search
// does not open. v2 added the search (v1 cursors, short-lived, no longer open: start again).
const AAD_PREFIX = "user-directory-cursor:v2\n";

function aad(search: string): Uint8Array {
  return new TextEncoder().encode(AAD_PREFIX + search);
}

/**
 * Cursors of one deployment. `search` is the search as the directory matches it
 * (`directorySearch(q)`: "" without one), the same at seal and open.
 */
export interface DirectoryCursors {
  /** A cursor for the page after the account with this email, good for this search only. */
  seal(email: string, search: string): string;
  /**
   * The email a cursor of ours for this search holds; undefined for anything else (cut short,
   * edited, forged, or handed out for another search).
   */
  open(cursor: string, search: string): string | undefined;
}

/** Cursors under the key derived from `secret` (`ANALYTICS_IP_SALT`); random without one. */
export function createDirectoryCursors(secret: string | undefined): DirectoryCursors {
  const key = deriveKey(secret, DIRECTORY_CURSOR_LABEL);
  return {
    seal(email, search) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aad(search));
      const sealed = Buffer.concat([
        iv,
        cipher.update(email, "utf8"),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return encodeBase64Url(new Uint8Array(sealed));
    },
    open(cursor, search) {
      if (cursor.length > DIRECTORY_CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
        return undefined;
      }
      try {
        const bytes = decodeBase64Url(cursor);
        if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
        const iv = bytes.subarray(0, IV_BYTES);
        const tag = bytes.subarray(bytes.length - TAG_BYTES);
        const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(aad(search));
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return new TextDecoder("utf-8", { fatal: true }).decode(plain);
      } catch {
        // Not base64url, or the tag does not match (another key, another search, edited): not
        // ours, or not for this search.
        return undefined;
      }
    },
  };
}
