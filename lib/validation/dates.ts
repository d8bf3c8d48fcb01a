/**
 * Dates a client sends, bounded to what every layer stores and prints alike: instants from
 * 0001-01-01 to 9999-12-31 UTC (Postgres has no year 0, and past year 9999 a JS Date prints
 * as "+010000-…", which Postgres refuses), calendar days from 1900 on. Outside them a value
 * is bad input (400), not a database error (500).
 */
import { z } from "zod";

const EARLIEST_MS = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_MS = Date.parse("9999-12-31T23:59:59.999Z");

/** True when `ms` (epoch milliseconds) lies in the storable range. */
export function isStorableInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= LATEST_MS;
}

/** An ISO 8601 date-time with an offset, between 0001-01-01 and 9999-12-31 UTC. */
export const StorableInstant = z.iso.datetime({
  offset: true,
  error: "Must be an ISO 8601 date-time with a time zone, such as 2026-11-22T14:03:00Z",
}).refine(
  (value) => isStorableInstant(Date.parse(value)),
  {
    message: "Must be between 0001-01-01 and 9999-12-31 (UTC)",
    // One message for one bad value: the range is checked only on a well-formed date-time.
    when: (payload) => payload.issues.length === 0,
  },
);

/** A calendar day `YYYY-MM-DD` (UTC), from 1900-01-01 to 9999-12-31. */
export const CalendarDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, {
  error: "Must be a calendar date YYYY-MM-DD from 1900 on",
}).refine(
  (value) => {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value) && value >= "1900";
  },
  {
    message: "Must be a calendar date YYYY-MM-DD from 1900 on",
    when: (payload) => payload.issues.length === 0,
  },
);
