/**
 * The app-wide middleware, each a factory returning a named function so stack
 * traces read well.
 */
import type { Context, MiddlewareHandler } from "hono";
import { METHOD_NAME_ALL } from "hono/router";
import { bodyLimit } from "hono/body-limit";
import { matchedRoutes } from "hono/route";
import { secureHeaders } from "hono/secure-headers";
import { isProbeRoute } from "../health/paths.ts";
import type { Logger } from "../log/mod.ts";
import type { AppMetrics } from "../telemetry/mod.ts";
import { proxyTrust, resolveClientIp } from "./client_ip.ts";
import { isJsonMediaType } from "./media_type.ts";
import { PayloadTooLargeError, ValidationError } from "../errors/mod.ts";
import { decodeUtf8, NOT_UTF8_MESSAGE } from "../validation/text.ts";
import { problem, wantsApi } from "./problem.ts";
import { acceptedRequestId } from "./request_id.ts";
import type { AppEnv } from "./types.ts";

/**
 * Adopts the client's `X-Request-ID` when it is safe to (request_id.ts) or generates one;
 * echoes it; sets the request logger and the client IP (`trustProxy`: how many proxies in
 * front of the app append to X-Forwarded-For, 0 for none; `trustedProxyIps`: the peers whose
 * header is believed, empty for any; see client_ip.ts). Throws ConfigError for an unreadable
 * `trustedProxyIps` rule.
 */
export function requestContext(
  options: {
    logger: Logger;
    trustProxy: number | boolean;
    trustedProxyIps?: readonly string[];
  },
): MiddlewareHandler<AppEnv> {
  const trust = proxyTrust(options.trustProxy, options.trustedProxyIps);
  return async function requestContext(c, next) {
    const incoming = c.req.header("x-request-id");
    const requestId = acceptedRequestId(incoming) ?? crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("principal", null);
    c.set("clientIp", await resolveClientIp(c, trust));
    c.set("logger", options.logger.child({ requestId }));
    c.header("X-Request-ID", requestId);
    await next();
    // A handler or the error handler may answer with a Response of its own (problem+json):
    // it carries the id too, so the header always matches the body's requestId.
    if (!c.res.headers.has("X-Request-ID")) {
      try {
        c.res.headers.set("X-Request-ID", requestId);
      } catch {
        // Immutable headers (a proxied response): the body still names the id.
      }
    }
  };
}

/**
 * The route pattern that serves the request (never the raw URL), for logs and metric labels.
 *
 * Hono matches the method and path against every route once, before the first middleware
 * runs: the match lists the app-wide middleware (method ALL) and then the routes that serve
 * the path. The pattern is that of the route that answered, or, when a middleware answered
 * before routing reached it (429 rate limit, 413 body too large, 401), of the first route
 * the router matched after it. {@link STATIC_ROUTE} when the static file handler answered with
 * a file (one label for all of them, never the file's path). `unmatched` only when no route
 * serves the method and path (404, 405).
 */
export function routeLabel(c: Context): string {
  if (c.get("staticFile") === true) return STATIC_ROUTE;
  try {
    const matched = matchedRoutes(c);
    const route = matched.slice(c.req.routeIndex).find((r) => r.method !== METHOD_NAME_ALL);
    return route?.path || "unmatched";
  } catch {
    return "unmatched";
  }
}

/** The route label of a file answered by the static handler (lib/web/static.ts). */
export const STATIC_ROUTE = "static";

/**
 * Logs one line per request and records the HTTP metrics. Health probes and static files
 * answered 200 or 304 are logged at debug (several a minute per pod, several per page view);
 * their failures keep their level.
 */
export function requestLog(
  options: { metrics: AppMetrics; now?: () => number },
): MiddlewareHandler<AppEnv> {
  const now = options.now ?? (() => performance.now());
  return async function requestLog(c, next) {
    const started = now();
    await next();
    const seconds = (now() - started) / 1000;
    const route = routeLabel(c);
    const method = methodLabel(c.req.method);
    const status = c.res.status;
    options.metrics.httpRequests.inc({ route, method, status });
    options.metrics.httpDuration.observe(seconds, { route, method });
    const fields = { method, route, status, durationMs: Math.round(seconds * 10000) / 10 };
    const logger = c.get("logger");
    const probe = isProbeRoute(route);
    const staticServed = route === STATIC_ROUTE &&
      ((status >= 200 && status < 300) || status === 304);
    if (status === 503 && c.get("problemCode") === "MODE_STANDBY") {
      // Refused on purpose (the operator chose STANDBY): counted apart, so that the 5xx alert
      // does not page for it, and logged as the expected answer it is.
      options.metrics.modeRefusals.inc();
      logger.info("request refused (STANDBY)", fields);
    } else if (probe && status === 503) {
      // "Not ready" is the probe's designed answer while a dependency is down, repeated every few
      // seconds per pod: a warning (the outage itself is told by its own lines and by
      // readiness_checks_total), not an error per probe. A probe's 500 is a bug: an error.
      logger.warn("request failed", fields);
    } else if (status >= 500) logger.error("request failed", fields);
    else if (probe || staticServed) logger.debug("request", fields);
    else logger.info("request", fields);
  };
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The method as logged and labelled: a client may send any token as the method, so anything
 * outside the standard set reads OTHER (a fixed label budget, and no client text in logs).
 */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "OTHER";
}

