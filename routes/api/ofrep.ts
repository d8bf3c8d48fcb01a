/**
 * OpenFeature Remote Evaluation Protocol (OFREP) endpoints, for the
 * OpenFeature SDKs' OFREP providers: single evaluation (server SDKs) and bulk
 * evaluation with ETag / 304 (web SDKs).
 *
 * Errors use OFREP's own format (`{ key, errorCode, errorDetails }`), not
 * problem+json; 401 and 403 carry no body, 429 carries `Retry-After`, and so
 * does 503 (`GENERAL`: the credential cannot be checked right now).
 * Callers: API tokens with scope `flags:evaluate` (`Authorization: Bearer` or
 * `X-API-Key`), or STEWARD+ sessions. Client `mode` and `environment`
 * attributes are ignored: the server's own apply.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { roleAtLeast } from "../../lib/auth/principal.ts";
import type { RouteContext } from "../../lib/context.ts";
import { KEY_PATTERN } from "../../lib/flags/mod.ts";
import { createOfrepEvaluator } from "../../lib/flags/ofrep_evaluate.ts";
import {
  bulkEtagOf,
  etagMatches,
  MAX_TARGETING_KEY,
  parseOfrepBody,
} from "../../lib/flags/ofrep.ts";
import { type Access, modeGuard } from "../../lib/http/access.ts";
import { describeAccess, jsonContent, validationHook } from "../../lib/http/openapi.ts";
import type { AppEnv } from "../../lib/http/types.ts";

const ACCESS: Access = { role: "STEWARD", scopes: ["flags:evaluate"], class: "read" };

const Metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const Success = z.object({
  key: z.string(),
  value: z.union([z.boolean(), z.string()]).optional().openapi({
    description: "Boolean for flags, the variant key for experiments; absent: use your default",
  }),
  reason: z.enum(["STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT"]),
  variant: z.string().optional(),
  metadata: Metadata,
}).openapi("OfrepEvaluationSuccess");
const Failure = z.object({
  key: z.string(),
  errorCode: z.enum([
    "PARSE_ERROR",
    "TARGETING_KEY_MISSING",
    "INVALID_CONTEXT",
    "FLAG_NOT_FOUND",
    "GENERAL",
  ]),
  errorDetails: z.string().optional(),
}).openapi("OfrepEvaluationFailure");
const BulkFailure = z.object({
  errorCode: z.enum(["PARSE_ERROR", "INVALID_CONTEXT", "GENERAL"]),
  errorDetails: z.string().optional(),
}).openapi("OfrepBulkEvaluationFailure");

const REQUEST_DOC =
  'Body: `{ "context": { "targetingKey": "user-123", ...attributes } }`. The targeting ' +
  "key is the id flags bucket and target by; `mode` and `environment` in the context are " +
  "ignored (the server's apply). A body is sent as `application/json` in UTF-8 (an empty body " +
  "needs neither); anything else is PARSE_ERROR.";

const NO_STORE = { "cache-control": "no-store" };

/** `Retry-After` on 429 and 503, as sent (seconds); the providers back off by it. */
const RETRY_AFTER = {
  "Retry-After": {
    schema: { type: "string" as const },
    description: "Seconds to wait before the next request",
  },
};

/**
 * The bulk evaluation's `If-None-Match`, for the document. Any string passes (optional; the route
 * compares it itself, and a value that is no tag, or `*`, is simply no match): refusing one here
 * would answer a problem+json 400 where OFREP's 200 is due.
 */
const BulkHeaders = z.object({
  "If-None-Match": z.string().optional().openapi({
    param: { name: "If-None-Match", in: "header", required: false },
    description: "The ETag of an earlier bulk answer: 304 while nothing changed (`*` matches " +
      "nothing here)",
    example: '"0f1e2d3c4b5a6978"',
  }),
});

/**
 * The request body of both operations, for the OpenAPI document only. The routes read the body
 * themselves (parseOfrepRequest), because their refusals are in OFREP's format; a request schema
 * here would have the OpenAPI validator answer first, in problem+json. Without it, the document
 * showed no body at all: "Try it" at /api/docs could send no context, and clients generated from
 * the document would send none.
 */
