/**
 * Which client-sent `X-Request-ID` the app adopts. The id is echoed in the response header and
 * problem bodies, written on every log line and stored in the audit log, so only a
 * well-formed id in which the PHI scanner finds nothing is taken; anything else gets a fresh
 * one (the client still correlates by the id it is given back).
 */
import { scan } from "../phi/mod.ts";

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * `incoming` when the app may adopt it, else undefined.
 *
 * @example
 * acceptedRequestId("4bf92f3577b34da6a3ce929d0e0e4736"); // "4bf92f3577b34da6a3ce929d0e0e4736"
 * acceptedRequestId("415-555-0132"); // undefined (a phone number)
 */
export function acceptedRequestId(incoming: string | undefined): string | undefined {
  if (incoming === undefined || !REQUEST_ID.test(incoming)) return undefined;
  return scan(incoming).found ? undefined : incoming;
}
