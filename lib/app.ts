/**
 * `createApp(deps)`: builds the whole HTTP application from explicit
 * dependencies. No connection is opened here (main.ts owns connections), so
 * tests build an app in process and call `app.request(...)` with no port.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { h } from "preact";
import { ErrorPage, refusalWording } from "../components/ErrorPage.tsx";
import { adminApiRoutes } from "../routes/api/admin.ts";
import { auditApiRoutes } from "../routes/api/audit.ts";
import { authApiRoutes } from "../routes/api/auth.ts";
import { experimentsApiRoutes } from "../routes/api/experiments.ts";
import { flagsApiRoutes } from "../routes/api/flags.ts";
import { governanceApiRoutes } from "../routes/api/governance.ts";
import { healthRoutes } from "../routes/api/health.ts";
import { jobsApiRoutes } from "../routes/api/jobs.ts";
import { metricsRoutes } from "../routes/api/metrics.ts";
import { streamRoutes } from "../routes/api/stream.ts";
import { governancePageRoutes } from "../routes/governance.tsx";
import { jobsPageRoutes } from "../routes/jobs.tsx";
import { adminPageRoutes } from "../routes/admin.tsx";
import { experimentPageRoutes } from "../routes/experiments.tsx";
import { flagPageRoutes } from "../routes/flags.tsx";
import { authPageRoutes } from "../routes/login.tsx";
import { openApiRoutes } from "../routes/api/openapi.tsx";
import {
  ofrepCors,
  ofrepResponseShape,
  ofrepRoutes,
  withOfrepRequestBodies,
} from "../routes/api/ofrep.ts";
import { errorsApiRoutes } from "../routes/api/errors.ts";
import { homeRoutes } from "../routes/home.tsx";
import { statusRoutes } from "../routes/status.tsx";
import { analyticsApiRoutes } from "../routes/api/analytics.ts";
import { consentApiRoutes } from "../routes/api/consent.ts";
import { analyticsPageRoutes } from "../routes/analytics.tsx";
import { privacyPageRoutes } from "../routes/settings_privacy.tsx";
import { accountPageRoutes } from "../routes/settings_account.tsx";
import {
  type AnalyticsService,
  createAnalyticsService,
  createAnalyticsStore,
} from "./analytics/mod.ts";
import { createRecentErasures } from "./analytics/recent_erasure.ts";
import { consentContext, createConsentService, createConsentStore } from "./consent/mod.ts";
import { createAuditLog } from "./audit/audit.ts";
import { choresFirstRunDelayMs, createScheduler } from "./scheduler.ts";
import { drawFallbackSecret } from "./derived_key.ts";
import {
  BROWSER_REPORT_MAX_BYTES,
  createErrorReporter,
  type ErrorReporter,
  NOOP_ERROR_REPORTER,
  readIslandBundles,
} from "./sentry/mod.ts";
import {
  authenticate,
  createAuthService,
  createAuthStore,
  createLockKeys,
  csrfProtection,
  ipFilter,
  type KdfGate,
  rateLimit,
  recordLockKeysFingerprint,
  type ScryptParams,
  sessionCookieName,
} from "./auth/mod.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config.ts";
import { type AppServices, type RouteContext } from "./context.ts";
import {
  databaseReadOnlyOf,
  databaseTimeoutOf,
  type Db,
  isConnectionFailure,
  isTransientConflict,
  isUnstorableTextError,
  sqlState,
} from "./db/mod.ts";
import { privateApiResponses } from "./http/cache_control.ts";
import {
  AppError,
  AuditUnavailableError,
  clientErrorForStatus,
  isAuditWriteFailure,
  PayloadTooLargeError,
  retryAfterOf,
  ServiceUnavailableError,
  toProblem,
  ValidationError,
} from "./errors/mod.ts";
import { createFeatureControl } from "./flags/mod.ts";
import { createModeService } from "./governance/service.ts";
import { databaseCheck, failureReason, redisCheck, workerCheck } from "./health/mod.ts";
import { formPagePath, RouteRegistry } from "./http/access.ts";
import {
  limitBody,
  methodLabel,
  requestContext,
  requestLog,
  routeLabel,
  securityHeaders,
} from "./http/middleware.ts";
import { validationHook } from "./http/openapi.ts";
import { nearbyPage, pageHome } from "./http/page_home.ts";
import { routePath } from "./http/route_path.ts";
import { errorResponse, problem, varyByAccept, wantsApi } from "./http/problem.ts";
import type { AppEnv, AppHono } from "./http/types.ts";
import type { Logger } from "./log/mod.ts";
import { createOutboundGuard } from "./net/mod.ts";
import { redact } from "./phi/mod.ts";
import { createJobService } from "./jobs/mod.ts";
import {
  createEventBus,
  type EventBus,
  loadDeploymentId,
  readDeploymentId,
  SseHub,
} from "./realtime/mod.ts";
import { resyncStreams } from "./realtime/stream.ts";
import type { RedisHandle } from "./redis/client.ts";
import { createRevealOnce, type RevealOnce } from "./auth/reveal_once.ts";
import { type AppMetrics, createAppMetrics } from "./telemetry/mod.ts";
import type { IslandManifest } from "./web/build.ts";
import { createPageRenderer, type PageRenderer } from "./web/render.tsx";
import { serveStatic } from "./web/static.ts";
import { memoryWindowCounter, redisWindowCounter } from "./http/rate_window.ts";
import { UNSTORABLE_TEXT_MESSAGE } from "./validation/text.ts";

/** Sections of the site with no page of their own, and the page their address leads to. */
const SECTIONS: Readonly<Record<string, string>> = {
  "/settings": "/settings/account",
  "/admin": "/admin/users",
};

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  redis?: RedisHandle;
  clock?: Clock;
  metrics?: AppMetrics;
  /** The island bundle manifest (main.ts builds it; tests read the built one). */
  islands?: () => IslandManifest | undefined;
  /** Directory served as static files. */
  staticRoot?: URL;
  /** Platform fetch for the outbound guard; replaced only in the guard's own tests. */
  fetchImpl?: typeof fetch;
  /** An event bus owned by the caller (not closed by `close()`); built from config when absent. */
  bus?: EventBus;
  /** scrypt cost for new password hashes (tests lower it; production keeps the default). */
  passwordParams?: ScryptParams;
  /** Bounds the password hashes running at once (tests pass their own to hold it busy). */
  kdfGate?: KdfGate;
  /** Analytics retention cleanup interval in ms (default hourly; 0 disables the timer). */
  analyticsCleanupIntervalMs?: number;
  /** When background chores first run, given their interval (default {@link choresFirstRunDelayMs}). */
  choresFirstRunDelayMs?: (intervalMs: number) => number;
  /**
   * Where a new API token's secret waits for the one GET after the create form's redirect; built
   * from `redis` (else in memory) when absent.
   */
  tokenReveal?: RevealOnce;
}

