/**
 * API routes are zod schemas attached to the route (`@hono/zod-openapi`), so
 * validation and `/api/openapi.json` come from the same definitions.
 * `apiRoute()` adds the access statement, its middleware and the standard
 * problem responses to a route definition.
 */
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import { problemFor } from "../errors/mod.ts";
import { scanText } from "../phi/mod.ts";
import { type Access, secure, type SecureDeps } from "./access.ts";
import { PROBLEM_CONTENT_TYPE, problemResponse } from "./problem.ts";
import type { AppEnv } from "./types.ts";

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string().openapi({ example: "VALIDATION_FAILED" }),
  requestId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
}).openapi("Problem");

function problemContent(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}

/** Human text of an access statement, shown in the API reference. */
export function describeAccess(access: Access): string {
  const who = access.role === "public"
    ? "anyone"
    : access.role === "signed_in"
    ? "any signed-in user"
    : `${access.role} or higher`;
  const tokens = access.scopes?.length ? `; API tokens with ${access.scopes.join(" or ")}` : "";
  return `${who}${tokens}; route class ${access.class}`;
}

type ApiRouteConfig = Omit<RouteConfig, "middleware">;

/**
 * A route definition with access middleware and the standard error responses: every error
 * status is documented with the problem+json body the app sends, including those a route lists
 * with a description only, and those any route may answer (a body too large or not JSON, the
 * rate limit, a dependency down).
 */
export function apiRoute<const R extends ApiRouteConfig>(
  deps: SecureDeps,
  access: Access,
  route: R,
): R & { middleware: ReturnType<typeof secure> } {
  const middleware = secure(deps, route.method, route.path, "api", access);
  const errors: RouteConfig["responses"] = {};
  if (route.request?.body || route.request?.query || route.request?.params) {
    errors[400] = problemContent("The request is invalid (VALIDATION_FAILED)");
  }
  if (route.request?.body) {
    errors[413] = problemContent("The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)");
    errors[415] = problemContent(
      "The body is not sent as application/json (UNSUPPORTED_MEDIA_TYPE)",
    );
  }
  if (access.role !== "public") {
    errors[401] = problemContent("Not signed in (UNAUTHENTICATED)");
    errors[403] = problemContent("Role or scope insufficient (FORBIDDEN)");
  }
  errors[429] = problemContent(
    "Too many requests from this client (RATE_LIMITED); see Retry-After",
  );
  errors[503] = problemContent(
    access.class === "write" || access.class === "ingest"
      ? "STANDBY mode (MODE_STANDBY), or the database cannot be reached (SERVICE_UNAVAILABLE); " +
        "see Retry-After"
      : "The database cannot be reached (SERVICE_UNAVAILABLE); see Retry-After",
  );
  const security = access.role === "public" ? [] : [
    { session: [] },
    // A token is accepted as `Authorization: Bearer` or `X-API-Key`, on every route.
    ...(access.scopes?.length
      ? [{ bearer: [...access.scopes] }, { apiKey: [...access.scopes] }]
      : []),
  ];
  return createRoute(
    {
      ...route,
      middleware,
      security,
      "x-access": describeAccess(access),
      responses: withProblemBodies({ ...errors, ...route.responses }),
    } as R & { middleware: typeof middleware },
  ) as R & { middleware: typeof middleware };
}

/** Error responses a route lists with a description only get the problem+json body. */
function withProblemBodies(responses: RouteConfig["responses"]): RouteConfig["responses"] {
  const out: RouteConfig["responses"] = {};
  for (const [status, response] of Object.entries(responses)) {
    const listedOnly = Number(status) >= 400 && "description" in response &&
      !("content" in response && response.content);
    out[status] = listedOnly ? problemContent(response.description as string) : response;
  }
  return out;
}

// Zod messages of these codes state the rule (type, limit, pattern), never the input.
const RULE_CODES = new Set([
  "invalid_type",
  "invalid_value",
  "too_big",
  "too_small",
  "invalid_format",
  "not_multiple_of",
]);
const CODE_TEXT: Record<string, string> = {
  unrecognized_keys: "Unknown field",
  invalid_union: "Does not match any allowed shape",
};

/** Zod's own text for a refinement given no message. */
const DEFAULT_CUSTOM_MESSAGE = "Invalid input";

/**
 * A message for a validation issue that cannot echo what the client sent. A refinement's own
 * message states our rule (the app's schemas write them as fixed text, never from the value):
 * it is answered as written, not as "Invalid value".
 */
export function issueMessage(code: string, message: string): string {
  if (RULE_CODES.has(code)) return message;
  if (code === "custom" && message !== DEFAULT_CUSTOM_MESSAGE) return message;
  return CODE_TEXT[code] ?? "Invalid value";
}

/** A path segment as it may be answered: a plain key, or `[key]` for one that could be a value. */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The JSON path of an issue. Keys of records (variant keys, …) are the client's own text:
 * a key that is not plain, or in which the PHI scanner finds something, reads `[key]`.
 */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return "$" + path.map((p) => {
    if (typeof p === "number") return `[${p}]`;
    const key = String(p);
    return PLAIN_KEY.test(key) && !scanText(key).found ? `.${key}` : ".[key]";
  }).join("");
}

/** The validation hook: a failed schema becomes 400 VALIDATION_FAILED with paths, never values. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const issues = result.error.issues.slice(0, 20).map((issue) => ({
    path: issuePath(issue.path),
    message: issueMessage(issue.code, issue.message),
  }));
  const requestId = c.get("requestId");
  return problemResponse(
    problemFor(
      "VALIDATION_FAILED",
      `The ${result.target === "json" ? "body" : result.target} is invalid`,
      requestId ? { requestId, errors: issues } : { errors: issues },
    ),
  );
};

/** `{ content: { "application/json": { schema } } }` for request bodies and responses. */
export const jsonContent = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
});