/**
 * Security headers on every response: a CSP without inline scripts or styles,
 * no framing, no sniffing, a strict referrer policy, HSTS outside development.
 */
export function securityHeaders(options: { hsts: boolean }): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    strictTransportSecurity: options.hsts ? "max-age=63072000; includeSubDomains" : false,
    referrerPolicy: "strict-origin-when-cross-origin",
    xFrameOptions: "DENY",
    crossOriginEmbedderPolicy: false,
    permissionsPolicy: { camera: [], microphone: [], geolocation: [], payment: [] },
  });
  return async function securityHeadersMiddleware(c, next) {
    return await headers(c, next);
  };
}

/**
 * Refuses bodies larger than `maxBytes` with 413 PAYLOAD_TOO_LARGE (declared or streamed): to the
 * API as problem+json; for a page (a browser's form) it throws {@link PayloadTooLargeError}, so
 * that the app's error handler draws its error page with the way back to the form. `byPath` sets
 * a smaller limit for an exact path (the browser error reports'). The limit is set here, for
 * every route at once, because a route's middleware reads the body ({@link requireUtf8Json}): a
 * route's own bodyLimit after it would find the body already read. A streamed body that breaks
 * off before its end (the client went away) is the client's: 400, not a 500.
 */
export function limitBody(
  maxBytes: number,
  byPath: Readonly<Record<string, number>> = {},
): MiddlewareHandler<AppEnv> {
  const limiter = (max: number) =>
    bodyLimit({
      maxSize: max,
      onError: (c) => tooLarge(c, max),
    });
  const limits = new Map(
    Object.entries(byPath).map(([path, max]) => [path, Math.min(max, maxBytes)]),
  );
  const general = limiter(maxBytes);
  const special = new Map([...limits].map(([path, max]) => [path, limiter(max)]));
  return async function limitBodyMiddleware(c, next) {
    // A body without a declared length is read here, not by Hono's bodyLimit: that re-wraps the
    // request as new Request(request, …), which reads its abort signal, and Deno.serve then
    // prints a plain-text warning about the signal's legacy semantics on stderr (a line that is
    // not a log record). Every DELETE without a body took that path.
    const raw = c.req.raw;
    if (raw.body && (!raw.headers.has("content-length") || raw.headers.has("transfer-encoding"))) {
      const max = limits.get(c.req.path) ?? maxBytes;
      let body: Uint8Array<ArrayBuffer> | undefined;
      try {
        body = await readAtMost(raw.body, max);
      } catch {
        throw new ValidationError(BODY_UNREADABLE_MESSAGE);
      }
      if (body === undefined) return tooLarge(c, max);
      c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body });
      return await next();
    }
    // A declared length: Hono's bodyLimit compares it and calls next, or refuses.
    let passedOn = false;
    try {
      return await (special.get(c.req.path) ?? general)(c, async () => {
        passedOn = true;
        await next();
      });
    } catch (error) {
      if (passedOn || error instanceof PayloadTooLargeError) throw error;
      throw new ValidationError(BODY_UNREADABLE_MESSAGE);
    }
  };
}

/** The 413 answer: problem+json to the API; a page's error view (the error handler) otherwise. */
function tooLarge(c: Context<AppEnv>, max: number): Response {
  const detail = `The request body exceeds ${max} bytes`;
  if (!wantsApi(c)) throw new PayloadTooLargeError(detail);
  return problem(c, "PAYLOAD_TOO_LARGE", detail);
}

/** Reads a stream whole, or stops (cancelling it) and gives undefined past `max` bytes. */
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** What a body that could not be read (cut off before its end) is answered with. */
const BODY_UNREADABLE_MESSAGE = "The request body could not be read";

/** Methods whose body a route reads. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Refuses a JSON body (`application/json`, `application/*+json`) whose bytes are not UTF-8 with
 * 400 VALIDATION_FAILED before the route's validator reads it: the validator decodes with the
 * platform's JSON decoder, which turns such bytes into U+FFFD, so `{"name":"svc-\xff"}` would be
 * stored as `svc-\uFFFD` (forms refuse the same, lib/http/form.ts). Hono keeps the bytes read
 * here for the validator. A route's middleware, after its access check (apiRoute() adds it), so
 * that a caller who may not use the route is refused before its body is read. A body cut off
 * before its end is 400 too, not a 500.
 */
export function requireUtf8Json(): MiddlewareHandler<AppEnv> {
  return async function requireUtf8JsonMiddleware(c, next) {
    if (isJsonMediaType(c.req.header("content-type")) && BODY_METHODS.has(c.req.method)) {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await c.req.arrayBuffer());
      } catch {
        throw new ValidationError(BODY_UNREADABLE_MESSAGE);
      }
      if (decodeUtf8(bytes) === undefined) throw new ValidationError(NOT_UTF8_MESSAGE);
    }
    await next();
  };
}
