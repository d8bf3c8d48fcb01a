/**
 * Summary assembly from roll-up rows (pure): groups, totals, p50/p95 of the
 * timing properties, exposures per variant, and a zero-filled daily series.
 */
import type { CountRow, DayRange, ExposureRow, TimingRow } from "./store.ts";
import { quantile } from "./timing.ts";

export const GROUP_BY = ["event", "day", "mode"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface TimingSummary {
  eventName: string;
  property: string;
  samples: number;
  p50: number | null;
  p95: number | null;
}

export interface AnalyticsSummary {
  from: string;
  to: string;
  groupBy: GroupBy;
  totals: { events: number; redacted: number; distinctUsers: number };
  groups: CountRow[];
  timings: TimingSummary[];
  exposures: ExposureRow[];
}

/** p50/p95 per event and timing property from histogram rows. */
export function summarizeTimings(rows: readonly TimingRow[]): TimingSummary[] {
  const histograms = new Map<
    string,
    { eventName: string; property: string; h: Map<number, number> }
  >();
  for (const row of rows) {
    const key = `${row.eventName}\u0000${row.property}`;
    let entry = histograms.get(key);
    if (!entry) {
      entry = { eventName: row.eventName, property: row.property, h: new Map() };
      histograms.set(key, entry);
    }
    entry.h.set(row.bucket, (entry.h.get(row.bucket) ?? 0) + row.samples);
  }
  return [...histograms.values()].map(({ eventName, property, h }) => ({
    eventName,
    property,
    samples: [...h.values()].reduce((a, b) => a + b, 0),
    p50: quantile(h, 0.5),
    p95: quantile(h, 0.95),
  })).sort((a, b) =>
    a.eventName.localeCompare(b.eventName) || a.property.localeCompare(b.property)
  );
}

/** Sums of a set of count rows. */
export function totalsOf(rows: readonly CountRow[]): { events: number; redacted: number } {
  let events = 0;
  let redacted = 0;
  for (const row of rows) {
    events += row.events;
    redacted += row.redacted;
  }
  return { events, redacted };
}

/** Every day of a range, in order. */
export function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Daily counts with a zero for each day that had no events. */
export function dailySeries(range: DayRange, rows: readonly CountRow[]): CountRow[] {
  const byDay = new Map(rows.map((row) => [row.key, row]));
  return daysOf(range).map((day) => byDay.get(day) ?? { key: day, events: 0, redacted: 0 });
}