const REQUEST_BODY = {
  required: false,
  description: "The evaluation context. Optional: without a targeting key, experiments answer " +
    "TARGETING_KEY_MISSING (single) or per flag (bulk); a flag rolled out by percentage, or " +
    "one that only targets listed users, answers off (`false`, reason DEFAULT, " +
    "`metadata.evaluationReason` ROLLOUT): nobody is identified, and an error would hand the " +
    "caller its own default.",
  content: {
    "application/json": {
      schema: {
        type: "object",
        additionalProperties: false,
        properties: {
          context: {
            type: "object",
            additionalProperties: true,
            properties: {
              targetingKey: {
                type: "string",
                maxLength: MAX_TARGETING_KEY,
                description: "The id flags bucket and target by (a user id). An empty string " +
                  "counts as none; one with a NUL character or an unpaired surrogate is " +
                  "refused (400 INVALID_CONTEXT).",
              },
            },
            description: "Other attributes are accepted and ignored; `mode` and `environment` " +
              "are the server's own.",
          },
        },
      },
      example: { context: { targetingKey: "user-123" } },
    },
  },
};

/**
 * The path's flag or experiment key. Any string passes: a key no flag can have gets OFREP's
 * FLAG_NOT_FOUND from the route, never the app's validation problem.
 */
const PathKey = z.object({
  key: z.string().openapi({
    param: { name: "key", in: "path", required: true },
    description: `The flag or experiment key (keys match \`${KEY_PATTERN.source}\`; any other ` +
      "key is FLAG_NOT_FOUND)",
    example: "new-dashboard",
  }),
});

/** The OFREP operations' paths in the document, which get {@link REQUEST_BODY}. */
const DOCUMENTED_PATHS = ["/ofrep/v1/evaluate/flags/{key}", "/ofrep/v1/evaluate/flags"];

/** Adds the OFREP request bodies to a generated OpenAPI document (in place; returns it). */
export function withOfrepRequestBodies<T extends Record<string, unknown>>(document: T): T {
  const paths = document.paths as
    | Record<string, Record<string, Record<string, unknown>>>
    | undefined;
  for (const path of DOCUMENTED_PATHS) {
    const operation = paths?.[path]?.post;
    if (operation) operation.requestBody = REQUEST_BODY;
  }
  return document;
}

/** The body's bytes, or undefined when it broke off before its end (the client went away). */
async function bodyBytes(c: Context<AppEnv>): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await c.req.arrayBuffer());
  } catch {
    return undefined;
  }
}

/** The path of a single evaluation, whose failures name the key. */
const SINGLE_PREFIX = "/ofrep/v1/evaluate/flags/";

/**
 * OFREP's response shape for errors made before the route runs (sign-in,
 * CSRF, rate limit): 401/403/429 without a body, keeping `Retry-After`; a body over the limit
 * (413) in OFREP's error format, `GENERAL` with the limit's sentence (and the path's key for a
 * single evaluation, `""` for a key no flag can have), not the app's problem+json.
 * Mounted on `/ofrep/*` ahead of the authentication middleware.
 */
export function ofrepResponseShape(): MiddlewareHandler<AppEnv> {
  return async function ofrepResponseShapeMiddleware(c, next) {
    await next();
    const status = c.res.status;
    if (status === 401 || status === 403 || status === 429) {
      const headers = new Headers(c.res.headers);
      headers.delete("content-type");
      headers.delete("content-length");
      c.res = new Response(null, { status, headers });
    } else if (status === 413) {
      const failure = { errorCode: "GENERAL" as const, errorDetails: await tooLargeDetail(c.res) };
      const path = c.req.path;
      const key = path.startsWith(SINGLE_PREFIX) ? path.slice(SINGLE_PREFIX.length) : undefined;
      const body = key === undefined
        ? failure
        : { key: KEY_PATTERN.test(key) ? key : "", ...failure };
      const headers = new Headers(c.res.headers);
      headers.delete("content-length");
      headers.set("content-type", "application/json");
      headers.set("cache-control", "no-store");
      c.res = new Response(JSON.stringify(body), { status, headers });
    }
  };
}

/** The problem's detail of a 413 (the limit in bytes), or a sentence of its own. */
async function tooLargeDetail(response: Response): Promise<string> {
  try {
    const problem = await response.clone().json() as { detail?: unknown };
    if (typeof problem.detail === "string") return problem.detail;
  } catch {
    // Not JSON: the sentence below.
  }
  return "The request body is too large";
}

/**
 * CORS for `/ofrep/*`, so that a web OpenFeature provider on another origin can evaluate flags:
 * preflights answered 204 before any other check, `ETag` and `Retry-After` readable by the
 * page (the 304 path and the provider's back-off), no credentials (browsers send a token, never
 * this service's session cookie). `origins` is OFREP_CORS_ORIGINS; empty, no CORS at all.
 */
