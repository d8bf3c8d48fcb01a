/**
 * Which client-sent `X-Request-ID` the app adopts. The id is echoed in the response header and
 * problem bodies, written on every log line and stored in the audit log, which cannot be purged:
 * so only an opaque id is taken, the shapes proxies and tracers generate — a UUID, 16 to 64 hex
 * digits (nginx's `$request_id`, a W3C trace id), 13 to 20 digits (epoch milliseconds, snowflake
 * ids) — after an optional short prefix (`req-`, `trace:`), and only when the PHI scanner finds
 * nothing in it (a card number is 16 digits). Anything else gets a fresh UUID (the client still
 * correlates by the id it is given back): a free-text id such as `marisol.quintanilla.19580719`
 * or `job-MRN-77342291` passes every scanner rule, and would have been kept for good.
 */
import { scan } from "../phi/mod.ts";

const REQUEST_ID = new RegExp(
  "^(?:[a-z][a-z0-9]{0,15}[-_:])?(?:" +
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64}|[0-9]{13,20})$",
  "i",
);

/**
 * `incoming` when the app may adopt it, else undefined.
 *
 * @example
 * acceptedRequestId("4bf92f3577b34da6a3ce929d0e0e4736"); // "4bf92f3577b34da6a3ce929d0e0e4736"
 * acceptedRequestId("req-6f1c2a7e-3d4b-4c5a-9e8f-0a1b2c3d4e5f"); // kept
 * acceptedRequestId("marisol.quintanilla.19580719"); // undefined (free text)
 * acceptedRequestId("4111111111111111"); // undefined (a card number)
 */
export function acceptedRequestId(incoming: string | undefined): string | undefined {
  if (incoming === undefined || !REQUEST_ID.test(incoming)) return undefined;
  return scan(incoming).found ? undefined : incoming;
}