export interface App {
  app: AppHono;
  services: AppServices;
  registry: RouteRegistry;
  /** The page renderer (tests use it to render fixtures through the real layout). */
  pages: PageRenderer;
  /**
   * Shutdown, first step: ends the open event streams and refuses new ones, so draining the
   * server does not wait on them. The event bus stays open for the requests still in flight.
   */
  closeStreams(): void;
  /**
   * Shutdown, after in-flight requests finished: stops background work, the streams and the event
   * bus (connections stay with their owner). Closing the bus before draining loses the events of
   * changes that commit during the drain.
   */
  close(): Promise<void>;
}

export const DEFAULT_STATIC_ROOT = new URL("../static/", import.meta.url);

/** Builds the app. Loads the governance mode once (a database read). */
export async function createApp(deps: AppDeps): Promise<App> {
  const { config, db, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createAppMetrics();
  const ownBus = deps.bus === undefined;
  // Set once the outbound guard exists (guard ← mode ← bus); subscribers' errors report through it.
  let errors: ErrorReporter = NOOP_ERROR_REPORTER;
  // The database's deployment id tells this deployment's stream entries from those of another on
  // the same Redis and stream key (staging and production): those are ignored and reported.
  const deploymentId = deps.bus === undefined && deps.redis
    ? await loadDeploymentId(db, logger)
    : undefined;
  const bus = deps.bus ?? await createEventBus({
    redis: deps.redis,
    streamKey: config.realtime.streamKey,
    ...(deploymentId !== undefined
      ? { deploymentId, rereadDeploymentId: () => readDeploymentId(db) }
      : {}),
    historySize: config.realtime.historySize,
    clock,
    metrics,
    logger,
    onHandlerError: (error) =>
      errors.capture(error, { source: "background", task: "bus_subscriber" }),
  });
  const audit = createAuditLog({ db, scrub: (value) => redact(value) });
  let mode: Awaited<ReturnType<typeof createModeService>>;
  try {
    mode = await createModeService({ config, db, audit, bus, logger });
  } catch (error) {
    if (ownBus) await bus.close();
    throw error;
  }
  // Consent and analytics (consent erases through analytics, which checks consent: bound late).
  const late: { analytics?: AnalyticsService } = {};
  const consent = createConsentService({
    store: createConsentStore(db),
    audit,
    clock,
    mode: mode.current,
    logger,
    eraseAnalytics: (userId, actor, requestId) =>
      late.analytics!.eraseUser(userId, actor, requestId),
  });
  const analyticsStore = createAnalyticsStore(db);
  const analyticsService = createAnalyticsService({
    store: analyticsStore,
    consent,
    audit,
    clock,
    mode: mode.current,
    metrics,
    logger,
    config: config.analytics,
  });
  late.analytics = analyticsService;
  // Flags and experiments: the first snapshot loads here; a database failure leaves them fail-closed.
  const featureControl = await createFeatureControl({
    config,
    db,
    clock,
    logger,
    audit,
    bus,
    mode: mode.current,
    // experiment.assigned is recorded (never published) only for users with analytics consent.
    hooks: {
      // A request's GPC signal is recorded when first seen and counts as no consent.
      hasAnalyticsConsent: async (userId, request) =>
        request?.gpc
          ? (await consent.analytics(userId, { gpc: true })).effective
          : await consent.hasAnalyticsConsent(userId),
      recordAssigned: async (event) => {
        if (!event.userId) return;
        // A re-draw names the variant left, counted as a move and not a second exposure, only
        // when the person's exposure is stored (one indexed read, on a re-draw only): assigned
        // before consenting, or erased since, they are exposed here for the first time. The
        // re-draw itself is one conditional update per subject, so only one request gets here.
        const moved = event.reassignedFrom !== undefined &&
          await analyticsStore.hasExposure(event.userId, event.experimentKey);
        await analyticsService.recordServerEvent({
          userId: event.userId,
          eventName: "experiment.assigned",
          properties: {
            experiment_key: event.experimentKey,
            variant: event.variant,
            ...(moved ? { reassigned_from: event.reassignedFrom } : {}),
          },
        });
      },
    },
  });
  const net = createOutboundGuard({
    noNetwork: config.noNetwork,
    mockOnly: config.mockOnly,
    mode: mode.current,
    metrics,
    clock,
    ...(deps.fetchImpl ? { fetchImpl: deps.fetchImpl } : {}),
  });
  // The island bundles a browser report's frames may name, read once from the static root this
  // app serves (the report route and the scrub check against the same list).
  const islandBundles = readIslandBundles(
    new URL("_islands/", deps.staticRoot ?? DEFAULT_STATIC_ROOT),
  );
  errors = createErrorReporter({
    config: config.sentry,
    net,
    metrics,
    logger,
    mode: mode.current,
    islandBundles,
  });
  // The secret of the keyed digests (sign-in locks, rate windows). Without one (development only)
  // this app instance draws its own: no key is shared through module state with another instance.
  const keySecret = config.analytics.ipSalt || drawFallbackSecret();
  const lockKeys = createLockKeys(keySecret);
  // So that `deno task user locks` can tell when its ANALYTICS_IP_SALT is not this app's. Not
  // recorded (the database busy or read-only): the command cannot tell, and says less; no reason
  // to refuse the start.
  await recordLockKeysFingerprint(db, lockKeys).catch((error) =>
    logger.warn("sign-in lock keys' fingerprint not recorded", {
      errorType: error instanceof Error ? error.name : typeof error,
    })
  );
  // Instances sharing an event stream are one deployment: they share rate-limit windows too.
  const rateCounter = deps.redis
    ? redisWindowCounter({
      redis: deps.redis,
      prefix: `${config.realtime.streamKey}:rate`,
      fallback: memoryWindowCounter(),
      // Client keys digested under a key derived from it: the same on every instance.
      secret: keySecret,
    })
    : memoryWindowCounter();
  const services: AppServices = {
    db,
    redis: deps.redis,
    rateCounter,
    metrics,
    net,
    mode,
    readiness: [
      databaseCheck(db),
      redisCheck(deps.redis),
      workerCheck(config.workerUrl, net),
      featureControl.readiness,
    ],
    bus,
    audit,
    errors,
    sse: new SseHub({
      maxConnections: config.realtime.maxConnections,
      maxPerClient: config.realtime.maxConnectionsPerUser,
      metrics,
    }),
    jobs: createJobService({
      db,
      bus,
      // Who finished or failed a job (the token, by its id) is on record.
      audit,
      clock,
      logger,
      stallAfterMs: config.jobs.stallAfterMinutes * 60_000,
      stalledGauge: metrics.jobsStalled,
      retentionDays: config.jobs.retentionDays,
    }),
    auth: createAuthService({
      store: createAuthStore(db),
      audit,
      clock,
      sessionIdleMinutes: config.auth.sessionIdleMinutes,
      sessionAbsoluteHours: config.auth.sessionAbsoluteHours,
      ...(deps.passwordParams ? { passwordParams: deps.passwordParams } : {}),
      ...(deps.kdfGate ? { kdfGate: deps.kdfGate } : {}),
      // Sign-in lock keys under a key derived from the deployment secret (same on every instance).
      lockKeys,
      // A slow token lookup answers from memory only while the database is known to be failing
      // (the mode service failed closed); merely slow, the database's answer decides.
      databaseFailing: () => mode.state().source === "fail-closed",
      // Credentials ended on one instance are dropped from every instance's memory.
      peers: bus.internal,
      logger,
    }),
    flags: featureControl.flags,
    experiments: featureControl.experiments,
    consent,
    analytics: analyticsService,
  };
  // A mode or flag change no bus event brings this instance's streams (a periodic re-read while
  // Redis is lost, the mode failing closed or recovering): its streams resync (clients refetch),
  // so none shows a state the instance is not enforcing (docs/realtime.md, "Redis lost").
  mode.onChange((_state, _previous, { announced }) => {
    if (!announced) resyncStreams(services.sse);
  });
  featureControl.snapshots.onLoad(() => {
    // While the bus hears the others, the change's own event reaches the streams.
    if (!bus.internal.listening()) resyncStreams(services.sse);
  });
  // One per app: a new token's secret is kept under the deployment's stream key, so the GET after
  // the create form's redirect may reach any instance sharing that Redis.
  const tokenReveal = deps.tokenReveal ?? createRevealOnce({
    clock,
    redis: deps.redis,
    prefix: config.realtime.streamKey,
  });
  // Addresses with no page whose things another page lists: a GET there, or the way back from a
  // refused form under them, lands on that page.
  const shownElsewhere = { "/admin/locks": "/admin/users" };
  const registry = new RouteRegistry(shownElsewhere);
  // This site, for telling a Referer from here from one elsewhere (PUBLIC_URL when set).
  const siteOrigin = config.publicUrl ? new URL(config.publicUrl).origin : undefined;
  const pages = createPageRenderer({
    manifest: deps.islands ?? (() => undefined),
    mode: mode.current,
    version: config.version,
  });
  const renderForbidden = (c: Parameters<typeof pages.render>[0]) =>
    pages.render(
      c,
      h(ErrorPage, {
        status: 403,
        heading: "You do not have access to this page",
        message: "Your role does not allow this page. Ask an administrator if you need access.",
        requestId: c.get("requestId"),
      }),
      { title: "Forbidden", status: 403 },
    );
  const ctx: RouteContext = {
    config,
    logger,
    clock,
    services,
    access: { registry, currentMode: mode.current, renderForbidden },
    pages,
    startedAt: clock.now(),
  };

  const app: AppHono = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, getPath: routePath });
  app.use(requestContext({
    logger,
    trustProxy: config.trustProxy,
    trustedProxyIps: config.trustedProxyIps,
  }));
  app.use(securityHeaders({ hsts: config.appEnv !== "development" }));
  app.use(requestLog({ metrics }));
  // Before the 405 check: a browser's preflight is an OPTIONS request.
  app.use("/ofrep/*", ofrepCors(config.security.ofrepCorsOrigins));
  // The sign-in locks have no page of their own: they are shown (and cleared) on the users page.
  const homeOf = pageHome(() => app.routes, shownElsewhere);
  const pageNear = nearbyPage(() => app.routes, SECTIONS);
  // Outside the 405 check, the refusals and the error handler: their form follows Accept.
  app.use(varyByAccept());
  app.use(methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      // A browser reopening the address a form posted to: the nearest page above it. Found from
      // the path as sent (percent-encoded), not c.req.path (decoded): a decoded %0d%0a put into
      // Location made the response throw (500).
      const home = !wantsApi(c) && (c.req.method === "GET" || c.req.method === "HEAD")
        ? homeOf(new URL(c.req.url).pathname)
        : null;
      if (home !== null) return c.redirect(home, 303);
      return wantsApi(c)
        ? problem(c, "METHOD_NOT_ALLOWED", "This method is not allowed here", {
          allow: methods.join(", "),
        })
        : pages.render(
          c,
          h(ErrorPage, {
            status: 405,
            heading: "Method not allowed",
            message: "This address does not accept that kind of request.",
            requestId: c.get("requestId"),
          }),
          { title: "Method not allowed", status: 405, headers: { allow: methods.join(", ") } },
        );
    },
  }));
  // OFREP answers 401/403/429 without a body, whichever middleware refuses.
  app.use("/ofrep/*", ofrepResponseShape());
  app.use(ipFilter({ allow: config.security.allowIps, deny: config.security.denyIps }));
  // The browser error reports' own, smaller limit (routes/api/errors.ts).
  app.use(limitBody(config.bodyLimitBytes, { "/api/errors": BROWSER_REPORT_MAX_BYTES }));
  app.use(
    serveStatic({
      root: deps.staticRoot ?? DEFAULT_STATIC_ROOT,
      cacheFiles: config.appEnv !== "development",
    }),
  );
  app.use(authenticate({ auth: services.auth, secureCookies: config.appEnv !== "development" }));
  app.use("/api/*", privateApiResponses());
  // A signed-in flag evaluator has a budget of its own: server SDKs send one request per
  // evaluation, and one browser token is shared by every tab. Anonymous calls stay in the
  // general budget.
  const ofrepCaller = (c: Context<AppEnv>) =>
    c.req.path.startsWith("/ofrep/") && Boolean(c.get("principal"));
  app.use(
    "/ofrep/*",
    rateLimit({
      perMinute: config.security.ofrepRateLimitPerMin,
      clock,
      counter: services.rateCounter,
      scope: "ofrep",
      applies: ofrepCaller,
    }),
  );
  app.use(rateLimit({
    perMinute: config.security.rateLimitPerMin,
    clock,
    counter: services.rateCounter,
    scope: "requests",
    applies: (c) => !ofrepCaller(c),
  }));
  app.use(consentContext({ consent }));
  app.use(csrfProtection({
    publicUrl: config.publicUrl,
    anonymousPassesOn: (path) => path.startsWith("/ofrep/"),
    renderPage: (c) =>
      pages.render(
        c,
        h(ErrorPage, {
          status: 403,
          heading: "This form has expired",
          message:
            "The form was sent from another site or its security token no longer matches your session. Go back, reload the page and try again.",
          requestId: c.get("requestId"),
        }),
        { title: "Form expired", status: 403 },
      ),
  }));

  app.route("/", healthRoutes(ctx));
  app.route("/", homeRoutes(ctx));
  app.route("/", statusRoutes(ctx));
  app.route("/", governanceApiRoutes(ctx));
  app.route("/", metricsRoutes(ctx));
  app.route("/", streamRoutes(ctx));
  app.route("/", jobsApiRoutes(ctx));
  app.route("/", governancePageRoutes(ctx));
  app.route("/", jobsPageRoutes(ctx));
  app.route("/", authApiRoutes(ctx));
  app.route("/", adminApiRoutes(ctx));
  app.route("/", auditApiRoutes(ctx));
  app.route("/", authPageRoutes(ctx));
  app.route("/", adminPageRoutes(ctx, { tokenReveal }));
  app.route("/", flagPageRoutes(ctx));
  app.route("/", experimentPageRoutes(ctx));
  app.route("/", flagsApiRoutes(ctx));
  app.route("/", experimentsApiRoutes(ctx));
  app.route("/", ofrepRoutes(ctx));
  app.route("/", consentApiRoutes(ctx));
  app.route("/", analyticsApiRoutes(ctx));
  app.route("/", privacyPageRoutes(ctx));
  app.route("/", accountPageRoutes(ctx));
  app.route("/", analyticsPageRoutes(ctx, { erasures: createRecentErasures({ db, clock }) }));
  app.route("/", errorsApiRoutes(ctx, islandBundles));
  app.route(
    "/",
    openApiRoutes(ctx, () =>
      withOfrepRequestBodies(app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "ResearchFlow Governance API",
          version: config.version,
          description:
            "Governance mode, feature flags, experiments, consent, analytics and events.",
        },
      }) as unknown as Record<string, unknown>)),
  );
  app.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: sessionCookieName(config.appEnv !== "development"),
    description:
      "Browser session (`__Host-rf_session`; `rf_session` in development over plain HTTP); state changes also need the X-CSRF-Token header.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API token created by an ADMIN, with scopes.",
  });

  app.notFound((c) => {
    if (wantsApi(c)) return problem(c, "NOT_FOUND", "No such resource");
    // A section's address or a page's with a trailing slash: that page, not a dead end.
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      const url = new URL(c.req.url);
      const near = pageNear(url.pathname);
      if (near !== null) {
        return c.redirect(near + url.search, 303);
      }
    }
    return pages.render(
      c,
      h(ErrorPage, {
        status: 404,
        heading: "Page not found",
        message:
          "There is nothing at this address. Check the link, or start again from the start page.",
        requestId: c.get("requestId"),
      }),
      { title: "Not found", status: 404 },
    );
  });

  app.onError((error, c) => {
    const timeout = databaseTimeoutOf(error);
    const readOnly = databaseReadOnlyOf(error);
    let mapped: unknown = error;
    if (error instanceof HTTPException && error.status === 400) {
      mapped = new ValidationError("The request body is not valid JSON");
    } else if (error instanceof HTTPException && error.status === 413) {
      if (wantsApi(c)) return problem(c, "PAYLOAD_TOO_LARGE", "The request body is too large");
      mapped = new PayloadTooLargeError();
    } else if (error instanceof HTTPException && error.status > 400 && error.status < 500) {
      // A library's refusal (e.g. 415 from the OpenAPI validator for a non-JSON body) is the
      // client's error with the library's status, not a 500.
      mapped = clientErrorForStatus(error.status);
    } else if (isUnstorableTextError(error)) {
      // Any input that reaches the database is covered here, whichever schema let it through.
      mapped = new ValidationError(UNSTORABLE_TEXT_MESSAGE);
    } else if (readOnly) {
      // A write refused by a read-only database (a failover left DATABASE_URL on a standby):
      // 503 with Retry-After; readiness says `db: failed: read only`. One line with the SQLSTATE.
      mapped = readOnly;
      c.get("logger")?.warn("database read only", {
        sqlState: readOnly.sqlState,
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    } else if (isTransientConflict(error)) {
      mapped = new ServiceUnavailableError(
        "The change collided with a concurrent one and was not made; try again",
        1,
      );
      c.get("logger")?.warn("database conflict", {
        sqlState: sqlState(error),
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    } else if (isConnectionFailure(error)) {
      // The database is out of reach (refused, lost, restarting): a dependency outage the
      // client can retry, not a server bug. Readiness and its alert tell operators.
      mapped = new ServiceUnavailableError(
        "The database cannot be reached right now; try again shortly",
        5,
      );
      // The server's code when it answered (55000 refusing connections, 28P01 wrong password,
      // 3D000 no such database, 57P01 ended), else how the connection failed (fixed labels).
      c.get("logger")?.warn("database unreachable", {
        route: routeLabel(c),
        method: methodLabel(c.req.method),
        sqlState: sqlState(error),
        reason: failureReason(error).slice("failed: ".length),
      });
    } else if (timeout) {
      // statement_timeout / lock_timeout: 503 with Retry-After; one line with the SQLSTATE.
      mapped = timeout;
      metrics.dbTimeouts.inc({ reason: timeout.reason });
      c.get("logger")?.warn("database timeout", {
        sqlState: timeout.sqlState,
        reason: timeout.reason,
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    } else if (isAuditWriteFailure(error)) {
      // The action was not made because its audit entry could not be written: a dependency that
      // is unavailable (503 with Retry-After), on pages as on the API.
      mapped = new AuditUnavailableError();
      c.get("logger")?.error("audit write failed", {
        sqlState: sqlState(error),
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
    }
    if (!(mapped instanceof AppError)) {
      // Only the error's class, a database error's SQLSTATE (a code an operator can look up)
      // and the route: messages and stacks may carry data.
      const state = sqlState(error);
      c.get("logger")?.error("unhandled error", {
        errorType: error instanceof Error ? error.name : typeof error,
        ...(state ? { sqlState: state } : {}),
        route: routeLabel(c),
        method: methodLabel(c.req.method),
      });
      services.errors.capture(error, {
        source: "http",
        route: routeLabel(c),
        method: methodLabel(c.req.method),
        requestId: c.get("requestId"),
      });
    }
    const pageProblem = !wantsApi(c) && mapped instanceof AppError
      ? toProblem(mapped, c.get("requestId"))
      : undefined;
    if (pageProblem) {
      // A page the server could not draw (database busy or down, STANDBY), or a browser's
      // request refused before or outside the page's own checks (bad text, a body over the
      // limit, too many requests): the page's own error view with the status and Retry-After,
      // not a problem+json body in the browser. A refusal's words are fixed by its code.
      const body = pageProblem;
      c.set("problemCode", body.code);
      const retryAfter = retryAfterOf(mapped);
      const words = body.status >= 500
        ? {
          heading: body.title,
          message: body.detail ??
            "The request could not be completed; please try again shortly.",
        }
        : refusalWording(body.code, body.status, retryAfter);
      return pages.render(
        c,
        h(ErrorPage, {
          status: body.status,
          ...words,
          requestId: c.get("requestId"),
          // A refused form: back to the page it was sent from, not the action's address.
          ...(c.req.method === "GET" || c.req.method === "HEAD"
            ? {}
            : { back: formPagePath(c, registry, siteOrigin) }),
        }),
        {
          title: words.heading,
          status: body.status,
          ...(retryAfter ? { headers: { "retry-after": String(retryAfter) } } : {}),
        },
      );
    }
    if (wantsApi(c)) return errorResponse(c, mapped);
    return pages.render(
      c,
      h(ErrorPage, {
        status: 500,
        heading: "Something went wrong",
        message: "The request could not be completed. It has been logged; please try again.",
        requestId: c.get("requestId"),
      }),
      { title: "Error", status: 500 },
    );
  });

  // Each chore runs once 30-60 s after start, then every interval. Expired and idle sessions are
  // deleted every 15 minutes (they are already refused when presented).
  const scheduler = createScheduler({
    logger,
    onError: (error, task) => services.errors.capture(error, { source: "background", task }),
    firstRunDelayMs: deps.choresFirstRunDelayMs ?? choresFirstRunDelayMs,
  });
  scheduler.every("sessions.sweep", 15 * 60_000, () => services.auth.deleteExpiredSessions());
  // Failed sign-ins no longer counted (no lock in force, last failure over 24 h old) are deleted.
  scheduler.every("sign_in_locks.sweep", 15 * 60_000, () => services.auth.sweepSignInLocks());
  // Stalled jobs: a gauge to alert on and a warning when their number rises.
  if (services.jobs.stallAfterMs > 0) {
    scheduler.every("jobs.stalled", 60_000, () => services.jobs.watchStalled());
  }
  // Analytics retention: idempotent batched deletes, safe on several instances at once.
  const cleanupMs = deps.analyticsCleanupIntervalMs ?? 60 * 60_000;
  if (cleanupMs > 0) {
    scheduler.every("analytics.retention", cleanupMs, () => analyticsService.cleanup());
  }
  // Job retention: finished jobs past JOB_RETENTION_DAYS, in batches; unfinished ones are kept.
  scheduler.every("jobs.retention", 60 * 60_000, () => services.jobs.cleanup());

  return {
    app,
    services,
    registry,
    pages,
    closeStreams() {
      services.sse.closeAll();
    },
    async close() {
      // Background work registers here as it lands (event bus readers, schedulers, streams).
      await scheduler.stop();
      await featureControl.close();
      services.sse.closeAll();
      await mode.close();
      services.auth.close();
      if (ownBus) await bus.close();
      // Errors captured up to here still go out (bounded: a slow Sentry cannot hold the shutdown).
      await services.errors.flush(2000);
    },
  };
}
