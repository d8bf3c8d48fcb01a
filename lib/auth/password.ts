/**
 * Password hashing with scrypt (memory-hard), parameters stored with each
 * hash so they can be raised later without invalidating old hashes.
 * Format: `scrypt$<logN>$<r>$<p>$<salt b64>$<hash b64>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** OWASP's scrypt baseline (N=2^17, r=8, p=1 → 128 MiB per hash). */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFKC"),
      salt,
      KEY_LENGTH,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return [
    "scrypt",
    params.logN,
    params.r,
    params.p,
    salt.toString("base64"),
    key.toString("base64"),
  ].join("$");
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22) return undefined;
  return {
    params: { logN, r, p },
    salt: Buffer.from(parts[4]!, "base64"),
    key: Buffer.from(parts[5]!, "base64"),
  };
}

/** Verifies in constant time; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when a stored hash uses weaker parameters than `params` (rehash at next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  return parsed.params.logN < params.logN || parsed.params.r < params.r ||
    parsed.params.p < params.p;
}

/**
 * A verifier for unknown emails: the same work as a real verification, so the
 * response time does not reveal which accounts exist.
 */
export function createDummyVerifier(params: ScryptParams = DEFAULT_SCRYPT): () => Promise<void> {
  let dummy: Promise<string> | undefined;
  return async () => {
    dummy ??= hashPassword(crypto.randomUUID(), params);
    await verifyPassword("not-the-password", await dummy);
  };
}

export { passwordProblem } from "./account_rules.ts";
