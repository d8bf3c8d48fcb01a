/**
 * The analytics service: consent-gated batch ingestion (rules → hashing →
 * one insert per batch), server-originated events for other features, the
 * summary from roll-ups, erasure of a user's events, and retention cleanup.
 */
import type { AuditActor, AuditLog } from "../audit/mod.ts";
import type { Clock } from "../clock.ts";
import type { Mode } from "../config.ts";
import {
  ConsentRequiredError,
  ModeStandbyError,
  NotFoundError,
  ValidationError,
} from "../errors/mod.ts";
import { MODE_POLICY } from "../governance/policy.ts";
import type { Logger } from "../log/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import type { IncomingEvent, IngestResult, ServerEventOutcome } from "./analytics.ts";
import {
  BEFORE_ERASURE_MESSAGE,
  BEFORE_ERASURE_REASON,
  ERASE_AUDIT_ACTION,
  TS_IN_FUTURE_MESSAGE,
  TS_IN_FUTURE_REASON,
  tsTooFarAhead,
} from "./erasure.ts";
import { createIpHasher, utcDay } from "./ip_hash.ts";
import { judgeEvent, PHI_SCANNER, REJECT_MESSAGES, type Scanner } from "./rules.ts";
import type { AnalyticsStore, DayRange, EventRow, RedactionDetails } from "./store.ts";
import {
  type AnalyticsSummary,
  dailySeries,
  type GroupBy,
  summarizeTimings,
  totalsOf,
} from "./summary.ts";
import { reduceUserAgent } from "./user_agent.ts";

/** Stored in place of properties in which the scanner found PHI. */
export const REDACTED_PROPERTIES = Object.freeze({ phi_redacted: true });

/**
 * The per-event rejection reason when consent was withdrawn after the batch's consent check
 * but before its rows were written: none of them is stored.
 */
export const CONSENT_WITHDRAWN_REASON = "CONSENT_REQUIRED";
const CONSENT_WITHDRAWN_MESSAGE = "Analytics consent was withdrawn before the event was stored";

/** One browser batch with what the request says about its sender. */
export interface IngestBatch {
  userId: string;
  sessionId: string | null;
  events: IncomingEvent[];
  /** The client IP (hashed before storage; "unknown" in-process). */
  ip: string;
  userAgent: string | undefined;
  /** `Sec-GPC: 1` on the request. */
  gpc: boolean;
  /** `X-Analytics-Consent: true` on the request. */
  consentHeader: boolean;
}

export interface ServerEvent {
  userId: string;
  eventName: string;
  properties?: Record<string, unknown>;
  researchId?: string;
}

export interface DashboardData extends AnalyticsSummary {
  daily: AnalyticsSummary["groups"];
  byEvent: AnalyticsSummary["groups"];
}

export interface CleanupResult {
  deleted: number;
  cutoff: string;
}

export interface AnalyticsService {
  /** Ingests a batch; throws CONSENT_REQUIRED without DB consent and the consent header. */
  ingest(request: IngestBatch): Promise<IngestResult>;
  /** Records an event originated by the server (e.g. experiment.assigned) if the user consented. */
  recordServerEvent(event: ServerEvent): Promise<ServerEventOutcome>;
  summary(
    query: { from?: string | undefined; to?: string | undefined; groupBy?: GroupBy | undefined },
  ): Promise<AnalyticsSummary>;
  /** The summary plus the daily series and top events, for the dashboard. */
  dashboard(query: { from?: string | undefined; to?: string | undefined }): Promise<DashboardData>;
  /**
   * Deletes every analytics event of a user and the governance-log rows of the user's redacted
   * events (audited, with the moment `erasedAt`, from which the erasure rule refuses the
   * erased events if they are sent again); returns how many events; NOT_FOUND without the account.
   */
  eraseUser(userId: string, actor: AuditActor, requestId?: string): Promise<number>;
  /**
   * Deletes events older than the retention period, in batches, and the governance-log rows of
   * redacted events as old: each batch that deleted something commits with its own audit entry.
   */
  cleanup(): Promise<CleanupResult>;
}

