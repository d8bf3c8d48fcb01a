/**
 * The dependencies of an app instance, passed explicitly to every route
 * module (no globals). Built by `createApp` in lib/app.ts.
 */
import type { AnalyticsService } from "./analytics/service.ts";
import type { AuditLog } from "./audit/audit.ts";
import type { AuthService } from "./auth/service.ts";
import type { Role } from "./auth/principal.ts";
import type { Clock } from "./clock.ts";
import type { AppEnv, Config, Mode } from "./config.ts";
import type { ConsentService } from "./consent/service.ts";
import type { Db } from "./db/mod.ts";
import type { ExperimentService } from "./experiments/service.ts";
import type { FlagService } from "./flags/service.ts";
import type { ModeService } from "./governance/service.ts";
import type { JobService } from "./jobs/service.ts";
import type { ReadinessCheck } from "./health/mod.ts";
import type { SecureDeps } from "./http/access.ts";
import type { WindowCounter } from "./http/rate_window.ts";
import type { Logger } from "./log/mod.ts";
import type { OutboundGuard } from "./net/mod.ts";
import type { SseHub } from "./realtime/sse.ts";
import type { EventBus } from "./realtime/types.ts";
import type { RedisHandle } from "./redis/client.ts";
import type { ErrorReporter } from "./sentry/reporter.ts";
import type { AppMetrics } from "./telemetry/mod.ts";
import type { PageRenderer } from "./web/render.tsx";

/** One flag as shown to signed-in users (governance state, SSE hello, pages). */
export interface FlagMetaView {
  key: string;
  enabled: boolean;
  description: string | null;
  scope: "product" | "governance";
  rolloutPercent: number;
  requiredModes: Mode[];
  targetEnvironments: AppEnv[];
  /** The `FEATURE_<KEY>` override in force, or null. */
  override: boolean | null;
  /** The stored flag's version: pages order what they hear by it. */
  version: number;
}

/** Who flags are evaluated for. */
export interface FlagSubject {
  userId?: string;
  sessionId?: string;
  role?: Role;
}

/** Evaluated flags for a subject, from the in-process snapshot (no database round trip). */
export interface FlagStateProvider {
  stateFor(subject: FlagSubject): { flags: Record<string, boolean>; flagsMeta: FlagMetaView[] };
}

/** Long-lived services of one app instance. */
export interface AppServices {
  db: Db;
  redis: RedisHandle | undefined;
  metrics: AppMetrics;
  net: OutboundGuard;
  mode: ModeService;
  readiness: ReadinessCheck[];
  /** The event bus (in-process, or across instances through Redis Streams). */
  bus: EventBus;
  /** The append-only audit log. */
  audit: AuditLog;
  /** Unexpected errors → Sentry (scrubbed; a no-op without SENTRY_DSN). */
  errors: ErrorReporter;
  /** Request counts for the rate limits (shared through Redis when it is configured). */
  rateCounter: WindowCounter;
  /** Open server-sent event streams of this instance (caps, shutdown). */
  sse: SseHub;
  /** Job status callbacks and job reads. */
  jobs: JobService;
  /** Accounts, sessions, API tokens and sign-in. */
  auth: AuthService;
  /** Feature flags: evaluation from the in-process snapshot (a {@link FlagStateProvider}) and admin. */
  flags: FlagService;
  /** A/B experiments: assignment, admin, sample-ratio checks. */
  experiments: ExperimentService;
  /** Consent per user and type; `hasAnalyticsConsent(userId)` for server-side checks. */
  consent: ConsentService;
  /** Consent-gated product analytics; `recordServerEvent()` for server-originated events. */
  analytics: AnalyticsService;
}

/** A flag state provider with no flags (the default until a flag service replaces it). */
export const NO_FLAGS: FlagStateProvider = {
  stateFor: () => ({ flags: {}, flagsMeta: [] }),
};

/** What a route module receives. */
export interface RouteContext {
  config: Config;
  logger: Logger;
  clock: Clock;
  services: AppServices;
  /** Access statements → middleware (and the route registry). */
  access: SecureDeps;
  pages: PageRenderer;
  /** Milliseconds since the epoch when the app was created (for uptime). */
  startedAt: number;
}
