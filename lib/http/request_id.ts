/**
 * Which client-sent `X-Request-ID` the app adopts. The id is echoed in the response header and
 * problem bodies, written on every log line (`requestId` is a safe log key, never scanned) and
 * stored in the audit log, which cannot be purged: so only the random ids proxies and tracers
 * generate are taken —
 *
 * - a UUID (Envoy, Heroku, most frameworks), or 16 to 64 hex digits (nginx's `$request_id`, a
 *   W3C trace id or span id), with at least one of the letters a-f in it: a run of decimal
 *   digits padded to that length (`4155550132000000`) is a phone number, not a random id;
 * - after an optional tracer prefix from a short list (`req-`, `trace:`, `span_`, …), never any
 *   other word: a prefix of free letters takes a surname (`zarkowski-<hex>`), one with digits
 *   takes a record number, an SSN, a birth date or a phone (`mrn7741293-<hex>`);
 * - and only when the PHI scanner finds nothing in it (a card number is 16 digits).
 *
 * Ids of decimal digits only (epoch milliseconds, snowflake ids) are not adopted: `4155550132000`
 * and `19550302000000` have the same shape, and telling a current timestamp apart would need the
 * app's clock here. Anything else gets a fresh UUID; the client still correlates by the id it is
 * given back. A hex id can still hold a short decimal run, as random ones do; the scanner is
 * the check on those.
 */
import { scan } from "../phi/mod.ts";

/** Prefixes tracers and proxies put before a generated id. */
const PREFIXES = ["req", "request", "rid", "trace", "span", "corr", "correlation", "txn"];

const REQUEST_ID = new RegExp(
  `^(?:(?:${PREFIXES.join("|")})[-_:])?(?=[0-9a-f-]*[a-f])(?:` +
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64})$",
  "i",
);

/**
 * `incoming` when the app may adopt it, else undefined.
 *
 * @example
 * acceptedRequestId("4bf92f3577b34da6a3ce929d0e0e4736"); // "4bf92f3577b34da6a3ce929d0e0e4736"
 * acceptedRequestId("req-6f1c2a7e-3d4b-4c5a-9e8f-0a1b2c3d4e5f"); // kept
 * acceptedRequestId("mrn7741293-0123456789abcdef"); // undefined (not a tracer prefix)
 * acceptedRequestId("4155550132000"); // undefined (decimal digits only)
 * acceptedRequestId("4111111111111111"); // undefined (decimal digits only; a card number)
 */
export function acceptedRequestId(incoming: string | undefined): string | undefined {
  if (incoming === undefined || !REQUEST_ID.test(incoming)) return undefined;
  return scan(incoming).found ? undefined : incoming;
}
