/**
 * Analytics request and response schemas (zod, shared by the API and its
 * OpenAPI document) and the outcome types of ingestion.
 */
import { z } from "@hono/zod-openapi";
import { MAX_BATCH } from "./allowlist.ts";
import type { RejectReason } from "./rules.ts";
import { GROUP_BY } from "./summary.ts";
import { CalendarDay, isStorableInstant } from "../validation/dates.ts";

/** The rule of `ts`, as a refused event's message says it. */
export const TS_RULE = "ts must be an ISO 8601 date-time with seconds and a time zone (Z or " +
  "±hh:mm), such as 2026-11-22T14:03:00Z, in the years 0001 to 9999";

/**
 * An event's `ts`, with one message that states the rule whatever is wrong (the format, or a
 * year Postgres cannot store). `abort` stops at a bad format, so the range check does not add a
 * second message for the same cause; the range issue is a format issue, whose message the API's
 * validation hook passes on (a plain refine reads "Invalid value" there).
 */
const EventTs = z.iso.datetime({ offset: true, abort: true, error: TS_RULE }).superRefine(
  (value, ctx) => {
    if (!isStorableInstant(Date.parse(value))) {
      ctx.addIssue({ code: "invalid_format", format: "datetime", message: TS_RULE });
    }
  },
);

/** The rule of the summary's `from` and `to`. */
export const DAY_RULE = "Must be a calendar date YYYY-MM-DD from 1900 on, such as 2026-11-22";

/**
 * A summary day: lib/validation's CalendarDay, with one message that states the rule (that
 * schema answers a malformed day with the pattern and a second, rule-less "Invalid value").
 */
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { abort: true, error: DAY_RULE })
  .superRefine((value, ctx) => {
    if (!CalendarDay.safeParse(value).success) {
      ctx.addIssue({ code: "invalid_format", format: "date", message: DAY_RULE });
    }
  });

export const IncomingEvent = z.object({
  eventId: z.uuid().openapi({ description: "Client-generated UUID; a retry reuses it" }),
  eventName: z.string().min(1).max(120).openapi({ example: "ui.page_view" }),
  ts: EventTs.optional().openapi({
    description: "When the event happened on the client: an ISO 8601 date-time with seconds " +
      "and a time zone (Z or ±hh:mm), such as 2026-11-22T14:03:00Z, in the years 0001-9999",
  }),
  properties: z.record(z.string(), z.unknown()).optional().openapi({
    description: "Flat object: ≤ 32 snake_case keys; numbers, booleans or enum-like strings",
    example: { page: "settings_privacy", duration_ms: 120 },
  }),
  researchId: z.string().min(1).max(128).optional(),
}).strict().openapi("AnalyticsEvent");
export type IncomingEvent = z.infer<typeof IncomingEvent>;

export const IngestRequest = z.object({
  events: z.array(IncomingEvent).min(1).max(MAX_BATCH),
}).strict().openapi("AnalyticsBatch");

export const Rejection = z.object({
  index: z.number().int(),
  eventId: z.string(),
  reason: z.string().openapi({
    description:
      "A rule's code (EVENT_NOT_ALLOWED, ...), CONSENT_REQUIRED (withdrawn meanwhile), " +
      "TS_IN_FUTURE, or BEFORE_ERASURE (not shown to have happened after the user's erasure)",
    example: "EVENT_NOT_ALLOWED",
  }),
  message: z.string(),
});

export const IngestResponse = z.object({
  accepted: z.number().int().openapi({ description: "Stored, including redacted ones" }),
  rejected: z.number().int(),
  duplicates: z.number().int(),
  redacted: z.number().int().openapi({
    description: "Stored with properties replaced by {phi_redacted: true} (part of accepted)",
  }),
  dropped: z.number().int().openapi({ description: "Not processed: ANALYTICS_EMIT=off" }),
  rejections: z.array(Rejection),
}).openapi("AnalyticsIngestResult");
export type IngestResult = z.infer<typeof IngestResponse>;

export const SummaryQuery = z.object({
  from: Day.optional().openapi({ description: "First UTC day (default: 29 days before `to`)" }),
  to: Day.optional().openapi({ description: "Last UTC day, inclusive (default: today)" }),
  groupBy: z.enum(GROUP_BY).optional().openapi({ description: "Default: event" }),
}).strict();

const CountRowSchema = z.object({ key: z.string(), events: z.number(), redacted: z.number() });

export const SummaryResponse = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(GROUP_BY),
  totals: z.object({ events: z.number(), redacted: z.number(), distinctUsers: z.number() }),
  groups: z.array(CountRowSchema),
  timings: z.array(z.object({
    eventName: z.string(),
    property: z.string(),
    samples: z.number(),
    p50: z.number().nullable(),
    p95: z.number().nullable(),
  })),
  exposures: z.array(z.object({
    experimentKey: z.string(),
    variant: z.string(),
    exposures: z.number().openapi({
      description:
        "People first assigned to the variant: each person is counted once, in the variant first shown",
    }),
    movedIn: z.number().openapi({
      description:
        "People moved into the variant because theirs was switched off (weight 0) or removed, and already counted in the exposures of the variant they left; a person re-drawn with no recorded exposure (assigned before consenting, or erased since) counts in `exposures` here instead",
    }),
  })),
}).openapi("AnalyticsSummary");

/** Outcome of a server-originated event. */
export type ServerEventOutcome =
  | "accepted"
  | "redacted"
  | "duplicate"
  | "rejected"
  | "dropped"
  | "no_consent";

export type { RejectReason };
