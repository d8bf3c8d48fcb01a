/** The realtime feature: the event bus (in-process or Redis Streams) and its contract. */
export * from "./types.ts";
export { createIdGenerator, isEventId, maxEventId } from "./ids.ts";
export { EventHistory, topicMatches } from "./history.ts";
export { olderEvent, UnappliedEvents } from "./applied.ts";
export {
  EventRefusedError,
  PAYLOAD_STRING,
  payloadRefusal,
  type RefusalReason,
} from "./payload_guard.ts";
export type { BusDeps } from "./local.ts";
export { createMemoryBus, type MemoryBus } from "./memory_bus.ts";
export {
  createRedisBus,
  DEFAULT_STREAM_KEY,
  FOREIGN_WARN_INTERVAL_MS,
  type ReaderState,
  type RedisBus,
  type RedisBusOptions,
} from "./redis_bus.ts";
export { createEventBus } from "./bus.ts";
export {
  DEPLOYMENT_CONFIG_KEY,
  deploymentTag,
  loadDeploymentId,
  readDeploymentId,
  renewDeploymentId,
} from "./deployment.ts";
export {
  type CapRefusal,
  type CloseReason,
  formatSseComment,
  formatSseEvent,
  formatSseRetry,
  SseHub,
  type SseHubOptions,
  SseSession,
  type SseSessionOptions,
  systemTimers,
  type Timers,
} from "./sse.ts";
export { type SseMessage, SseParser } from "./sse_parse.ts";
export {
  type CredentialNews,
  type CredentialWatcher,
  type EventStreamDeps,
  type EventStreamRequest,
  openEventStream,
} from "./stream.ts";
