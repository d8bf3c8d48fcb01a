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
 * - with no run of 8 or more decimal digits that reads, anywhere in it, as a birth date
 *   (YYYYMMDD, MMDDYYYY or DDMMYYYY, years 1900-2099), an SSN (SSA rules), a NANP phone number
 *   or a 13-19 digit Luhn number: hex letters appended to one (`4155550132abcdef`,
 *   `19550302abcdef01`, `4111111111111111abcd`) do not make it random;
 * - and only when the PHI scanner finds nothing in it.
 *
 * Ids of decimal digits only (epoch milliseconds, snowflake ids) are not adopted: `4155550132000`
 * and `19550302000000` have the same shape, and telling a current timestamp apart would need the
 * app's clock here. Anything else gets a fresh UUID; the client still correlates by the id it is
 * given back. About 13% of random 32-hex ids have a decimal run that reads so (nearly every run
 * of 9 or more digits passes the SSN rules) and get a fresh UUID too; refusing every run of 8 or
 * more would refuse about 22%.
 */
import { luhnValid, ssnIssuable } from "../phi/checksums.ts";
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
 * acceptedRequestId("4155550132abcdef"); // undefined (a phone number inside)
 */
export function acceptedRequestId(incoming: string | undefined): string | undefined {
  if (incoming === undefined || !REQUEST_ID.test(incoming)) return undefined;
  if ((incoming.match(DECIMAL_RUN) ?? []).some(readsAsPhi)) return undefined;
  return scan(incoming).found ? undefined : incoming;
}

/** Runs of decimal digits long enough to hold a birth date. */
const DECIMAL_RUN = /[0-9]{8,}/g;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function calendarDate(year: number, month: number, day: number): boolean {
  if (year < 1900 || year > 2099 || month < 1 || month > 12) return false;
  if (day < 1 || day > MONTH_DAYS[month - 1]!) return false;
  return month !== 2 || day < 29 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0));
}

/**
 * Whether some window of a decimal run is a birth date (YYYYMMDD, MMDDYYYY, DDMMYYYY), an SSN
 * (9 digits, SSA rules), a NANP phone number (10 digits, area and exchange 2-9xx) or a card
 * number (13-19 digits, Luhn).
 */
function readsAsPhi(run: string): boolean {
  const at = (i: number, n: number) => Number(run.slice(i, i + n));
  for (let i = 0; i + 8 <= run.length; i++) {
    if (calendarDate(at(i, 4), at(i + 4, 2), at(i + 6, 2))) return true;
    if (calendarDate(at(i + 4, 4), at(i, 2), at(i + 2, 2))) return true;
    if (calendarDate(at(i + 4, 4), at(i + 2, 2), at(i, 2))) return true;
  }
  for (let i = 0; i + 9 <= run.length; i++) {
    if (ssnIssuable(at(i, 3), at(i + 3, 2), at(i + 5, 4))) return true;
  }
  for (let i = 0; i + 10 <= run.length; i++) {
    if (run[i]! >= "2" && run[i + 3]! >= "2") return true;
  }
  for (let length = 13; length <= 19; length++) {
    for (let i = 0; i + length <= run.length; i++) if (luhnValid(run, i, i + length)) return true;
  }
  return false;
}