export function ofrepCors(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  if (origins.length === 0) return async (_c, next) => await next();
  return cors({
    origin: origins[0] === "*" ? "*" : [...origins],
    allowMethods: ["POST", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", "if-none-match", "x-api-key"],
    exposeHeaders: ["etag", "retry-after"],
    maxAge: 600,
  });
}

/** What a 503 for a credential that cannot be checked says (as the app's problem+json 503 does). */
const UNAVAILABLE_DETAILS = "Credentials cannot be checked right now; try again shortly";

/**
 * Access for OFREP: like `authorize`, but 401/403 without a body. A credential that cannot be
 * checked (database down, nothing in memory) gets 503 with Retry-After and OFREP's error format,
 * `GENERAL` (the code of its other server-side failures), with the path's `key` for a single
 * evaluation (`""` for a key no flag can have, as FLAG_NOT_FOUND): the SDKs treat any 503 as an
 * unexpected answer whatever it carries, but a person reading it (`curl -i`) sees why.
 */
function ofrepAuthorize(access: Access, single: boolean): MiddlewareHandler<AppEnv> {
  return async function ofrepAuthorizeMiddleware(c, next) {
    const principal = c.get("principal");
    // The credential could not be checked: retry, not re-authenticate.
    if (!principal && c.get("authUnavailable")) {
      const key = c.req.param("key") ?? "";
      const failure = { errorCode: "GENERAL" as const, errorDetails: UNAVAILABLE_DETAILS };
      return c.json(
        single ? { key: KEY_PATTERN.test(key) ? key : "", ...failure } : failure,
        503,
        { ...NO_STORE, "retry-after": "5" },
      );
    }
    if (!principal) return c.body(null, 401, { "www-authenticate": 'Bearer realm="ofrep"' });
    const allowed = principal.kind === "token"
      ? (access.scopes ?? []).some((scope) => principal.scopes.includes(scope))
      : access.role === "signed_in" ||
        (access.role !== "public" && roleAtLeast(principal.role, access.role));
    if (!allowed) return c.body(null, 403);
    await next();
  };
}

export function ofrepRoutes(ctx: RouteContext): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const { flags, experiments } = ctx.services;
  const { resultsFor, overrideOnly } = createOfrepEvaluator({
    contextFor: (subject) => flags.contextFor(subject),
    evaluate: (key, context) => flags.evaluate(key, context),
    assignRemote: (keys, targetingKey) => experiments.assignRemote(keys, targetingKey),
  });

  function secured(path: string): MiddlewareHandler<AppEnv>[] {
    ctx.access.registry.add({ method: "POST", path, kind: "api", access: ACCESS });
    return [
      ofrepAuthorize(ACCESS, path.endsWith("/{key}")),
      modeGuard(ACCESS.class, ctx.access.currentMode),
    ];
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "API token (same secret as the Bearer token), for OpenFeature OFREP clients.",
  });
  const security: Record<string, string[]>[] = [
    { bearer: ["flags:evaluate"] },
    { apiKey: ["flags:evaluate"] },
    { session: [] },
  ];
  const common = {
    tags: ["OpenFeature (OFREP)"],
    security,
    "x-access": describeAccess(ACCESS),
  };

  app.openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/ofrep/v1/evaluate/flags/{key}",
      summary: "Evaluate one flag (OFREP single evaluation)",
      description: REQUEST_DOC,
      middleware: secured("/ofrep/v1/evaluate/flags/{key}"),
      request: { params: PathKey },
      responses: {
        200: { description: "Evaluated", ...jsonContent(Success) },
        400: {
          description: "PARSE_ERROR, INVALID_CONTEXT, or TARGETING_KEY_MISSING (an experiment " +
            "without a targeting key)",
          ...jsonContent(Failure),
        },
        401: { description: "No credentials (no body)" },
        403: { description: "Credentials without scope flags:evaluate (no body)" },
        404: {
          description: "FLAG_NOT_FOUND (`key` is empty when the path's key is not a valid key)",
          ...jsonContent(Failure),
        },
        413: { description: "The body exceeds the size limit (GENERAL)", ...jsonContent(Failure) },
        429: { description: "Rate limited; see Retry-After (no body)", headers: RETRY_AFTER },
        500: { description: "No flag configuration loaded (GENERAL)", ...jsonContent(Failure) },
        503: {
          description: "The credential cannot be checked right now (GENERAL); see Retry-After",
          headers: RETRY_AFTER,
          ...jsonContent(Failure),
        },
      },
    }),
    async (c) => {
      const key = c.req.param("key") ?? "";
      // No flag or experiment can have a key outside the pattern. Such a key (an email address,
      // say) is not echoed back: the answer names it "".
      if (!KEY_PATTERN.test(key)) return c.json(INVALID_KEY, 404, NO_STORE);
      const parsed = parseOfrepBody(c.req.header("content-type"), await bodyBytes(c));
      if (!parsed.ok) {
        return c.json(
          { key, errorCode: parsed.errorCode, errorDetails: parsed.errorDetails },
          400,
          NO_STORE,
        );
      }
      const snapshot = flags.snapshot();
      // An override forces a flag that exists; it does not create one. Only while no snapshot
      // was ever loaded (existence unknown) does the override alone answer.
      const result = snapshot
        ? (await resultsFor(snapshot, [key], parsed.context))[0]
        : overrideOnly(key);
      if (!result && !snapshot) {
        return c.json(
          {
            key,
            errorCode: "GENERAL" as const,
            errorDetails: "No flag configuration is loaded yet",
          },
          500,
          NO_STORE,
        );
      }
      if (!result) {
        return c.json(
          { key, errorCode: "FLAG_NOT_FOUND" as const, errorDetails: "No such flag" },
          404,
          NO_STORE,
        );
      }
      if ("errorCode" in result) return c.json(result, 400, NO_STORE);
      return c.json(result, 200, NO_STORE);
    },
  );

  app.openapi(
    createRoute({
      ...common,
      method: "post",
      path: "/ofrep/v1/evaluate/flags",
      summary: "Evaluate every flag and experiment (OFREP bulk evaluation)",
      description: REQUEST_DOC +
        " The response carries an ETag; send it back as If-None-Match to get 304 while nothing changed.",
      middleware: secured("/ofrep/v1/evaluate/flags"),
      request: { headers: BulkHeaders },
      responses: {
        200: {
          description: "Every flag and experiment, evaluated",
          headers: {
            ETag: { schema: { type: "string" }, description: "Validator for If-None-Match" },
          },
          ...jsonContent(z.object({ flags: z.array(z.union([Success, Failure])) })),
        },
        304: {
          description: "Unchanged since the ETag sent in If-None-Match (no body)",
          headers: {
            ETag: { schema: { type: "string" }, description: "The same ETag, still valid" },
          },
        },
        400: { description: "PARSE_ERROR or INVALID_CONTEXT", ...jsonContent(BulkFailure) },
        401: { description: "No credentials (no body)" },
        403: { description: "Credentials without scope flags:evaluate (no body)" },
        413: {
          description: "The body exceeds the size limit (GENERAL)",
          ...jsonContent(BulkFailure),
        },
        429: { description: "Rate limited; see Retry-After (no body)", headers: RETRY_AFTER },
        500: { description: "No flag configuration loaded (GENERAL)", ...jsonContent(BulkFailure) },
        503: {
          description: "The credential cannot be checked right now (GENERAL); see Retry-After",
          headers: RETRY_AFTER,
          ...jsonContent(BulkFailure),
        },
      },
    }),
    async (c) => {
      const parsed = parseOfrepBody(c.req.header("content-type"), await bodyBytes(c));
      if (!parsed.ok) {
        return c.json(
          { errorCode: parsed.errorCode, errorDetails: parsed.errorDetails },
          400,
          NO_STORE,
        );
      }
      const snapshot = flags.snapshot();
      if (!snapshot) {
        return c.json(
          { errorCode: "GENERAL" as const, errorDetails: "No flag configuration is loaded yet" },
          500,
          NO_STORE,
        );
      }
      const keys = [...snapshot.flags.keys()];
      for (const key of snapshot.experiments.keys()) if (!snapshot.flags.has(key)) keys.push(key);
      const results = await resultsFor(snapshot, keys, parsed.context);
      const body = JSON.stringify({ flags: results });
      const etag = bulkEtagOf(results);
      const headers = { etag, "cache-control": "private, no-cache" };
      if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304, headers);
      return c.body(body, 200, { ...headers, "content-type": "application/json; charset=utf-8" });
    },
  );
  // A key with a '/' (`a/b`, which a provider sends unencoded) is no flag either: answered in
  // OFREP's format, as any invalid key is, not with the app's 404 page.
  app.post(
    "/ofrep/v1/evaluate/flags/*",
    ofrepAuthorize(ACCESS, true),
    modeGuard(ACCESS.class, ctx.access.currentMode),
    (c) => c.json(INVALID_KEY, 404, NO_STORE),
  );

  return app;
}

/** The answer for a path key no flag or experiment can have; such a key is not echoed back. */
const INVALID_KEY = {
  key: "",
  errorCode: "FLAG_NOT_FOUND" as const,
  errorDetails: `No such flag: keys match ${KEY_PATTERN.source}`,
};
