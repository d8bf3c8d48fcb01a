/**
 * API routes are zod schemas attached to the route (`@hono/zod-openapi`), so
 * validation and `/api/openapi.json` come from the same definitions.
 * `apiRoute()` adds the access statement, its middleware and the standard
 * problem responses to a route definition.
 */
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { problemFor } from "../errors/mod.ts";
import { scanText } from "../phi/mod.ts";
import { type Access, secure, type SecureDeps } from "./access.ts";
import { isJsonMediaType } from "./media_type.ts";
import { requireUtf8Json } from "./middleware.ts";
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
  const middleware = [
    ...secure(deps, route.method, route.path, "api", access),
    issueSchemas(route.request),
    // After the access check: a caller who may not use the route is refused unread.
    ...(takesJson(route.request) ? [requireUtf8Json()] : []),
  ];
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

/** True when a route takes a JSON body. */
function takesJson(request: RouteConfig["request"]): boolean {
  return Object.keys(request?.body?.content ?? {}).some(isJsonMediaType);
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

/** A top-level key as it may be answered when the route's schema is not known. */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** A zod schema's definition (zod 4 keeps it at `_zod.def`). */
type SchemaDef = { type: string; [field: string]: unknown };

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

const WRAPPERS = new Set([
  "optional",
  "nullable",
  "default",
  "prefault",
  "nonoptional",
  "readonly",
  "catch",
]);

/** The definitions `schema` can stand for, through wrappers, pipes, unions and intersections. */
function defsOf(schema: unknown, out: SchemaDef[] = [], depth = 0): SchemaDef[] {
  const def = defOf(schema);
  if (!def || depth > 32) return out;
  if (WRAPPERS.has(def.type)) return defsOf(def.innerType, out, depth + 1);
  if (def.type === "pipe") {
    defsOf(def.in, out, depth + 1);
    return defsOf(def.out, out, depth + 1);
  }
  if (def.type === "intersection") {
    defsOf(def.left, out, depth + 1);
    return defsOf(def.right, out, depth + 1);
  }
  if (def.type === "union") {
    for (const option of def.options as unknown[]) defsOf(option, out, depth + 1);
    return out;
  }
  if (def.type === "lazy") return defsOf((def.getter as () => unknown)(), out, depth + 1);
  out.push(def);
  return out;
}

function ownValue(value: unknown, key: PropertyKey): unknown {
  return value !== null && typeof value === "object" && Object.hasOwn(value, key)
    ? (value as Record<PropertyKey, unknown>)[key]
    : undefined;
}

/**
 * The JSON path of an issue, never holding a key the client chose. A field the schema declares
 * (an object's shape) keeps its name; any other key (a record's or a catchall's: variant keys,
 * config keys) is the client's own text, and is answered as its entry's position in the object,
 * `[n]`, as an array item is: `$.variants[0].weight` for `{"variants":{"Doe-Jane":{"weight":"x"}}}`.
 * The position is among the keys as JavaScript lists them: in the order sent, except that keys
 * that read as array indexes ("7") come first (no request schema takes such keys today). Where the
 * position is not known the path stops at the enclosing field (`$.variants`).
 *
 * `schema` is the zod schema the request part was checked against and `input` what was sent.
 * Without a schema (a route not made by apiRoute()) only a top-level key that is plain and in
 * which the PHI scanner finds nothing is named, and the path stops at the first key below it.
 */
export function issuePath(
  path: ReadonlyArray<PropertyKey>,
  schema?: unknown,
  input?: unknown,
): string {
  let out = "$";
  let schemas: unknown[] = schema === undefined ? [] : [schema];
  let value = input;
  for (const [depth, segment] of path.entries()) {
    const defs = schemas.flatMap((s) => defsOf(s));
    if (typeof segment === "number") {
      out += `[${segment}]`;
      schemas = defs.flatMap((def) =>
        def.type === "array"
          ? [def.element]
          : def.type === "tuple"
          ? [(def.items as unknown[])[segment] ?? def.rest]
          : []
      );
      value = Array.isArray(value) ? value[segment] : undefined;
      continue;
    }
    const key = String(segment);
    if (schema === undefined) {
      if (depth > 0 || !PLAIN_KEY.test(key) || scanText(key).found) return out;
      out += `.${key}`;
      continue;
    }
    const declared = defs.filter((def) =>
      def.type === "object" && Object.hasOwn(def.shape as object, key)
    );
    if (declared.length > 0) {
      out += `.${key}`;
      schemas = declared.map((def) => (def.shape as Record<string, unknown>)[key]);
    } else {
      const index = value !== null && typeof value === "object" && !Array.isArray(value)
        ? Object.keys(value).indexOf(key)
        : -1;
      if (index < 0) return out;
      out += `[${index}]`;
      schemas = defs.flatMap((def) =>
        def.type === "record"
          ? [def.valueType]
          : def.type === "object" && def.catchall
          ? [def.catchall]
          : []
      );
    }
    value = ownValue(value, segment);
  }
  return out;
}

type Target = "json" | "form" | "query" | "param" | "header" | "cookie";

/** The schemas of the route a request matched, by validation target (see issueSchemas()). */
const ISSUE_SCHEMAS = new WeakMap<object, Partial<Record<Target, unknown>>>();

const FORM_MEDIA = /^(multipart\/form-data|application\/x-www-form-urlencoded)/i;

/**
 * A middleware that tells the validation hook which schemas the route checks, so issuePath()
 * can tell the fields they declare from keys the client chose. apiRoute() adds it; a route made
 * with createRoute() directly may list it after its own middleware.
 */
export function issueSchemas(request: RouteConfig["request"]): MiddlewareHandler<AppEnv> {
  const schemas: Partial<Record<Target, unknown>> = {
    query: request?.query,
    param: request?.params,
    header: request?.headers,
    cookie: request?.cookies,
  };
  for (const [media, content] of Object.entries(request?.body?.content ?? {})) {
    const schema = content && "schema" in content ? content.schema : undefined;
    if (isJsonMediaType(media)) schemas.json ??= schema;
    if (FORM_MEDIA.test(media)) schemas.form ??= schema;
  }
  return async (c, next) => {
    ISSUE_SCHEMAS.set(c, schemas);
    await next();
  };
}

/** The validation hook: a failed schema becomes 400 VALIDATION_FAILED with paths, never values. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  const schema = ISSUE_SCHEMAS.get(c)?.[result.target as Target];
  // @hono/zod-validator passes what was sent as `data` on a failure too (its types omit it).
  const input = (result as { data?: unknown }).data;
  const issues = result.error.issues.slice(0, 20).map((issue) => ({
    path: issuePath(issue.path, schema, input),
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
