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

/** A route definition with access middleware and the standard error responses. */
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
  if (access.role !== "public") {
    errors[401] = problemContent("Not signed in (UNAUTHENTICATED)");
    errors[403] = problemContent("Role or scope insufficient (FORBIDDEN)");
  }
  if (access.class === "write" || access.class === "ingest") {
    errors[503] = problemContent("STANDBY mode (MODE_STANDBY)");
  }
  const security = access.role === "public"
    ? []
    : [{ session: [] }, ...(access.scopes?.length ? [{ bearer: [...access.scopes] }] : [])];
  return createRoute(
    {
      ...route,
      middleware,
      security,
      "x-access": describeAccess(access),
      responses: { ...errors, ...route.responses },
    } as R & { middleware: typeof middleware },
  ) as R & { middleware: typeof middleware };
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

/** A message for a validation issue that cannot echo what the client sent. */
export function issueMessage(code: string, message: string): string {
  if (RULE_CODES.has(code)) return message;
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
