/**
 * Key-based redaction for log records: any value under a key that names a
 * secret or a personal identifier is replaced whole, subtrees included.
 * Pure; the PHI scanner's value-level redaction is layered on top in main.ts.
 */

const SENSITIVE_WORDS = new Set([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "token",
  "secret",
  "authorization",
  "auth",
  "cookie",
  "cookies",
  "session",
  "apikey",
  "ssn",
  "dob",
  "birthdate",
  "birthday",
  "email",
  "mail",
  "phone",
  "mobile",
  "fax",
  "name",
  "firstname",
  "lastname",
  "surname",
  "address",
  "street",
  "zip",
  "zipcode",
  "postal",
  "postcode",
  "mrn",
  "ip",
  "body",
  "query",
  "dsn",
]);

/** Keys that contain a sensitive word but name technical, non-personal values. */
const TECHNICAL_KEYS = new Set([
  "eventname",
  "flagname",
  "routename",
  "providername",
  "tablename",
  "taskname",
  "hostname",
  "sessioncount",
  "tokencount",
]);

/** Splits `firstName`, `first_name`, `first-name` into lower-case words. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** True when a value under this key must never be logged. */
export function isSensitiveLogKey(key: string): boolean {
  const words = keyWords(key);
  const joined = words.join("");
  if (TECHNICAL_KEYS.has(joined)) return false;
  if (SENSITIVE_WORDS.has(joined)) return true;
  return words.some((word) => SENSITIVE_WORDS.has(word));
}

const MAX_DEPTH = 8;

/** Returns a copy of `value` with sensitive keys replaced by `[REDACTED]`. */
export function redactKeys(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[TRUNCATED]";
  if (Array.isArray(value)) return value.map((item) => redactKeys(item, depth + 1));
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = isSensitiveLogKey(key) ? "[REDACTED]" : redactKeys(child, depth + 1);
  }
  return out;
}