export interface AnalyticsServiceDeps {
  store: AnalyticsStore;
  consent: {
    analytics(
      userId: string,
      options: { gpc: boolean },
    ): Promise<{ effective: boolean; grantedAt?: string | null }>;
    hasAnalyticsConsent(userId: string): Promise<boolean>;
  };
  audit: AuditLog;
  clock: Clock;
  mode: () => Mode;
  metrics: AppMetrics;
  logger: Logger;
  config: { ipSalt: string | undefined; emit: boolean; retentionDays: number };
  scanner?: Scanner;
  /** Events deleted per retention statement (default 5000). */
  cleanupBatch?: number;
  newId?: () => string;
}

const DAY_MS = 86_400_000;
/** Widest summary range, in days. */
export const MAX_RANGE_DAYS = 400;

/** Creates the service. */
export function createAnalyticsService(deps: AnalyticsServiceDeps): AnalyticsService {
  const { store, clock, metrics } = deps;
  const scanner = deps.scanner ?? PHI_SCANNER;
  const hasher = createIpHasher(deps.config.ipSalt);
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const count = (result: string, n: number) => {
    if (n > 0) metrics.analyticsEvents.inc({ result }, n);
  };

  function storedMode(): "DEMO" | "LIVE" {
    const mode = MODE_POLICY[deps.mode()].analyticsMode;
    if (mode === null) {
      throw new ModeStandbyError("The platform is in STANDBY mode; ingestion is paused");
    }
    return mode;
  }

  function rangeOf(query: { from?: string | undefined; to?: string | undefined }): DayRange {
    const to = query.to ?? utcDay(clock.now());
    const from = query.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS);
    const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;
    if (span < 0) {
      throw new ValidationError("The range is invalid", [
        { path: "$.from", message: "Must not be after to" },
      ]);
    }
    if (span >= MAX_RANGE_DAYS) {
      throw new ValidationError("The range is too wide", [
        { path: "$.from", message: `The range may span at most ${MAX_RANGE_DAYS} days` },
      ]);
    }
    return { from, to };
  }

  async function summary(
    query: { from?: string | undefined; to?: string | undefined; groupBy?: GroupBy | undefined },
  ): Promise<AnalyticsSummary> {
    const range = rangeOf(query);
    const groupBy = query.groupBy ?? "event";
    const [groups, distinctUsers, timings, exposures] = await Promise.all([
      store.counts(range, groupBy),
      store.distinctUsers(range),
      store.timings(range),
      store.exposures(range),
    ]);
    return {
      ...range,
      groupBy,
      totals: { ...totalsOf(groups), distinctUsers },
      groups,
      timings: summarizeTimings(timings),
      exposures,
    };
  }

  return {
    async ingest(request) {
      if (!request.consentHeader) throw new ConsentRequiredError();
      const consent = await deps.consent.analytics(request.userId, { gpc: request.gpc });
      if (!consent.effective) throw new ConsentRequiredError();
      const result: IngestResult = {
        accepted: 0,
        rejected: 0,
        duplicates: 0,
        redacted: 0,
        dropped: 0,
        rejections: [],
      };
      if (!deps.config.emit) {
        result.dropped = request.events.length;
        count("dropped", result.dropped);
        return result;
      }
      const mode = storedMode();
      const nowMs = clock.now();
      const createdAt = new Date(nowMs);
      const [ipHash] = await Promise.all([hasher.hash(request.ip, nowMs)]);
      const userAgent = reduceUserAgent(request.userAgent);
      const rows: EventRow[] = [];
      const indexes: number[] = [];
      const redactions: RedactionDetails[] = [];
      // Ids of events kept for storage: a rejected event does not use up its id in the batch.
      const seen = new Set<string>();
      request.events.forEach((event, index) => {
        const eventId = event.eventId.toLowerCase();
        if (seen.has(eventId)) {
          result.duplicates++;
          return;
        }
        // A ts further ahead than the tolerated skew is refused, so every stored event's ts is
        // bounded by the server clock: what the erasure rule relies on (erasure.ts).
        if (tsTooFarAhead(event.ts, nowMs)) {
          result.rejected++;
          result.rejections.push({
            index,
            eventId,
            reason: TS_IN_FUTURE_REASON,
            message: TS_IN_FUTURE_MESSAGE,
          });
          return;
        }
        const verdict = judgeEvent(event, scanner, "client");
        if (verdict.outcome === "rejected") {
          result.rejected++;
          result.rejections.push({
            index,
            eventId,
            reason: verdict.reason,
            message: REJECT_MESSAGES[verdict.reason],
          });
          return;
        }
        seen.add(eventId);
        const redacted = verdict.outcome === "redacted";
        if (redacted) {
          redactions.push({ eventId, eventName: event.eventName, findings: verdict.findings });
        }
        indexes.push(index);
        rows.push({
          eventId,
          eventName: event.eventName,
          userId: request.userId,
          sessionId: request.sessionId,
          researchId: redacted ? null : verdict.researchId,
          mode,
          properties: redacted ? { ...REDACTED_PROPERTIES } : verdict.properties,
          phiRedacted: redacted,
          ipHash,
          userAgent,
          clientTs: event.ts ? new Date(event.ts) : null,
          createdAt,
        });
      });
      const { consented, inserted, beforeErasure } = await store.insertBatch(rows, redactions, {
        userId: request.userId,
        gpc: request.gpc,
        origin: "client",
        // Stored only under the grant checked above: not under a new one recorded after a
        // withdrawal that came meanwhile (the batch was sent under the consent that ended).
        grantedAt: consent.grantedAt ? new Date(consent.grantedAt) : null,
      });
      if (!consented) {
        // Withdrawn since the check above: nothing was stored; each event says why.
        rows.forEach((row, i) => {
          result.rejections.push({
            index: indexes[i]!,
            eventId: row.eventId,
            reason: CONSENT_WITHDRAWN_REASON,
            message: CONSENT_WITHDRAWN_MESSAGE,
          });
        });
        result.rejected += rows.length;
      }
      rows.forEach((row, i) => {
        if (!consented || !beforeErasure.has(row.eventId)) return;
        // Sent again after the user's analytics were erased (a retry or a replay), or not
        // shown to be newer than the erasure: storing it would undo the erasure.
        result.rejected++;
        result.rejections.push({
          index: indexes[i]!,
          eventId: row.eventId,
          reason: BEFORE_ERASURE_REASON,
          message: BEFORE_ERASURE_MESSAGE,
        });
      });
      result.rejections.sort((x, y) => x.index - y.index);
      for (const row of consented ? rows : []) {
        if (beforeErasure.has(row.eventId)) continue;
        if (!inserted.has(row.eventId)) {
          result.duplicates++;
          continue;
        }
        result.accepted++;
        if (row.phiRedacted) result.redacted++;
      }
      count("accepted", result.accepted);
      count("rejected", result.rejected);
      count("duplicate", result.duplicates);
      count("redacted", result.redacted);
      if (result.redacted > 0) {
        metrics.phiDetections.inc({ source: "analytics" }, result.redacted);
      }
      return result;
    },

    async recordServerEvent(event) {
      if (!await deps.consent.hasAnalyticsConsent(event.userId)) return "no_consent";
      if (!deps.config.emit) {
        count("dropped", 1);
        return "dropped";
      }
      const analyticsMode = MODE_POLICY[deps.mode()].analyticsMode;
      if (analyticsMode === null) {
        count("dropped", 1);
        return "dropped";
      }
      const verdict = judgeEvent(
        {
          eventName: event.eventName,
          properties: event.properties,
          ...(event.researchId !== undefined ? { researchId: event.researchId } : {}),
        },
        scanner,
        "server",
      );
      if (verdict.outcome === "rejected") {
        count("rejected", 1);
        deps.logger.warn("server analytics event rejected", {
          eventName: event.eventName,
          reason: verdict.reason,
        });
        return "rejected";
      }
      const eventId = newId();
      const redacted = verdict.outcome === "redacted";
      const { consented, inserted, beforeErasure } = await store.insertBatch(
        [{
          eventId,
          eventName: event.eventName,
          userId: event.userId,
          sessionId: null,
          researchId: redacted ? null : verdict.researchId,
          mode: analyticsMode,
          properties: redacted ? { ...REDACTED_PROPERTIES } : verdict.properties,
          phiRedacted: redacted,
          ipHash: null,
          userAgent: null,
          clientTs: null,
          createdAt: new Date(clock.now()),
        }],
        redacted ? [{ eventId, eventName: event.eventName, findings: verdict.findings }] : [],
        { userId: event.userId, gpc: false, origin: "server" },
      );
      // Withdrawn between the check above and the insert: nothing was stored.
      if (!consented) return "no_consent";
      // Made before an erasure that committed meanwhile: it goes with the erased events.
      if (beforeErasure.has(eventId)) {
        count("dropped", 1);
        return "dropped";
      }
      if (!inserted.has(eventId)) {
        count("duplicate", 1);
        return "duplicate";
      }
      count("accepted", 1);
      if (redacted) {
        count("redacted", 1);
        metrics.phiDetections.inc({ source: "analytics" });
        return "redacted";
      }
      return "accepted";
    },

    summary,

    async dashboard(query) {
      const base = await summary({ ...query, groupBy: "event" });
      const range = { from: base.from, to: base.to };
      const daily = dailySeries(range, await store.counts(range, "day"));
      return { ...base, daily, byEvent: base.groups };
    },

    async eraseUser(userId, actor, requestId) {
      if (!await store.userExists(userId)) throw new NotFoundError("No such account");
      // The deletion and its audit entry commit together, under the user's ingestion lock.
      return await store.transaction(async (tx) => {
        const deleted = await tx.eraseUser(userId);
        // The moment the erasure rule (erasure.ts) reads back: taken once the user's ingestion
        // lock is held and the events are gone, so every erased event was stored before it.
        const erasedAt = new Date(clock.now()).toISOString();
        await deps.audit.record({
          actor,
          action: ERASE_AUDIT_ACTION,
          target: { type: "user", id: userId },
          after: { deletedEvents: deleted, erasedAt },
          ...(requestId ? { requestId } : {}),
        }, tx.tx);
        return deleted;
      });
    },

    async cleanup() {
      // Whole UTC days: events and the daily roll-ups leave on the same boundary.
      const cutoffDay = utcDay(clock.now() - deps.config.retentionDays * DAY_MS);
      const cutoff = new Date(`${cutoffDay}T00:00:00Z`);
      const batch = deps.cleanupBatch ?? 5000;
      let deleted = 0;
      // Each batch is deleted with its audit entry in one transaction (a run that fits in one
      // batch, the usual hourly one, has one entry): what committed is audited, and a failed
      // entry leaves the batch in place for the next run.
      for (let round = 0; round < 10_000; round++) {
        const n = await store.transaction(async (tx) => {
          const n = await tx.deleteOlderThan(cutoff, batch);
          // The governance-log rows of redacted events name the user: they leave on the same
          // boundary, with the first batch (they are few: one per redacted event).
          const records = round === 0 ? await tx.deleteRedactionRecordsOlderThan(cutoff) : 0;
          if (n > 0 || records > 0) {
            await deps.audit.record({
              actor: { type: "system" },
              action: "analytics.retention_cleanup",
              target: { type: "analytics_events" },
              // `cutoffAt` (a technical key: the audit scrubber keeps the instant; a bare
              // `cutoff` date would be redacted as a date).
              after: {
                deletedEvents: n,
                ...(records > 0 ? { deletedRedactionRecords: records } : {}),
                cutoffAt: cutoff.toISOString(),
                retentionDays: deps.config.retentionDays,
              },
            }, tx.tx);
          }
          return n;
        });
        deleted += n;
        if (n < batch) break;
      }
      await store.pruneRollups(cutoffDay);
      if (deleted > 0) {
        deps.logger.info("analytics retention cleanup", {
          deleted,
          cutoffAt: cutoff.toISOString(),
        });
      }
      return { deleted, cutoff: cutoffDay };
    },
  };
}
