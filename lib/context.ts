/**
 * The dependencies of an app instance, passed explicitly to every route
 * module (no globals). Built by `createApp` in lib/app.ts.
 */
import type { Clock } from "./clock.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/mod.ts";
import type { ModeService } from "./governance/service.ts";
import type { ReadinessCheck } from "./health/mod.ts";
import type { SecureDeps } from "./http/access.ts";
import type { Logger } from "./log/mod.ts";
import type { OutboundGuard } from "./net/mod.ts";
import type { RedisHandle } from "./redis/client.ts";
import type { AppMetrics } from "./telemetry/mod.ts";
import type { PageRenderer } from "./web/render.tsx";

/** Long-lived services of one app instance. */
export interface AppServices {
  db: Db;
  redis: RedisHandle | undefined;
  metrics: AppMetrics;
  net: OutboundGuard;
  mode: ModeService;
  readiness: ReadinessCheck[];
}

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
