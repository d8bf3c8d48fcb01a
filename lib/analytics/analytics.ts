/**
 * Analytics request and response schemas (zod, shared by the API and its
 * OpenAPI document) and the outcome types of ingestion.
 */
import { z } from "@hono/zod-openapi";
import { MAX_BATCH } from "./allowlist.ts";
import type { RejectReason } from "./rules.ts";
import { GROUP_BY } from "./summary.ts";
import { CalendarDay, StorableInstant } from "../validation/dates.ts";

export const IncomingEvent = z.object({
  eventId: z.uuid().openapi({ description: "Client-generated UUID; a retry reuses it" }),
  eventName: z.string().min(1).max(120).openapi({ example: "ui.page_view" }),
  ts: StorableInstant.optional().openapi({
    description: "When the event happened on the client (ISO 8601, years 0001-9999 UTC)",
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
  reason: z.string().openapi({ example: "EVENT_NOT_ALLOWED" }),
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

const Day = CalendarDay;

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
    exposures: z.number(),
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
