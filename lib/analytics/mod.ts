/** Product analytics: the public surface. */
export * from "./allowlist.ts";
export * from "./analytics.ts";
export * from "./erasure.ts";
export {
  checkShape,
  type EventVerdict,
  judgeEvent,
  PHI_SCANNER,
  REJECT_MESSAGES,
  type Scanner,
  serializedBytes,
} from "./rules.ts";
export {
  type AnalyticsService,
  type AnalyticsServiceDeps,
  type CleanupResult,
  createAnalyticsService,
  type DashboardData,
  type IngestBatch,
  MAX_RANGE_DAYS,
  REDACTED_PROPERTIES,
  type ServerEvent,
} from "./service.ts";
export { type AnalyticsStore, createAnalyticsStore, type DayRange } from "./store.ts";
export * from "./summary.ts";
export { bucketValue, quantile, timingBucket } from "./timing.ts";
export { createIpHasher, utcDay } from "./ip_hash.ts";
export { reduceUserAgent } from "./user_agent.ts";
